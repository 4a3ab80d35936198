"""Writes for a calendar's set-up: the calendar itself and its lock, working hours, time off
and extra hours, meeting types, and the secret calendar-feed link."""

from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Calendar, CalendarOverride, FeedToken, MeetingType, WorkingHours
from booking.selectors import feed_token_active
from booking.slots import tz_of
from config import prepared
from config.errors import ApplicationError, NotFound
from people.models import User


def calendar_for(*, owner: User) -> Calendar:
    """The owner's calendar, created on first use. Only workers and peers have one."""
    if not owner.has_calendar_role:
        raise NotFound(_("Only social workers and peers have a calendar."))
    calendar, _created = Calendar.objects.get_or_create(owner=owner)
    return calendar


def _lock_one(calendar_id: int) -> Any:
    return Calendar.objects.select_for_update().filter(pk=calendar_id).values_list("pk")


def calendars_lock(*calendar_ids: int) -> None:
    """Hold these calendars' rows until the transaction ends (SELECT … FOR UPDATE).

    The race it closes: two writers both find a time free in a calendar, then both write a
    meeting there. Every write that decides on a calendar's free time (booking, moving,
    joint meetings, a handover, the weekly hours) takes this lock first, so checking and
    writing are one step per calendar; the exclusion constraint on appointments is the last
    line of defence. The rows are locked in id order by everyone, so two writers that need
    the same calendars wait for each other instead of deadlocking. Call inside a transaction.
    """
    ids = sorted(set(calendar_ids))
    if len(ids) == 1:
        # Every booking takes this one: its SQL is compiled once (config.prepared).
        prepared.rows("lock-calendar", _lock_one, [ids[0]])
    elif ids:
        # PostgreSQL locks the rows as the sorted result passes, so in id order.
        list(Calendar.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def meeting_type_create(*, calendar: Calendar, **values: Any) -> MeetingType:
    """A new meeting type in ``calendar`` (e.g. the hidden type a calendar's group meetings
    hang on). The database's constraints check the values."""
    return MeetingType.objects.create(calendar=calendar, **values)


def _check_no_overlap(intervals: list[tuple[int, time, time]]) -> None:
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in intervals:
        by_day.setdefault(weekday, []).append((start, end))
    for spans in by_day.values():
        spans.sort()
        for (s1, e1), (s2, e2) in pairwise(spans):
            if s2 < e1:
                raise ApplicationError(
                    _("Working hours on the same day overlap (%(a)s–%(b)s and %(c)s–%(d)s).")
                    % {"a": f"{s1:%H:%M}", "b": f"{e1:%H:%M}", "c": f"{s2:%H:%M}", "d": f"{e2:%H:%M}"},
                    code="overlapping_hours",
                    fields={"intervals": [_("Intervals on the same day must not overlap.")]},
                )


def working_hours_replace(*, owner: User, intervals: list[tuple[int, time, time]]) -> list[WorkingHours]:
    """Replace the whole weekly pattern at once (what a week editor submits)."""
    for weekday, start, end in intervals:
        if not 0 <= weekday <= 6 or end <= start:
            raise ApplicationError(
                _("Each interval needs a weekday 0–6 and an end after its start."),
                fields={"intervals": [_("Each interval needs a weekday 0–6 and an end after its start.")]},
            )
    _check_no_overlap(intervals)
    with transaction.atomic():
        calendar = calendar_for(owner=owner)
        calendars_lock(calendar.pk)
        calendar.working_hours.all().delete()
        return WorkingHours.objects.bulk_create(
            [WorkingHours(calendar=calendar, weekday=w, start=s, end=e) for w, s, e in intervals]
        )


def working_hours_add(*, owner: User, weekday: int, start: time, end: time) -> WorkingHours:
    with transaction.atomic():
        calendar = calendar_for(owner=owner)
        calendars_lock(calendar.pk)
        existing = list(calendar.working_hours.values_list("weekday", "start", "end"))
        _check_no_overlap([*existing, (weekday, start, end)])
        return WorkingHours.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)


def working_hours_delete(*, owner: User, working_hours_id: int) -> None:
    deleted, _counts = WorkingHours.objects.filter(pk=working_hours_id, calendar__owner=owner).delete()
    if not deleted:
        raise NotFound(_("Working hours not found."))


def override_create(*, owner: User, kind: str, start: datetime, end: datetime, note: str = "") -> CalendarOverride:
    if end <= start:
        raise ApplicationError(_("The end must be after the start."), fields={"end": [_("Must be after the start.")]})
    calendar = calendar_for(owner=owner)
    return CalendarOverride.objects.create(calendar=calendar, kind=kind, start=start, end=end, note=note)


def override_delete(*, owner: User, override_id: int) -> None:
    deleted, _counts = CalendarOverride.objects.filter(pk=override_id, calendar__owner=owner).delete()
    if not deleted:
        raise NotFound(_("Time off or extra hours not found."))


def whole_days(*, owner: User, first: date, last: date) -> tuple[datetime, datetime]:
    """Local midnight of ``first`` to local midnight after ``last``, in the owner's zone."""
    tz = tz_of(owner)
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def feed_token_get_or_create(*, user: User) -> FeedToken:
    token = feed_token_active(user=user)
    if token is None:
        try:
            with transaction.atomic():
                token = FeedToken.objects.create(user=user)
        except IntegrityError:  # created by a concurrent request
            token = FeedToken.objects.get(user=user, revoked_at__isnull=True)
    return token


def feed_token_rotate(*, user: User) -> FeedToken:
    """Revoke the current feed link and make a new one; the old URL stops working at once."""
    with transaction.atomic():
        FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        return FeedToken.objects.create(user=user)
