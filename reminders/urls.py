from django.urls import path

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from reminders import apis, apis_supporters

urlpatterns = [
    path("reminder-plans/", apis.PlanListApi.as_view(), name="reminder-plans"),
    path("reminder-plans/<id:plan_id>/", apis.PlanDetailApi.as_view(), name="reminder-plan-detail"),
    path("reminder-preferences/", apis.PreferencesApi.as_view(), name="reminder-preferences"),
    path("reminder-supporter/", apis_supporters.SupporterApi.as_view(), name="reminder-supporter"),
    path("deliveries/", apis.DeliveryListApi.as_view(), name="deliveries"),
    path("medication-log/", apis.MedicationLogApi.as_view(), name="medication-log"),
    path("medication-log/<id:log_id>/", apis.MedicationLogDetailApi.as_view(), name="medication-log-detail"),
    path("sms/inbound/", apis.SmsInboundApi.as_view(), name="sms-inbound"),
]
