"""Pure scheduling rules: RRULE expansion in local time, paydays, quiet hours.

No database and no clock: ``now`` is always passed in.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays
from dateutil.rrule import HOURLY, MINUTELY, SECONDLY, rrule, rrulestr
from django.utils.translation import gettext_noop

from booking.availability import localize
from reminders.rules import DayRule

WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
MAX_OCCURRENCES_PER_DAY = 12
# Reminders of one plan at least this far apart: closer ones are one reminder said twice.
MIN_GAP = timedelta(minutes=15)
# A rule must happen within this long of its start (a yearly one on 29 February included).
SEARCH_DAYS = 4 * 366 + 1
MAX_COUNT = 1000
MAX_INTERVAL = 366


class InvalidSchedule(ValueError):
    """The schedule cannot be used; the message says why in words a person can act on."""


def parse_rrule(text: str, starts_on: date, *, budget: bool = True) -> rrule:
    """Parse and check an RRULE. DTSTART is local midnight of ``starts_on``; the times of
    day come from BYHOUR/BYMINUTE, which are required. With ``budget`` (every rule a person
    saves) the rule must also fit ``check_budget``: not too many, too close or never."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "DTSTART" in text.upper():
        raise InvalidSchedule(gettext_noop("Give the rule without DTSTART, e.g. FREQ=DAILY;BYHOUR=8;BYMINUTE=0"))
    if len(text) > 500:
        raise InvalidSchedule(gettext_noop("The rule is too long."))
    try:
        rule = rrulestr(text, dtstart=datetime.combine(starts_on, time(0)))
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidSchedule(f"Not a valid RRULE: {exc}") from exc
    if not isinstance(rule, rrule):
        raise InvalidSchedule(gettext_noop("Give one RRULE, not a set."))
    if rule._freq in (SECONDLY, MINUTELY, HOURLY):
        raise InvalidSchedule(gettext_noop("Reminders can repeat daily at most; use BYHOUR for several times a day."))
    if "BYHOUR" not in text.upper():
        raise InvalidSchedule(gettext_noop("Say the time of day with BYHOUR (and BYMINUTE), e.g. BYHOUR=8;BYMINUTE=0."))
    try:
        day_rule = DayRule.of(rule)
    except ValueError as exc:
        raise InvalidSchedule(f"{exc} is not supported in a reminder's rule.") from exc
    if budget:
        check_budget(day_rule)
    return rule


def check_budget(rule: DayRule) -> None:
    """Refuse a rule whose reminders would be too many, too close or never, with the reason.

    Bounded whatever the rule: at most ``SEARCH_DAYS`` days are looked at."""
    if rule.count is not None and rule.count > MAX_COUNT:
        raise InvalidSchedule(f"A plan can repeat at most {MAX_COUNT} times (COUNT).")
    if rule.interval > MAX_INTERVAL:
        raise InvalidSchedule(f"INTERVAL can be at most {MAX_INTERVAL}.")
    if len(rule.times) > MAX_OCCURRENCES_PER_DAY:
        raise InvalidSchedule(f"At most {MAX_OCCURRENCES_PER_DAY} reminders a day.")
    moments = [datetime.combine(date.min, t) for t in rule.times]
    if any(later - earlier < MIN_GAP for earlier, later in pairwise(moments)):
        raise InvalidSchedule(gettext_noop("Reminders of one plan must be at least 15 minutes apart."))
    start = rule.dtstart.date()
    days = list(rule.days(start, start + timedelta(days=SEARCH_DAYS)))
    if not days or not rule.between(rule.dtstart, datetime.combine(days[-1], time.max)):
        raise InvalidSchedule(gettext_noop("This rule never happens (within four years of its start)."))
    # The last reminder of one day and the first of the next must be apart too.
    wrap = moments[0] + timedelta(days=1) - moments[-1]
    if wrap < MIN_GAP and any(b - a == timedelta(days=1) for a, b in pairwise(days)):
        raise InvalidSchedule(gettext_noop("Reminders of one plan must be at least 15 minutes apart."))


