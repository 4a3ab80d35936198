from django.urls import path

from booking import apis

urlpatterns = [
    path("me/", apis.MeApi.as_view(), name="me"),
    path("workers/", apis.WorkerListApi.as_view(), name="worker-list"),
    path("workers/<int:worker_id>/meeting-types/", apis.WorkerMeetingTypesApi.as_view(), name="worker-meeting-types"),
    path("workers/<int:worker_id>/slots/", apis.WorkerSlotsApi.as_view(), name="worker-slots"),
    path("appointments/", apis.AppointmentListCreateApi.as_view(), name="appointment-list"),
    path("appointments/<int:appointment_id>/", apis.AppointmentDetailApi.as_view(), name="appointment-detail"),
    path("appointments/<int:appointment_id>/cancel/", apis.AppointmentCancelApi.as_view(), name="appointment-cancel"),
    path(
        "appointments/<int:appointment_id>/reschedule/",
        apis.AppointmentRescheduleApi.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:appointment_id>/complete/",
        apis.AppointmentCompleteApi.as_view(),
        name="appointment-complete",
    ),
    path("appointments/<int:appointment_id>/no-show/", apis.AppointmentNoShowApi.as_view(), name="appointment-no-show"),
    path("calendar/working-hours/", apis.WorkingHoursListApi.as_view(), name="working-hours"),
    path("calendar/working-hours/<int:item_id>/", apis.WorkingHoursDetailApi.as_view(), name="working-hours-detail"),
    path("calendar/overrides/", apis.OverrideListApi.as_view(), name="overrides"),
    path("calendar/overrides/<int:item_id>/", apis.OverrideDetailApi.as_view(), name="override-detail"),
    path("calendar/meeting-types/", apis.MeetingTypeListApi.as_view(), name="meeting-types"),
    path("calendar/meeting-types/<int:item_id>/", apis.MeetingTypeDetailApi.as_view(), name="meeting-type-detail"),
    path("calendar/feed/<str:secret>.ics", apis.CalendarFeedApi.as_view(), name="calendar-feed"),
    path("calendar/feed-link/", apis.FeedTokenRotateApi.as_view(), name="calendar-feed-rotate"),
]
