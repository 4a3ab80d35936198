"""Honest about availability: when the person's worker usually answers, read from the worker's
working hours and time off in booking. Shown on the thread so nobody waits in silence: outside
those hours the page shows the crisis numbers and the help-now button instead of a promise."""

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from booking.models import CalendarOverride, WorkingHours
from people.models import User


@dataclass(frozen=True)
class Availability:
    """``answering_now``: within the worker's hours and not on time off. ``hours``: per
    weekday (0 = Monday) the spans they work. ``away_until``: the end of time off now."""

    worker: User | None
    answering_now: bool
    hours: dict[int, list[tuple[time, time]]] = field(default_factory=dict)
    away_until: datetime | None = None

    @property
    def days(self) -> list[tuple[int, time, time]]:
        """(weekday, first start, last end) for each working day, Monday first."""
        return [(day, spans[0][0], spans[-1][1]) for day, spans in sorted(self.hours.items())]


def availability_of(worker: User | None, *, now: datetime) -> Availability:
    """When ``worker`` usually answers, and whether now is such a time (two queries)."""
    if worker is None:
        return Availability(worker=None, answering_now=False)
    hours: dict[int, list[tuple[time, time]]] = {}
    for row in WorkingHours.objects.filter(calendar__owner=worker).order_by("weekday", "start"):
        hours.setdefault(row.weekday, []).append((row.start, row.end))
    away = (
        CalendarOverride.objects.filter(
            calendar__owner=worker, kind=CalendarOverride.Kind.TIME_OFF, start__lte=now, end__gt=now
        )
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )
    local = now.astimezone(ZoneInfo(worker.timezone))
    working = any(start <= local.time() < end for start, end in hours.get(local.weekday(), []))
    return Availability(worker=worker, answering_now=working and away is None, hours=hours, away_until=away)
