"""When a location is open: its weekly hours, an exception for one date, and Norwegian public
holidays (``booking.holidays``), in Oslo wall-clock time.

Hours that close before they open run past midnight and belong to the day they start: a
shelter open 20:00–08:00 on Friday is open at 02:00 on Saturday, even when Saturday is a
public holiday. 23:59 as a closing time means the end of the day (00:00–23:59 is all day).
Reads only what the location's ``weekly_hours`` and ``exceptions`` hold (prefetch them).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.holidays import is_public_holiday
from services.models import Location

OSLO = ZoneInfo("Europe/Oslo")
END_OF_DAY = time(23, 59)
# How far ahead "opens next" looks.
LOOK_AHEAD_DAYS = 8


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def all_day(self) -> bool:
        return self.end - self.start >= timedelta(hours=24)


def _interval(day: date, opens: time, closes: time) -> Interval:
    start = datetime.combine(day, opens, tzinfo=OSLO)
    if closes == END_OF_DAY:
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=OSLO)
    elif closes <= opens:
        end = datetime.combine(day + timedelta(days=1), closes, tzinfo=OSLO)
    else:
        end = datetime.combine(day, closes, tzinfo=OSLO)
    return Interval(start, end)


def intervals_starting(location: Location, day: date) -> list[Interval]:
    """The times the location opens on ``day`` (each may run into the next day)."""
    exception = next((e for e in location.exceptions.all() if e.day == day), None)
    if exception is not None:
        if exception.opens is None or exception.closes is None:
            return []
        return [_interval(day, exception.opens, exception.closes)]
    if not location.open_on_holidays and is_public_holiday(day):
        return []
    weekday = day.weekday()
    rows = sorted((h for h in location.weekly_hours.all() if h.weekday == weekday), key=lambda h: h.opens)
    return [_interval(day, h.opens, h.closes) for h in rows]


def open_interval(location: Location, at: datetime) -> Interval | None:
    """The opening ``at`` falls in (the one that ends latest), or None when closed."""
    local = at.astimezone(OSLO)
    found = None
    for day in (local.date() - timedelta(days=1), local.date()):
        for interval in intervals_starting(location, day):
            if interval.start <= local < interval.end and (found is None or interval.end > found.end):
                found = interval
    return found


def next_opening(location: Location, at: datetime) -> datetime | None:
    """When the location next opens after ``at``, within a week; None if not then."""
    local = at.astimezone(OSLO)
    for offset in range(LOOK_AHEAD_DAYS):
        for interval in intervals_starting(location, local.date() + timedelta(days=offset)):
            if interval.start > local:
                return interval.start
    return None


def is_all_day(interval: Interval) -> bool:
    return interval.all_day
