from django.urls import path

from audit import apis

urlpatterns = [
    path("me/access-log/", apis.MyAccessLogApi.as_view(), name="my-access-log"),
    path("access-log/", apis.UnitAccessLogApi.as_view(), name="unit-access-log"),
]
