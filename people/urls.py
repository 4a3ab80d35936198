from django.urls import path

from people import apis

urlpatterns = [
    path("auth/token/", apis.TokenApi.as_view(), name="api-token"),
    path("me/export/", apis.MyExportApi.as_view(), name="my-export"),
    path("people/<int:person_id>/export/", apis.PersonExportApi.as_view(), name="person-export"),
    path("people/<int:person_id>/erase/", apis.PersonEraseApi.as_view(), name="person-erase"),
]
