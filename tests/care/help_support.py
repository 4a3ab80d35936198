"""Arranging a unit's duty rota for the help tests."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from care.models import DutyShift, HelpSettings
from people.models import OpeningHours, Unit, User

OSLO = ZoneInfo("Europe/Oslo")
END_OF_DAY = time(23, 59, 59, 999999)
CRISIS_NAME = "Mental helse hjelpetelefon"
CRISIS_NUMBER = "116 123"


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def open_weekdays(unit: Unit, days: range | list[int] = range(5), start: time = time(8), end: time = time(15, 30)):
    OpeningHours.objects.bulk_create([OpeningHours(unit=unit, weekday=d, start=start, end=end) for d in days])


def arrange_rota(
    unit: Unit,
    first: User,
    second: User,
    leader: User | None,
    days: range | list[int] = range(5),
    start: time = time(8),
    end: time = time(15, 30),
    ack_minutes: int = 10,
) -> HelpSettings:
    """``first`` then ``second`` on duty on ``days``, ``leader`` last, and a crisis line."""
    for day in days:
        DutyShift.objects.create(unit=unit, weekday=day, start=start, end=end, staff=first, position=1)
        DutyShift.objects.create(unit=unit, weekday=day, start=start, end=end, staff=second, position=2)
    return HelpSettings.objects.create(
        unit=unit,
        leader=leader,
        ack_minutes=ack_minutes,
        crisis_line_name=CRISIS_NAME,
        crisis_line_number=CRISIS_NUMBER,
    )
