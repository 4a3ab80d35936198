"""The worker's week laid out on an hour grid: what each day holds, in time order, and where
each item sits on the grid.

The page is lists first (a section per day, an ordered list of its items, each item's text
saying the time and what it is); the grid is how the style sheet places those items. The
Content-Security-Policy refuses inline styles, so an item's place is given as grid rows named
by classes (``week_grid.css``): one row per five minutes of wall-clock time from the first
hour shown.

Times are the worker's local wall-clock time. On the day summer time starts (02:00 becomes
03:00, 23 hours) or ends (03:00 becomes 02:00 again, 25 hours) every hour row still means
the hour on the clock: a meeting at 10:00 sits on the 10:00 row, and is as tall as it lasts.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from math import ceil
from zoneinfo import ZoneInfo

from booking.models import Appointment, CalendarOverride

ROW_MINUTES = 5
ROWS_PER_HOUR = 60 // ROW_MINUTES
# The grid shows at least a working day, so a quiet week does not shrink to nothing.
EARLIEST_FIRST_HOUR = 8
LATEST_LAST_HOUR = 16

Span = tuple[datetime, datetime]


@dataclass
class GridItem:
    """One thing on a day: a meeting, time off, a break, a free gap, or busy time from another
    calendar. ``start``/``end`` are local and clipped to the day."""

    kind: str  # meeting, off, busy, break, free
    start: datetime
    end: datetime
    appointment: Appointment | None = None
    note: str = ""
    whole_day: bool = False
    row_start: int = 1
    row_span: int = 1

    @property
    def css(self) -> str:
        return f"wg-item wg-{self.kind} wg-rs-{self.row_start} wg-span-{self.row_span}"


@dataclass
class GridDay:
    day: date
    is_today: bool
    is_holiday: bool
    work: list[Span]
    items: list[GridItem] = field(default_factory=list)
    # Shading behind the items: the working hours (decoration; their times are in ``work``).
    bands: list[GridItem] = field(default_factory=list)
    now_row: int | None = None
    hours_in_day: int = 24
    # Kept for the pages and tests that read the week as before.
    appointments: list[Appointment] = field(default_factory=list)
    off: list[CalendarOverride] = field(default_factory=list)

    def __getitem__(self, key: str) -> object:
        # The page context has always given days as mappings; tests and templates read "day",
        # "appointments" and "off" that way.
        return getattr(self, key)


@dataclass
class WeekGrid:
    days: list[GridDay]
    first_hour: int
    last_hour: int

    @property
    def hours(self) -> list[dict[str, int]]:
        """The hour labels down the side, each with its first row."""
        first = self.first_hour
        return [{"hour": h, "row": (h - first) * ROWS_PER_HOUR + 1} for h in range(first, self.last_hour)]

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * ROWS_PER_HOUR


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _wall(day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time names on ``day``; a time inside the spring gap (02:30 on
    the last Sunday of March) is taken as the moment the clock resumes, as booking does."""
    naive = datetime.combine(day, wall)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _minutes_on_clock(moment: datetime, day: date) -> int:
    """Minutes from ``day``'s midnight as the wall clock shows them (not as time passes), so the
    10:00 row is 10:00 on a 23- or 25-hour day too; anything after the day is 24:00."""
    if moment.date() > day:
        return 24 * 60
    if moment.date() < day:
        return 0
    return moment.hour * 60 + moment.minute


def _subtract(base: list[Span], cuts: list[Span]) -> list[Span]:
    result: list[Span] = []
    for start, end in base:
        pieces = [(start, end)]
        for cut_start, cut_end in sorted(cuts):
            next_pieces = []
            for s, e in pieces:
                if cut_end <= s or cut_start >= e:
                    next_pieces.append((s, e))
                    continue
                if cut_start > s:
                    next_pieces.append((s, cut_start))
                if cut_end < e:
                    next_pieces.append((cut_end, e))
            pieces = next_pieces
        result.extend(pieces)
    return result


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class _Week:
    """What the week's days are built from."""

    tz: ZoneInfo
    today: date
    weekly_hours: list[tuple[int, time, time]]
    appointments: list[Appointment]
    overrides: list[CalendarOverride]
    busy: list[Span]
    holidays: frozenset[date]


# Time order, and at one time: time off first, then meetings, then the rest.
_ORDER = {"off": 0, "meeting": 1, "busy": 2, "break": 3, "free": 4}


