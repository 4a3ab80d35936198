"""The availability engine: free slots of one calendar for one meeting type.

Pure functions over plain values: no database, no clock. Callers load the inputs
(see ``booking.selectors``) and pass ``now`` explicitly, which makes the rules easy
to test across daylight-saving changes.

Rules, in order:

* Working hours are weekly intervals in the calendar's *local* time; several per
  day give breaks. Extra-hours overrides add time, time-off overrides remove it.
* Offered start times lie on a grid of ``step`` minutes counted in local wall-clock
  time from the start of each working interval, so a 09:00 slot stays 09:00 local
  on both sides of a daylight-saving change. Wall-clock times that do not exist
  (the skipped hour in spring) are never offered. An interval without a clock change
  inside it is walked in UTC, which gives the same times with less work.
* The meeting itself must fit inside open time; its buffers need not, but the
  *blocked* range (meeting plus buffers) must not overlap any existing blocked
  range. This is the same rule the database's exclusion constraint enforces.
* A slot must start no earlier than ``now + min_notice`` and on a local day no
  later than ``today + horizon_days``.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class WeeklyInterval:
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class SlotRules:
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta = timedelta(minutes=30)
    min_notice: timedelta = timedelta(0)
    horizon_days: int = 28


@dataclass(frozen=True)
class CalendarState:
    """Everything the engine needs to know about a calendar over a range."""

    tz: ZoneInfo
    weekly: Sequence[WeeklyInterval]
    extra: Sequence[Interval] = ()
    time_off: Sequence[Interval] = ()
    busy: Sequence[Interval] = ()  # blocked ranges (buffers included) of existing appointments
    # Local days on which the weekly hours do not apply (public holidays); extra hours do.
    closed_days: frozenset[date] = frozenset()


def localize(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The aware instant of a local wall-clock time, or None if it does not exist that day.

    In an autumn overlap the first (summer-time) occurrence is used.
    """
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        return None
    return aware


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # Midnight always exists in Europe/Oslo; fall back to normalising for zones where it may not.
    aware = localize(day, time(0), tz)
    if aware is None:
        aware = datetime.combine(day, time(0)).replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
    return aware


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals."""
    merged: list[Interval] = []
    for item in sorted(intervals):
        if merged and item.start <= merged[-1].end:
            if item.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, item.end)
        else:
            merged.append(item)
    return merged


def subtract(base: Sequence[Interval], remove: Sequence[Interval]) -> list[Interval]:
    """``base`` minus ``remove``; both must be merged (sorted, disjoint)."""
    result: list[Interval] = []
    for piece in base:
        start = piece.start
        for cut in remove:
            if cut.end <= start or cut.start >= piece.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
            if start >= piece.end:
                break
        if start < piece.end:
            result.append(Interval(start, piece.end))
    return result


class _DisjointSet:
    """Sorted disjoint intervals with O(log n) overlap and containment queries."""

    def __init__(self, intervals: Sequence[Interval]) -> None:
        self.starts = [i.start for i in intervals]
        self.ends = [i.end for i in intervals]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        # The last interval starting before `end` has the greatest end of all such intervals.
        idx = bisect_left(self.starts, end)
        return idx > 0 and self.ends[idx - 1] > start

    def contains(self, start: datetime, end: datetime) -> bool:
        idx = bisect_left(self.starts, start)
        # An interval starting exactly at `start`, or the one before it, may contain the range.
        for j in (idx, idx - 1):
            if 0 <= j < len(self.starts) and self.starts[j] <= start and end <= self.ends[j]:
                return True
        return False


class _Merged:
    """Intervals merged (sorted and disjoint, so their ends are sorted too), giving the ones
    that reach into a range by bisection: a day cuts only the time off that reaches into it,
    and busy time read from a worker's own calendar can be hundreds of intervals."""

    def __init__(self, intervals: Sequence[Interval]) -> None:
        self.items = merge(intervals)
        self.starts = [i.start for i in self.items]
        self.ends = [i.end for i in self.items]

    def reaching(self, start: datetime, end: datetime) -> list[Interval]:
        return self.items[bisect_right(self.ends, start) : bisect_left(self.starts, end)]


