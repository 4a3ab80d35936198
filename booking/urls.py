from django.urls import path

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from booking import apis, apis_external

urlpatterns = [
    path("me/", apis.MeApi.as_view(), name="me"),
    path("workers/", apis.WorkerListApi.as_view(), name="worker-list"),
    path("workers/<id:worker_id>/meeting-types/", apis.WorkerMeetingTypesApi.as_view(), name="worker-meeting-types"),
    path("workers/<id:worker_id>/slots/", apis.WorkerSlotsApi.as_view(), name="worker-slots"),
    path("appointments/", apis.AppointmentListCreateApi.as_view(), name="appointment-list"),
    path("appointments/<id:appointment_id>/", apis.AppointmentDetailApi.as_view(), name="appointment-detail"),
    path("appointments/<id:appointment_id>/cancel/", apis.AppointmentCancelApi.as_view(), name="appointment-cancel"),
    path(
        "appointments/<id:appointment_id>/reschedule/",
        apis.AppointmentRescheduleApi.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<id:appointment_id>/complete/",
        apis.AppointmentCompleteApi.as_view(),
        name="appointment-complete",
    ),
    path("appointments/<id:appointment_id>/no-show/", apis.AppointmentNoShowApi.as_view(), name="appointment-no-show"),
    path("calendar/working-hours/", apis.WorkingHoursListApi.as_view(), name="working-hours"),
    path("calendar/working-hours/<id:item_id>/", apis.WorkingHoursDetailApi.as_view(), name="working-hours-detail"),
    path("calendar/overrides/", apis.OverrideListApi.as_view(), name="overrides"),
    path("calendar/overrides/<id:item_id>/", apis.OverrideDetailApi.as_view(), name="override-detail"),
    path("calendar/external/", apis_external.ExternalCalendarListApi.as_view(), name="external-calendars"),
    path(
        "calendar/external/<id:item_id>/",
        apis_external.ExternalCalendarDetailApi.as_view(),
        name="external-calendar-detail",
    ),
    path(
        "calendar/external/<id:item_id>/sync/",
        apis_external.ExternalCalendarSyncApi.as_view(),
        name="external-calendar-sync",
    ),
    path("calendar/meeting-types/", apis.MeetingTypeListApi.as_view(), name="meeting-types"),
    path("calendar/meeting-types/<id:item_id>/", apis.MeetingTypeDetailApi.as_view(), name="meeting-type-detail"),
    # A secret is URL-safe base64 (booking.models.new_feed_secret): any other character, such as a
    # NUL byte PostgreSQL would refuse to compare, matches no URL and is a 404.
    path("calendar/feed/<slug:secret>.ics", apis.CalendarFeedApi.as_view(), name="calendar-feed"),
    path("calendar/feed-link/", apis.FeedTokenRotateApi.as_view(), name="calendar-feed-rotate"),
]
