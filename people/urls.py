from django.urls import path

from people import apis

urlpatterns = [
    path("auth/token/", apis.TokenApi.as_view(), name="api-token"),
]
