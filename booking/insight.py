"""Reads for the unit's picture (``insight``): meetings counted in SQL, per week or month.

Every figure is one ``GROUP BY`` over the unit's meetings in a date range, the period cut in
the unit's own time zone (``date_trunc`` at time zone, so a week that crosses a change to or
from summer time is still Monday 00:00 to Monday 00:00 on the wall clock). Each count comes
with the number of different people behind it, so the layer above can hide cells that
would point at fewer than five people.
"""

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek

from booking.models import MAX_BLOCKED, Appointment, AppointmentEvent

Period = Literal["week", "month"]

HELD = Appointment.Status.COMPLETED
NO_SHOW = Appointment.Status.NO_SHOW
CANCELLED = Appointment.Status.CANCELLED
CLOSED = (HELD, NO_SHOW)
CONFIRMED = Q(confirmed_at__isnull=False)


def truncate(field: str, by: Period, tz: ZoneInfo) -> TruncWeek | TruncMonth:
    """The start of the local week or month ``field`` falls in, cut in SQL."""
    return (TruncWeek if by == "week" else TruncMonth)(field, tzinfo=tz)


def _people(condition: Q | None = None) -> Count:
    return Count("client", distinct=True, filter=condition)


def _meetings_of_unit(*, unit_id: int, start: datetime, end: datetime) -> QuerySet[Appointment]:
    """The unit's meetings that start in [start, end): each meeting once (the service user's
    copy of a joint meeting), in the calendar it is held in."""
    # blocked_start is at most MAX_BLOCKED before start: the bound on it lets PostgreSQL use
    # the (calendar, blocked_start) index instead of reading every calendar's whole history.
    return Appointment.objects.filter(
        calendar__owner__unit_id=unit_id,
        client_copy=True,
        blocked_start__gte=start - MAX_BLOCKED,
        blocked_start__lt=end,
        start__gte=start,
        start__lt=end,
    )


MEETING_COUNTS: dict[str, Any] = {
    "booked": Count("id"),
    "booked_people": _people(),
    "held": Count("id", filter=Q(status=HELD)),
    "held_people": _people(Q(status=HELD)),
    "cancelled": Count("id", filter=Q(status=CANCELLED)),
    "cancelled_people": _people(Q(status=CANCELLED)),
    "no_show": Count("id", filter=Q(status=NO_SHOW)),
    "no_show_people": _people(Q(status=NO_SHOW)),
    "closed": Count("id", filter=Q(status__in=CLOSED)),
    "closed_people": _people(Q(status__in=CLOSED)),
    "confirmed": Count("id", filter=Q(status__in=CLOSED) & CONFIRMED),
    "confirmed_people": _people(Q(status__in=CLOSED) & CONFIRMED),
    "confirmed_no_show": Count("id", filter=Q(status=NO_SHOW) & CONFIRMED),
    "confirmed_no_show_people": _people(Q(status=NO_SHOW) & CONFIRMED),
    "unconfirmed": Count("id", filter=Q(status__in=CLOSED) & ~CONFIRMED),
    "unconfirmed_people": _people(Q(status__in=CLOSED) & ~CONFIRMED),
    "unconfirmed_no_show": Count("id", filter=Q(status=NO_SHOW) & ~CONFIRMED),
    "unconfirmed_no_show_people": _people(Q(status=NO_SHOW) & ~CONFIRMED),
}


def meetings_by_period(
    *, unit_id: int, start: datetime, end: datetime, by: Period, tz: ZoneInfo, per_worker: bool = False
) -> list[dict[str, Any]]:
    """One row per period (and per worker, the calendar's owner, with ``per_worker``): the
    counts in ``MEETING_COUNTS``, each with the number of different people behind it."""
    keys = ["period", "worker"] if per_worker else ["period"]
    rows = (
        _meetings_of_unit(unit_id=unit_id, start=start, end=end)
        .annotate(period=truncate("start", by, tz), worker=F("calendar__owner_id"))
        .values(*keys)
        .annotate(**MEETING_COUNTS)
        .order_by(*keys)
    )
    return list(rows)


def meetings_by_worker(*, unit_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """One row per worker over the whole range, with the worker's name."""
    rows = (
        _meetings_of_unit(unit_id=unit_id, start=start, end=end)
        .values("calendar__owner_id", "calendar__owner__first_name", "calendar__owner__last_name")
        .annotate(**MEETING_COUNTS)
        .order_by("calendar__owner__first_name", "calendar__owner__last_name", "calendar__owner_id")
    )
    return [
        {
            **row,
            "worker": row.pop("calendar__owner_id"),
            "worker_name": f"{row.pop('calendar__owner__first_name')} {row.pop('calendar__owner__last_name')}".strip(),
        }
        for row in rows
    ]


def cancellations_by_whom(
    *, unit_id: int, start: datetime, end: datetime, by: Period, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Cancelled meetings per period by who cancelled them, from the meetings' history:
    ``person`` (the service user), ``staff`` (a worker, peer or coordinator), and ``system``
    (anyone else: the administration, or a cancellation with no history row)."""
    meetings = _meetings_of_unit(unit_id=unit_id, start=start, end=end).filter(status=CANCELLED)
    by_person = Q(events__action=AppointmentEvent.Action.CANCELLED, events__actor_id=F("client_id"))
    by_staff = Q(
        events__action=AppointmentEvent.Action.CANCELLED,
        events__actor__role__in=("social_worker", "peer", "coordinator"),
    ) & ~Q(events__actor_id=F("client_id"))
    rows = (
        meetings.annotate(period=truncate("start", by, tz))
        .values("period")
        .annotate(
            cancelled=Count("id", distinct=True),
            cancelled_people=_people(),
            by_person=Count("id", distinct=True, filter=by_person),
            by_person_people=_people(by_person),
            by_staff=Count("id", distinct=True, filter=by_staff),
            by_staff_people=_people(by_staff),
        )
        .order_by("period")
    )
    return list(rows)


def period_starts(*, start: datetime, end: datetime, by: Period, tz: ZoneInfo) -> list[datetime]:
    """The local starts of every week or month that [start, end) touches, in order."""
    first = start.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    if by == "week":
        first -= timedelta(days=first.weekday())
    else:
        first = first.replace(day=1)
    first = first.replace(tzinfo=None)
    periods = []
    current = first
    while current.replace(tzinfo=tz) < end:
        periods.append(current.replace(tzinfo=tz))
        if by == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return periods
