"""Reads for the unit's picture (``insight``): meetings counted in SQL, per week or month.

Every figure is one query over the unit's meetings in a date range, the period cut in the
unit's own time zone (``date_trunc`` at time zone, so a week that crosses a change to or from
summer time is still Monday 00:00 to Monday 00:00 on the wall clock). Each count comes with
the number of different people behind it, so the layer above can hide cells that would point
at fewer than five people.

The people are counted in two steps, both in SQL: the meetings are first grouped per person
(and period or worker), then those groups are summed, a person counting once for each kind
of meeting they had. One hash aggregate and a small sum cost far less than a
``COUNT(DISTINCT …)`` (a sort) per column.
"""

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import TruncMonth, TruncWeek

from booking.models import MAX_BLOCKED, Appointment, AppointmentEvent
from people.models import User

Period = Literal["week", "month"]

HELD = Appointment.Status.COMPLETED
NO_SHOW = Appointment.Status.NO_SHOW
CANCELLED = Appointment.Status.CANCELLED
CLOSED = (HELD, NO_SHOW)
CONFIRMED = Q(confirmed_at__isnull=False)

# What is counted per person first; the layer above gets each, and each with "_people".
MEETING_COUNTS: dict[str, Any] = {
    "booked": Count("id"),
    "held": Count("id", filter=Q(status=HELD)),
    "cancelled": Count("id", filter=Q(status=CANCELLED)),
    "no_show": Count("id", filter=Q(status=NO_SHOW)),
    "closed": Count("id", filter=Q(status__in=CLOSED)),
    "confirmed": Count("id", filter=Q(status__in=CLOSED) & CONFIRMED),
    "confirmed_no_show": Count("id", filter=Q(status=NO_SHOW) & CONFIRMED),
    "unconfirmed": Count("id", filter=Q(status__in=CLOSED) & ~CONFIRMED),
    "unconfirmed_no_show": Count("id", filter=Q(status=NO_SHOW) & ~CONFIRMED),
}
STAFF_ROLES = ("social_worker", "peer", "coordinator")


def truncate(field: str, by: Period, tz: ZoneInfo) -> TruncWeek | TruncMonth:
    """The start of the local week or month ``field`` falls in, cut in SQL."""
    return (TruncWeek if by == "week" else TruncMonth)(field, tzinfo=tz)


def _meetings_of_unit(*, unit_id: int, start: datetime, end: datetime) -> QuerySet[Appointment]:
    """The unit's meetings that start in [start, end): each meeting once (the service user's
    copy of a joint meeting), in the calendar it is held in."""
    # blocked_start is at most MAX_BLOCKED before start: the bound on it lets PostgreSQL read
    # the (calendar, blocked_start) index (appointment_insight_idx, which also holds every
    # column counted here) instead of every calendar's whole history.
    return Appointment.objects.filter(
        calendar__owner__unit_id=unit_id,
        client_copy=True,
        blocked_start__gte=start - MAX_BLOCKED,
        blocked_start__lt=end,
        start__gte=start,
        start__lt=end,
    )


def _sum_per_person(per_person: QuerySet | tuple[str, Any], keys: list[str], counts: list[str]) -> list[dict]:
    """Sum ``per_person`` (one row per person and ``keys``; a queryset or SQL with its
    parameters) over the people: each count, and how many people had at least one."""
    inner, params = per_person if isinstance(per_person, tuple) else per_person.query.sql_with_params()
    quoted = {name: connection.ops.quote_name(name) for name in keys + counts}
    columns = [quoted[k] for k in keys]
    for name in counts:
        columns.append(f"SUM({quoted[name]})")
        columns.append(f"SUM(CASE WHEN {quoted[name]} > 0 THEN 1 ELSE 0 END)")
    group = ", ".join(quoted[k] for k in keys)
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) per_person GROUP BY {group} ORDER BY {group}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = keys + [n for name in counts for n in (name, f"{name}_people")]
    result = []
    for row in rows:
        values = dict(zip(names, row, strict=True))
        for name in names[len(keys) :]:
            values[name] = int(values[name] or 0)
        result.append(values)
    return result


