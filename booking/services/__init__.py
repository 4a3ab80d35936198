"""Writes for booking: the only code that creates or changes appointments and locks calendars.

Each service validates, writes inside one transaction, publishes what happened
(``booking.events``) and returns what it wrote. Rules live here, not in views or models.
The modules by job: ``book`` (booking one meeting or a series), ``changes`` (cancel, move,
close, hand over), ``joint`` (a meeting held in several calendars at once), ``calendars``
(a calendar's set-up and its lock), ``external`` (busy time from the calendars workers
already use, and writing meetings back into them). Which times are free is decided in ``booking.slots``.
"""

from booking.services.book import BookingResult, RepeatRule, appointment_book
from booking.services.calendars import (
    calendar_for,
    calendars_lock,
    feed_token_get_or_create,
    feed_token_rotate,
    meeting_type_create,
    override_create,
    override_delete,
    whole_days,
    working_hours_add,
    working_hours_delete,
    working_hours_replace,
)
from booking.services.changes import (
    appointment_cancel,
    appointment_close,
    appointment_close_undo,
    appointment_reassign,
    appointment_reschedule,
    close_undo_deadline,
)
from booking.services.external import (
    SyncResult,
    external_calendar_connect,
    external_calendar_delete,
    external_calendar_sync,
    external_calendars_due,
)
from booking.services.joint import (
    JointPart,
    TimeNotFree,
    appointments_cancel,
    appointments_move,
    appointments_place,
)

__all__ = [
    "BookingResult",
    "JointPart",
    "RepeatRule",
    "SyncResult",
    "TimeNotFree",
    "appointment_book",
    "appointment_cancel",
    "appointment_close",
    "appointment_close_undo",
    "appointment_reassign",
    "appointment_reschedule",
    "appointments_cancel",
    "appointments_move",
    "appointments_place",
    "calendar_for",
    "calendars_lock",
    "close_undo_deadline",
    "external_calendar_connect",
    "external_calendar_delete",
    "external_calendar_sync",
    "external_calendars_due",
    "feed_token_get_or_create",
    "feed_token_rotate",
    "meeting_type_create",
    "override_create",
    "override_delete",
    "whole_days",
    "working_hours_add",
    "working_hours_delete",
    "working_hours_replace",
]