def _day_base_intervals(day: date, state: CalendarState) -> list[Interval]:
    """The day's working intervals and extra hours, each anchoring its own slot grid."""
    intervals = []
    for weekly in state.weekly:
        if weekly.weekday != day.weekday() or day in state.closed_days:
            continue
        start = localize(day, weekly.start, state.tz)
        end = localize(day, weekly.end, state.tz)
        if start is None:  # interval starts inside the spring gap: begin when the clock resumes
            start = datetime.combine(day, weekly.start).replace(tzinfo=state.tz).astimezone(UTC).astimezone(state.tz)
        if end is None:
            end = datetime.combine(day, weekly.end).replace(tzinfo=state.tz).astimezone(UTC).astimezone(state.tz)
        if end > start:
            intervals.append(Interval(start, end))
    day_start = _local_midnight(day, state.tz)
    day_end = _local_midnight(day + timedelta(days=1), state.tz)
    for extra in state.extra:
        start, end = max(extra.start, day_start), min(extra.end, day_end)
        if end > start:
            intervals.append(Interval(start, end))
    return intervals


def free_slots(
    *, state: CalendarState, rules: SlotRules, first_day: date, last_day: date, now: datetime
) -> list[Interval]:
    """Free slots (meeting start and end, without buffers) on local days first_day..last_day inclusive."""
    tz = state.tz
    # Aware datetimes that share a zone add, subtract and compare in wall-clock time, so
    # instants are handled in UTC: durations, buffers and notice are real elapsed time even
    # across a daylight-saving change. Only the grid is walked in local wall-clock time.
    earliest = now.astimezone(UTC) + rules.min_notice
    today = now.astimezone(tz).date()
    last_day = min(last_day, today + timedelta(days=rules.horizon_days))
    first_day = max(first_day, earliest.astimezone(tz).date())
    if last_day < first_day:
        return []

    busy = _DisjointSet(merge(state.busy))
    time_off = _Merged(state.time_off)
    step_minutes = max(1, int(rules.step.total_seconds() // 60))
    slots: set[Interval] = set()

    day = first_day
    while day <= last_day:
        bases = _day_base_intervals(day, state)
        if bases:
            day_bases = merge(bases)
            open_time = _DisjointSet(subtract(day_bases, time_off.reaching(day_bases[0].start, day_bases[-1].end)))
            for base in bases:
                local_start = base.start.astimezone(tz)
                if local_start.utcoffset() == base.end.astimezone(tz).utcoffset():
                    # No clock change inside the interval (a day has at most one), so each
                    # wall-clock step is the same step of real time: walk it in UTC.
                    start = local_start.astimezone(UTC)
                    step = timedelta(minutes=step_minutes)
                    while (end := start + rules.duration) <= base.end:
                        if (
                            start >= earliest
                            and open_time.contains(start, end)
                            and not busy.overlaps(start - rules.buffer_before, end + rules.buffer_after)
                        ):
                            slots.add(Interval(start.astimezone(tz), end.astimezone(tz)))
                        start += step
                    continue
                wall = local_start.replace(tzinfo=None)
                while True:
                    start = localize(wall.date(), wall.time(), tz)
                    wall += timedelta(minutes=step_minutes)
                    if start is None:
                        continue  # this wall-clock time is skipped by the spring change
                    start = start.astimezone(UTC)
                    end = start + rules.duration
                    if end > base.end:
                        break
                    if start < earliest or not open_time.contains(start, end):
                        continue
                    if busy.overlaps(start - rules.buffer_before, end + rules.buffer_after):
                        continue
                    slots.add(Interval(start.astimezone(tz), end.astimezone(tz)))
        day += timedelta(days=1)
    return sorted(slots)


def nearest(slots: Sequence[Interval], to: datetime, count: int) -> list[Interval]:
    """The ``count`` slots closest in time to ``to``, in time order."""
    closest = sorted(slots, key=lambda slot: (abs(slot.start - to), slot.start))[:count]
    return sorted(closest)


def fits_any_hour(*, state: CalendarState, rules: SlotRules, start: datetime, now: datetime) -> bool:
    """Whether a meeting starting at ``start`` fits the calendar when its opening hours, grid
    and public holidays do not apply (staff booking outside the usual hours): it still starts
    no earlier than ``now + min_notice``, on a local day within the horizon, outside time off,
    and its blocked range (buffers included) overlaps no existing one."""
    start = start.astimezone(UTC)
    end = start + rules.duration
    if start < now.astimezone(UTC) + rules.min_notice:
        return False
    if start.astimezone(state.tz).date() > now.astimezone(state.tz).date() + timedelta(days=rules.horizon_days):
        return False
    if _DisjointSet(merge(state.time_off)).overlaps(start, end):
        return False
    return not _DisjointSet(merge(state.busy)).overlaps(start - rules.buffer_before, end + rules.buffer_after)
