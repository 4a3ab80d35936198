from django.urls import path

from messaging import apis

urlpatterns = [
    path("sms/status/", apis.SmsStatusApi.as_view(), name="sms-status"),
]
