"""Recurrence rules expanded day by day inside a window: the bounded expansion every path uses.

dateutil parses an RRULE and fills in its defaults (a weekly rule without BYDAY repeats on
the start's weekday…), but its own iteration has no bound: a rule that never happens
(30 February) is searched period by period up to the year 9999, which cost 15 s of CPU per
request. Here a rule is expanded over the days of the window asked for and no further, so
the cost is the window's length whatever the rule. The semantics are dateutil's (a test
compares the two on many rules); the parts accepted are those ``DayRule.of`` knows.
"""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule

# The parts of an RRULE this evaluator does not implement; a rule using one is refused.
UNSUPPORTED = ("_byweekno", "_byyearday", "_byeaster", "_bysetpos")


@dataclass(frozen=True)
class DayRule:
    """A parsed rule, as the days it falls on and the times of day on each."""

    freq: int
    interval: int
    dtstart: datetime  # naive, local wall-clock time
    until: datetime | None
    count: int | None
    wkst: int
    bymonth: frozenset[int] | None
    bymonthday: frozenset[int]
    bynmonthday: frozenset[int]
    byweekday: frozenset[int] | None
    bynweekday: frozenset[tuple[int, int]] | None
    times: tuple[time, ...]

    @classmethod
    def of(cls, rule: rrule) -> "DayRule":
        """The rule as dateutil normalised it. ``ValueError`` for a part not supported here."""
        for part in UNSUPPORTED:
            if getattr(rule, part, None):
                raise ValueError(part.lstrip("_").upper())
        if rule._freq not in (DAILY, WEEKLY, MONTHLY, YEARLY):
            raise ValueError("FREQ")
        return cls(
            freq=rule._freq,
            interval=rule._interval,
            dtstart=rule._dtstart.replace(tzinfo=None),
            until=rule._until.replace(tzinfo=None) if rule._until else None,
            count=rule._count,
            wkst=rule._wkst,
            bymonth=frozenset(rule._bymonth) if rule._bymonth else None,
            bymonthday=frozenset(rule._bymonthday or ()),
            bynmonthday=frozenset(rule._bynmonthday or ()),
            byweekday=frozenset(rule._byweekday) if rule._byweekday else None,
            bynweekday=frozenset(rule._bynweekday) if rule._bynweekday else None,
            times=tuple(sorted(time(t.hour, t.minute, t.second) for t in rule._timeset)),
        )

    def _in_phase(self, day: date) -> bool:
        """Whether ``day`` lies in a period the interval keeps (every n-th day, week, month, year)."""
        start = self.dtstart.date()
        if self.freq == DAILY:
            return (day - start).days % self.interval == 0
        if self.freq == WEEKLY:
            first = start - timedelta(days=(start.weekday() - self.wkst) % 7)
            this = day - timedelta(days=(day.weekday() - self.wkst) % 7)
            return ((this - first).days // 7) % self.interval == 0
        if self.freq == MONTHLY:
            return ((day.year - start.year) * 12 + day.month - start.month) % self.interval == 0
        return (day.year - start.year) % self.interval == 0

    def _nth_weekday(self, day: date) -> bool:
        """dateutil's BYDAY with an ordinal (2MO, -1FR): the n-th such weekday of the month, or
        of the year for a yearly rule without BYMONTH."""
        if self.freq == YEARLY and not self.bymonth:
            first, last = date(day.year, 1, 1), date(day.year, 12, 31)
        else:
            first = day.replace(day=1)
            last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        for weekday, n in self.bynweekday or ():
            if weekday != day.weekday():
                continue
            if n > 0 and (day - first).days // 7 + 1 == n:
                return True
            if n < 0 and (last - day).days // 7 + 1 == -n:
                return True
        return False

    def on(self, day: date) -> bool:
        """Whether the rule has occurrences on ``day`` (its filters, as dateutil applies them)."""
        if self.bymonth and day.month not in self.bymonth:
            return False
        if self.byweekday is not None and day.weekday() not in self.byweekday:
            return False
        if self.bynweekday and not self._nth_weekday(day):
            return False
        if self.bymonthday or self.bynmonthday:
            days_in_month = calendar.monthrange(day.year, day.month)[1]
            if day.day not in self.bymonthday and day.day - days_in_month - 1 not in self.bynmonthday:
                return False
        return self._in_phase(day)

    def days(self, first: date, last: date) -> Iterator[date]:
        """The days the rule falls on, first..last inclusive (never before its start)."""
        day = max(first, self.dtstart.date())
        while day <= last:
            if self.on(day):
                yield day
            day += timedelta(days=1)

    def between(self, after: datetime, before: datetime) -> list[datetime]:
        """Occurrences ``after <= t <= before`` (naive local times), at most one window's work.

        A rule with COUNT is counted from its start, so it is walked from there: it ends after
        COUNT occurrences, which ``check_budget`` keeps small."""
        found = []
        first = self.dtstart.date() if self.count else after.date()
        emitted = 0
        for day in self.days(first, before.date()):
            for at in (datetime.combine(day, t) for t in self.times):
                if at < self.dtstart:
                    continue
                if self.until is not None and at > self.until:
                    return found
                emitted += 1
                if after <= at <= before:
                    found.append(at)
                if self.count is not None and emitted >= self.count:
                    return found
        return found
