from django.urls import include, path

urlpatterns = [
    path("", include("care.apis.peers")),
    path("", include("care.apis.groups")),
    path("", include("care.apis.group_meetings")),
    path("", include("care.apis.continuity")),
    path("", include("care.apis.help")),
    path("", include("care.apis.waiting")),
    path("", include("care.apis.feedback")),
]