def _as_datetime(value: Any, tz: ZoneInfo) -> datetime:
    # SQLite hands back the truncated period as text through raw SQL; PostgreSQL as a datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=tz)


def meetings_by_period(*, unit_id: int, start: datetime, end: datetime, by: Period, tz: ZoneInfo) -> list[dict]:
    """One row per period: the counts in ``MEETING_COUNTS``, each with the people behind it."""
    per_person = (
        _meetings_of_unit(unit_id=unit_id, start=start, end=end)
        .annotate(period=truncate("start", by, tz))
        .values("period", "client_id")
        .annotate(**MEETING_COUNTS)
        .order_by()
    )
    rows = _sum_per_person(per_person, ["period"], list(MEETING_COUNTS))
    return [{**row, "period": _as_datetime(row["period"], tz)} for row in rows]


def meetings_by_worker(*, unit_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """One row per worker (the calendar's owner) over the whole range, with the worker's name."""
    per_person = (
        _meetings_of_unit(unit_id=unit_id, start=start, end=end)
        .annotate(worker=F("calendar__owner_id"))
        .values("worker", "client_id")
        .annotate(**MEETING_COUNTS)
        .order_by()
    )
    rows = _sum_per_person(per_person, ["worker"], list(MEETING_COUNTS))
    names = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=[r["worker"] for r in rows])}
    rows = [{**row, "worker_name": names.get(row["worker"], "")} for row in rows]
    return sorted(rows, key=lambda row: (row["worker_name"], row["worker"]))


def cancellations_by_whom(
    *, unit_id: int, start: datetime, end: datetime, by: Period, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Cancelled meetings per period by who cancelled them, from the meetings' history:
    ``by_person`` (the service user), ``by_staff`` (a worker, peer or coordinator); the rest
    (the administration, or no history row) the layer above counts as cancelled otherwise."""
    # Who cancelled, 1 the person, 2 staff, else 3: one index lookup per cancelled meeting
    # (LIMIT 1 keeps PostgreSQL from hashing every cancellation in the database instead).
    canceller = (
        AppointmentEvent.objects.filter(appointment=OuterRef("pk"), action=AppointmentEvent.Action.CANCELLED)
        .annotate(
            kind=Case(
                When(actor_id=OuterRef("client_id"), then=Value(1)),
                When(actor__role__in=STAFF_ROLES, then=Value(2)),
                default=Value(3),
            )
        )
        .order_by("at", "id")
        .values("kind")[:1]
    )
    rows = (
        _meetings_of_unit(unit_id=unit_id, start=start, end=end)
        .filter(status=CANCELLED)
        .annotate(period=truncate("start", by, tz), canceller=Subquery(canceller))
        .values("period", "client_id", "canceller")
        .order_by()
    )
    # Grouped per person here rather than by the ORM, which would run the look-up once for
    # each count it is used in.
    sql, params = rows.query.sql_with_params()
    period, client, kind = (connection.ops.quote_name(n) for n in ("period", "client_id", "canceller"))
    per_person = (
        f"SELECT {period}, {client}, COUNT(*) AS cancelled, "  # noqa: S608  (names quoted, values as parameters)
        f"SUM(CASE WHEN {kind} = 1 THEN 1 ELSE 0 END) AS by_person, "
        f"SUM(CASE WHEN {kind} = 2 THEN 1 ELSE 0 END) AS by_staff "
        f"FROM ({sql}) cancelled_rows GROUP BY {period}, {client}",
        params,
    )
    rows = _sum_per_person(per_person, ["period"], ["cancelled", "by_person", "by_staff"])
    return [{**row, "period": _as_datetime(row["period"], tz)} for row in rows]


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
