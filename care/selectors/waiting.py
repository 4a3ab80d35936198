"""Selectors (scoped reads) for the waiting list."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from booking.availability import Interval
from booking.models import MeetingType
from booking.slots import slots_for
from care.models import WaitingEntry, WaitingOffer
from people.models import User


def window_days(meeting_type: MeetingType) -> int:
    """How many days ahead count for the waiting list: the meeting type's own, or the default."""
    return meeting_type.waiting_list_days or settings.WAITING_LIST_DAYS


def free_times_in_window(*, meeting_type: MeetingType, user: User, now: datetime) -> list[Interval]:
    """The free times ``user`` could book within the waiting-list window (the same rules as booking)."""
    today = now.astimezone(ZoneInfo(meeting_type.calendar.owner.timezone)).date()
    return slots_for(
        meeting_type=meeting_type,
        actor=user,
        first_day=today,
        last_day=today + timedelta(days=window_days(meeting_type)),
        now=now,
    )


def entries_visible_to(*, user: User) -> QuerySet[WaitingEntry]:
    """Active entries: a service user's own, a calendar's as its owner, the unit's as a coordinator."""
    qs = (
        WaitingEntry.objects.filter(status=WaitingEntry.Status.WAITING)
        .select_related("meeting_type__calendar__owner", "user")
        .audited(viewer=user, what="waiting")
    )
    if user.is_service_user:
        return qs.filter(user=user)
    if user.is_coordinator and user.unit_id:
        return qs.filter(meeting_type__calendar__owner__unit_id=user.unit_id)
    if user.has_calendar_role:
        return qs.filter(meeting_type__calendar__owner=user)
    return qs.none()


def entry_waiting(*, user: User, meeting_type: MeetingType) -> WaitingEntry | None:
    return WaitingEntry.objects.filter(user=user, meeting_type=meeting_type, status=WaitingEntry.Status.WAITING).first()


def offers_open_for(*, user: User, now: datetime) -> QuerySet[WaitingOffer]:
    """Offers the person can still take (at most one, by a database constraint)."""
    return WaitingOffer.objects.filter(user=user, status=WaitingOffer.Status.OPEN, expires_at__gt=now).select_related(
        "entry__meeting_type__calendar__owner"
    )
