"""Booking's models: calendars, free-time rules and appointments (``core``), and busy time from
the calendars workers already use (``external``)."""

from booking.models.core import (
    MAX_BLOCKED,
    OCCUPYING_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentSeries,
    Calendar,
    CalendarOverride,
    CalendarVersion,
    FeedToken,
    IdempotencyKey,
    MeetingType,
    TsTzRange,
    WorkingHours,
    new_feed_secret,
)
from booking.models.external import ExternalBusy, ExternalCalendar, ExternalWrite

__all__ = [
    "MAX_BLOCKED",
    "OCCUPYING_STATUSES",
    "Appointment",
    "AppointmentEvent",
    "AppointmentSeries",
    "Calendar",
    "CalendarOverride",
    "CalendarVersion",
    "ExternalBusy",
    "ExternalCalendar",
    "ExternalWrite",
    "FeedToken",
    "IdempotencyKey",
    "MeetingType",
    "TsTzRange",
    "WorkingHours",
    "new_feed_secret",
]