def rrule_from_simple(
    *, times: Sequence[time], weekdays: Sequence[int] | None = None, day_of_month: int | None = None
) -> str:
    """Turn what a person picks in a page into an RRULE: times of day, and either weekdays
    (0 = Monday; none means every day) or a day of the month."""
    if not times:
        raise InvalidSchedule(gettext_noop("Pick at least one time of day."))
    minutes = sorted({t.minute for t in times})
    if len(minutes) > 1:
        # RRULE combines every BYHOUR with every BYMINUTE; mixed minutes need one rule per time.
        raise InvalidSchedule(
            gettext_noop("All times must share the same minutes (e.g. 08:00 and 20:00), or make two plans.")
        )
    hours = sorted({t.hour for t in times})
    parts: list[str]
    if day_of_month is not None:
        if not 1 <= day_of_month <= 31:
            raise InvalidSchedule(gettext_noop("The day of the month must be 1–31."))
        parts = ["FREQ=MONTHLY", f"BYMONTHDAY={day_of_month}"]
    elif weekdays:
        if any(not 0 <= d <= 6 for d in weekdays):
            raise InvalidSchedule(gettext_noop("Weekdays are 0 (Monday) to 6 (Sunday)."))
        parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(WEEKDAY_CODES[d] for d in sorted(set(weekdays)))]
    else:
        parts = ["FREQ=DAILY"]
    parts += ["BYHOUR=" + ",".join(str(h) for h in hours), f"BYMINUTE={minutes[0]}", "BYSECOND=0"]
    return ";".join(parts)


def one_off_rrule(at: time) -> str:
    return f"FREQ=DAILY;COUNT=1;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0"


def _to_aware(naive: datetime, tz: ZoneInfo) -> datetime:
    aware = localize(naive.date(), naive.time(), tz)
    if aware is None:
        # The wall-clock time does not exist (spring gap): remind when the clock resumes,
        # at the first wall-clock minute after the gap (02:30 → 03:00, not 03:30).
        wall = naive.replace(second=0, microsecond=0)
        while aware is None:
            wall += timedelta(minutes=1)
            aware = localize(wall.date(), wall.time(), tz)
    return aware


@lru_cache(maxsize=4096)
def _day_rule(rule_text: str, starts_on: date) -> DayRule:
    # A saved rule was checked against the budget when it was saved; expanding it costs its
    # window's days whatever it says, so it is not checked again on every expansion.
    return DayRule.of(parse_rrule(rule_text, starts_on, budget=False))


def occurrences(*, rule_text: str, starts_on: date, tz: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """Occurrences in (after, until], as aware datetimes. Each is the same local wall-clock
    time whatever the daylight-saving offset is that day. Only the days of the window are
    looked at (``reminders.rules``), however the rule is written."""
    rule = _day_rule(rule_text, starts_on)
    local_after = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    local_until = until.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    result = []
    for naive in rule.between(local_after, local_until):
        # In UTC from here on: arithmetic on zone-aware local times is wall-clock arithmetic.
        aware = _to_aware(naive, tz).astimezone(UTC)
        if after < aware <= until:
            result.append(aware)
    return result


@lru_cache(maxsize=8)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.Norway(years=year, include_sundays=False)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def previous_business_day(day: date) -> date:
    """Benefit payments due on a weekend or public holiday are paid the business day before."""
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def _in_quiet(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight


def apply_quiet_hours(
    *, due: datetime, expires: datetime, now: datetime, tz: ZoneInfo, quiet_start: time, quiet_end: time
) -> datetime | None:
    """Move a reminder due in the person's quiet hours to the edge of the window.

    First choice is the end of the window (the morning), if the reminder is still useful
    then; otherwise the start of the window (the evening before), if that is not already
    past. None means no useful time outside quiet hours is left.
    """
    local = due.astimezone(tz)
    if not _in_quiet(local.time(), quiet_start, quiet_end):
        return due
    day = local.date()
    # The window end that follows `due`.
    end_day = day if local.time() < quiet_end else day + timedelta(days=1)
    later = _to_aware(datetime.combine(end_day, quiet_end), tz).astimezone(UTC)
    if later < expires:
        return later
    # The window start that precedes `due`, one minute before quiet begins.
    start_day = day if local.time() >= quiet_start else day - timedelta(days=1)
    earlier = _to_aware(datetime.combine(start_day, quiet_start), tz).astimezone(UTC) - timedelta(minutes=1)
    if earlier >= now:
        return earlier
    return None


GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


def sms_segments(text: str) -> int:
    """How many SMS segments a text needs (GSM-7 if possible, else UCS-2)."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        length = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return 1 if length <= 160 else -(-length // 153)
    # UCS-2 counts UTF-16 code units: an emoji outside the BMP takes two.
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)