def build_week(
    *,
    monday: date,
    tz: ZoneInfo,
    now: datetime,
    weekly_hours: list[tuple[int, time, time]],
    appointments: list[Appointment],
    overrides: list[CalendarOverride],
    busy: list[Span],
    holidays: frozenset[date] = frozenset(),
) -> WeekGrid:
    """Lay out the week from Monday: each day's working hours (weekly hours unless a public
    holiday, plus extra hours), its meetings, time off, busy time from other calendars, and
    what is left: breaks between working periods and free gaps inside them."""
    week = _Week(tz, now.astimezone(tz).date(), weekly_hours, appointments, overrides, busy, holidays)
    days = [_build_day(monday + timedelta(days=offset), week) for offset in range(7)]

    first_hour, last_hour = EARLIEST_FIRST_HOUR, LATEST_LAST_HOUR
    for grid_day in days:
        for item in [*grid_day.items, *grid_day.bands]:
            if item.whole_day:
                continue
            first_hour = min(first_hour, _minutes_on_clock(item.start, grid_day.day) // 60)
            last_hour = max(last_hour, ceil(_minutes_on_clock(item.end, grid_day.day) / 60))
    last_hour = max(last_hour, first_hour + 1)
    rows = (last_hour - first_hour) * ROWS_PER_HOUR
    for grid_day in days:
        for item in [*grid_day.items, *grid_day.bands]:
            _place(item, day=grid_day.day, first_hour=first_hour, rows=rows)
        if grid_day.is_today:
            minute = _minutes_on_clock(now.astimezone(tz), grid_day.day) - first_hour * 60
            if 0 <= minute < rows * ROW_MINUTES:
                grid_day.now_row = minute // ROW_MINUTES + 1
    return WeekGrid(days=days, first_hour=first_hour, last_hour=last_hour)


def _build_day(day: date, week: _Week) -> GridDay:
    """One day's items in time order, not yet placed on rows."""
    tz = week.tz
    day_start, day_end = _midnight(day, tz).astimezone(UTC), _midnight(day + timedelta(days=1), tz).astimezone(UTC)

    def clip(start: datetime, end: datetime) -> Span | None:
        # In UTC: datetimes sharing one ZoneInfo compare and subtract by the wall clock,
        # which is wrong in the hour that repeats when summer time ends.
        start, end = max(start, day_start).astimezone(UTC), min(end, day_end).astimezone(UTC)
        return (start, end) if end > start else None

    def local(span: Span) -> Span:
        return span[0].astimezone(tz), span[1].astimezone(tz)

    work = []
    if day not in week.holidays:
        work = [(_wall(day, s, tz), _wall(day, e, tz)) for w, s, e in week.weekly_hours if w == day.weekday()]
    work = [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in work]
    extra = [clip(o.start, o.end) for o in week.overrides if o.kind == CalendarOverride.Kind.EXTRA]
    work = [(s, e) for s, e in _merge(work + [span for span in extra if span]) if e > s]

    grid_day = GridDay(
        day=day,
        is_today=day == week.today,
        is_holiday=day in week.holidays,
        work=[local(span) for span in work],
        hours_in_day=round((day_end - day_start).total_seconds() / 3600),
    )
    for appointment in week.appointments:
        if appointment.start.astimezone(tz).date() == day:
            grid_day.appointments.append(appointment)
            if span := clip(appointment.start, appointment.end):
                grid_day.items.append(GridItem("meeting", *local(span), appointment=appointment))
    for override in week.overrides:
        if override.kind == CalendarOverride.Kind.TIME_OFF and (span := clip(override.start, override.end)):
            grid_day.off.append(override)
            whole = span == (day_start, day_end)
            grid_day.items.append(GridItem("off", *local(span), note=override.note, whole_day=whole))
    for busy_start, busy_end in week.busy:
        if span := clip(busy_start, busy_end):
            grid_day.items.append(GridItem("busy", *local(span)))

    taken = [(i.start.astimezone(UTC), i.end.astimezone(UTC)) for i in grid_day.items]
    for (_s, end), (start, _e) in pairwise(work):
        grid_day.items.append(GridItem("break", *local((end, start))))
    for span in _subtract(work, taken):
        grid_day.items.append(GridItem("free", *local(span)))
    grid_day.bands = [GridItem("work", *local(span)) for span in work]
    grid_day.items.sort(key=lambda i: (i.start.astimezone(UTC), _ORDER[i.kind]))
    return grid_day


def _place(item: GridItem, *, day: date, first_hour: int, rows: int) -> None:
    """The item's first row and how many rows it covers. The start is where the wall clock says;
    the height is how long it lasts (a meeting over the spring gap is not drawn an hour taller)."""
    if item.whole_day:
        item.row_start, item.row_span = 1, rows
        return
    top = _minutes_on_clock(item.start, day) - first_hour * 60
    length = (item.end.astimezone(UTC) - item.start.astimezone(UTC)).total_seconds() / 60
    row_start = max(0, top // ROW_MINUTES)
    row_span = max(1, ceil(length / ROW_MINUTES))
    item.row_start = min(row_start, rows - 1) + 1
    item.row_span = min(row_span, rows - item.row_start + 1)
