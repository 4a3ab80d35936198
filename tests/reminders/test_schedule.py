"""The pure scheduling rules: no database, no clock (``now`` is always given)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reminders.schedule import (
    InvalidSchedule,
    apply_quiet_hours,
    occurrences,
    parse_rrule,
    previous_business_day,
    rrule_from_simple,
    sms_segments,
)
from tests.reminders.support import OSLO, at

DAILY_0800 = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_clock(values: list[datetime]) -> list[tuple[date, time]]:
    return [(v.astimezone(OSLO).date(), v.astimezone(OSLO).time()) for v in values]


# --- Daylight saving -----------------------------------------------------------------------


def test_an_0800_medication_stays_0800_local_across_spring_forward():
    # Europe/Oslo springs forward on Sunday 2027-03-28 at 02:00 → 03:00.
    result = occurrences(
        rule_text=DAILY_0800, starts_on=date(2027, 3, 25), tz=OSLO, after=utc(2027, 3, 25), until=utc(2027, 3, 31)
    )
    assert local_clock(result) == [(date(2027, 3, d), time(8)) for d in range(25, 31)]
    assert result[2] == utc(2027, 3, 27, 7)  # CET, UTC+1
    assert result[3] == utc(2027, 3, 28, 6)  # CEST, UTC+2
    assert all(v.tzinfo is not None for v in result)


def test_an_0800_medication_stays_0800_local_across_fall_back():
    # Europe/Oslo falls back on Sunday 2027-10-31 at 03:00 → 02:00.
    result = occurrences(
        rule_text=DAILY_0800, starts_on=date(2027, 10, 28), tz=OSLO, after=utc(2027, 10, 28), until=utc(2027, 11, 3)
    )
    assert local_clock(result) == [(date(2027, 10, d), time(8)) for d in range(28, 32)] + [
        (date(2027, 11, d), time(8)) for d in (1, 2)
    ]
    assert result[2] == utc(2027, 10, 30, 6)  # CEST
    assert result[3] == utc(2027, 10, 31, 7)  # CET


def test_a_time_in_the_skipped_hour_is_moved_to_when_the_clock_resumes():
    result = occurrences(
        rule_text="FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
        starts_on=date(2027, 3, 27),
        tz=OSLO,
        after=utc(2027, 3, 26, 12),
        until=utc(2027, 3, 30),
    )
    assert local_clock(result) == [
        (date(2027, 3, 27), time(2, 30)),
        (date(2027, 3, 28), time(3, 0)),  # 02:30 does not exist that night
        (date(2027, 3, 29), time(2, 30)),
    ]
    assert result[1] == utc(2027, 3, 28, 1)


def test_a_time_on_the_hour_the_clock_skips_goes_out_when_it_resumes():
    result = occurrences(
        rule_text="FREQ=DAILY;BYHOUR=2;BYMINUTE=0",
        starts_on=date(2027, 3, 28),
        tz=OSLO,
        after=utc(2027, 3, 27, 12),
        until=utc(2027, 3, 28, 12),
    )
    assert result == [utc(2027, 3, 28, 1)]
    assert result[0].astimezone(OSLO).time() == time(3, 0)


def test_a_time_in_the_repeated_hour_is_reminded_once_not_twice():
    result = occurrences(
        rule_text="FREQ=DAILY;BYHOUR=2;BYMINUTE=30",
        starts_on=date(2027, 10, 30),
        tz=OSLO,
        after=utc(2027, 10, 29, 12),
        until=utc(2027, 11, 2),
    )
    assert local_clock(result) == [
        (date(2027, 10, 30), time(2, 30)),
        (date(2027, 10, 31), time(2, 30)),
        (date(2027, 11, 1), time(2, 30)),
    ]
    # The first of the two 02:30s, still in summer time.
    assert result[1] == utc(2027, 10, 31, 0, 30)
    assert len(set(result)) == len(result)


def test_occurrences_are_in_the_half_open_window_after_until():
    result = occurrences(
        rule_text=DAILY_0800,
        starts_on=date(2027, 1, 1),
        tz=OSLO,
        after=at(2027, 1, 4, 8),
        until=at(2027, 1, 6, 8),
    )
    assert result == [at(2027, 1, 5, 8), at(2027, 1, 6, 8)]


def test_nothing_happens_before_the_start_date():
    result = occurrences(
        rule_text=DAILY_0800, starts_on=date(2027, 1, 10), tz=OSLO, after=at(2027, 1, 1), until=at(2027, 1, 11, 12)
    )
    assert result == [at(2027, 1, 10, 8), at(2027, 1, 11, 8)]


# --- Simple forms ---------------------------------------------------------------------------


def test_times_and_weekdays_become_a_weekly_rule():
    rule = rrule_from_simple(times=[time(20), time(8)], weekdays=[4, 0, 2, 0])
    assert rule == "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8,20;BYMINUTE=0;BYSECOND=0"


def test_times_without_weekdays_mean_every_day():
    assert rrule_from_simple(times=[time(9, 30)]) == "FREQ=DAILY;BYHOUR=9;BYMINUTE=30;BYSECOND=0"


def test_a_day_of_the_month_becomes_a_monthly_rule():
    rule = rrule_from_simple(times=[time(9)], day_of_month=20)
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=20;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
    result = occurrences(
        rule_text=rule, starts_on=date(2027, 1, 1), tz=OSLO, after=at(2027, 1, 1), until=at(2027, 4, 1)
    )
    assert result == [at(2027, 1, 20, 9), at(2027, 2, 20, 9), at(2027, 3, 20, 9)]


def test_times_with_different_minutes_are_refused():
    with pytest.raises(InvalidSchedule, match="same minutes"):
        rrule_from_simple(times=[time(8), time(20, 30)])


def test_no_times_is_refused():
    with pytest.raises(InvalidSchedule, match="at least one time"):
        rrule_from_simple(times=[], weekdays=[0])


@pytest.mark.parametrize("kwargs", [{"day_of_month": 0}, {"day_of_month": 32}, {"weekdays": [7]}])
def test_out_of_range_days_are_refused(kwargs):
    with pytest.raises(InvalidSchedule):
        rrule_from_simple(times=[time(8)], **kwargs)


def test_every_simple_rule_is_accepted_by_the_parser():
    for rule in (
        rrule_from_simple(times=[time(8), time(20)]),
        rrule_from_simple(times=[time(7, 15)], weekdays=[5, 6]),
        rrule_from_simple(times=[time(9)], day_of_month=31),
    ):
        parse_rrule(rule, date(2027, 1, 1))


# --- Parsing --------------------------------------------------------------------------------


def test_a_plain_rrule_with_an_rrule_prefix_is_accepted():
    rule = parse_rrule("RRULE:FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0", date(2027, 1, 1))
    assert rule.after(datetime(2027, 1, 1)) == datetime(2027, 1, 5, 10, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=HOURLY;BYHOUR=8", "daily at most"),
        ("FREQ=MINUTELY;BYHOUR=8", "daily at most"),
        ("FREQ=SECONDLY;BYHOUR=8", "daily at most"),
        ("FREQ=DAILY", "BYHOUR"),
        ("FREQ=DAILY;BYMINUTE=0", "BYHOUR"),
        ("DTSTART:20270101T080000\nRRULE:FREQ=DAILY;BYHOUR=8", "without DTSTART"),
        ("FREQ=DAILY;DTSTART=20270101T080000;BYHOUR=8", "without DTSTART"),
        ("", "without DTSTART"),
        ("every morning please", "Not a valid RRULE"),
        ("FREQ=SOMETIMES;BYHOUR=8", "Not a valid RRULE"),
        ("FREQ=DAILY;BYHOUR=25", "Not a valid RRULE"),
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12", "At most 12"),
        ("FREQ=DAILY;BYHOUR=8,9,10,11;BYMINUTE=0,15,30,45", "At most 12"),
    ],
)
def test_unusable_rules_are_refused_with_a_reason(text, message):
    with pytest.raises(InvalidSchedule, match=message):
        parse_rrule(text, date(2027, 1, 1))


# --- Business days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 5, 12), date(2027, 5, 12)),  # an ordinary Wednesday stays
        (date(2027, 2, 20), date(2027, 2, 19)),  # Saturday → Friday
        (date(2027, 2, 21), date(2027, 2, 19)),  # Sunday → Friday
        (date(2027, 5, 17), date(2027, 5, 14)),  # Constitution Day (and Whit Monday), a Monday → Friday
        (date(2027, 5, 6), date(2027, 5, 5)),  # Ascension Day, a Thursday → Wednesday
        (date(2027, 3, 29), date(2027, 3, 24)),  # Easter Monday → before Maundy Thursday
        (date(2027, 3, 26), date(2027, 3, 24)),  # Good Friday
        (date(2027, 1, 1), date(2026, 12, 31)),  # New Year's Day, across the year
        (date(2027, 12, 26), date(2027, 12, 24)),  # Christmas on a weekend
    ],
)
def test_previous_business_day_skips_weekends_and_norwegian_public_holidays(day, expected):
    assert previous_business_day(day) == expected


# --- Quiet hours ----------------------------------------------------------------------------


def quiet(due: datetime, expires: datetime, now: datetime, start: time = time(22), end: time = time(8)):
    return apply_quiet_hours(due=due, expires=expires, now=now, tz=OSLO, quiet_start=start, quiet_end=end)


def test_a_reminder_outside_quiet_hours_is_unchanged():
    due = at(2027, 1, 5, 12)
    assert quiet(due, at(2027, 1, 5, 14), at(2027, 1, 5, 9)) == due


def test_a_late_evening_reminder_moves_to_0800_next_morning_when_still_useful():
    moved = quiet(at(2027, 1, 5, 23), at(2027, 1, 6, 12), at(2027, 1, 5, 9))
    assert moved == at(2027, 1, 6, 8)


def test_an_early_morning_reminder_moves_to_0800_the_same_morning():
    # The 2-hours-before reminder for a 09:00 meeting.
    moved = quiet(at(2027, 1, 6, 7), at(2027, 1, 6, 9), at(2027, 1, 5, 9))
    assert moved == at(2027, 1, 6, 8)


def test_when_the_morning_is_too_late_it_goes_at_2159_the_evening_before():
    # Expires at 08:00 (a meeting at eight): the morning would be too late.
    moved = quiet(at(2027, 1, 6, 6), at(2027, 1, 6, 8), at(2027, 1, 5, 9))
    assert moved == at(2027, 1, 5, 21, 59)


def test_a_reminder_after_midnight_that_cannot_wait_goes_the_evening_before():
    moved = quiet(at(2027, 1, 6, 1), at(2027, 1, 6, 7, 30), at(2027, 1, 5, 20))
    assert moved == at(2027, 1, 5, 21, 59)


def test_a_late_reminder_that_cannot_wait_goes_at_2159_the_same_evening():
    moved = quiet(at(2027, 1, 5, 23, 30), at(2027, 1, 6, 7), at(2027, 1, 5, 20))
    assert moved == at(2027, 1, 5, 21, 59)


def test_no_useful_time_outside_quiet_hours_gives_none():
    # Already past 21:59 and the morning is after it expires.
    assert quiet(at(2027, 1, 6, 6), at(2027, 1, 6, 8), at(2027, 1, 5, 22, 30)) is None


def test_quiet_hours_start_is_inclusive_and_end_exclusive():
    now = at(2027, 1, 5, 9)
    assert quiet(at(2027, 1, 5, 22), at(2027, 1, 6, 12), now) == at(2027, 1, 6, 8)
    assert quiet(at(2027, 1, 6, 8), at(2027, 1, 6, 12), now) == at(2027, 1, 6, 8)
    assert quiet(at(2027, 1, 5, 21, 59), at(2027, 1, 6, 12), now) == at(2027, 1, 5, 21, 59)


def test_a_window_that_does_not_cross_midnight():
    now = at(2027, 1, 5, 9)
    start, end = time(13), time(15)
    assert quiet(at(2027, 1, 5, 14), at(2027, 1, 5, 18), now, start, end) == at(2027, 1, 5, 15)
    assert quiet(at(2027, 1, 5, 14), at(2027, 1, 5, 15), now, start, end) == at(2027, 1, 5, 12, 59)
    assert quiet(at(2027, 1, 5, 12, 59), at(2027, 1, 5, 18), now, start, end) == at(2027, 1, 5, 12, 59)
    assert quiet(at(2027, 1, 5, 15), at(2027, 1, 5, 18), now, start, end) == at(2027, 1, 5, 15)
    assert quiet(at(2027, 1, 5, 23), at(2027, 1, 6, 1), now, start, end) == at(2027, 1, 5, 23)


def test_an_empty_window_is_never_quiet():
    due = at(2027, 1, 5, 3)
    assert quiet(due, at(2027, 1, 5, 4), at(2027, 1, 5, 1), time(0), time(0)) == due


def test_the_morning_after_the_spring_change_is_0800_summer_time():
    moved = quiet(at(2027, 3, 27, 23), at(2027, 3, 28, 12), at(2027, 3, 27, 9))
    assert moved == utc(2027, 3, 28, 6)
    assert moved.astimezone(OSLO).time() == time(8)


def test_quiet_hours_are_read_in_the_given_time_zone():
    # 23:00 in Oslo is 22:00 in London: quiet in both, but the morning is London's 08:00.
    london = ZoneInfo("Europe/London")
    moved = apply_quiet_hours(
        due=at(2027, 1, 5, 23),
        expires=at(2027, 1, 6, 12),
        now=at(2027, 1, 5, 9),
        tz=london,
        quiet_start=time(22),
        quiet_end=time(8),
    )
    assert moved == datetime(2027, 1, 6, 8, tzinfo=london)


# --- SMS length -----------------------------------------------------------------------------


def test_norwegian_letters_fit_gsm7():
    assert sms_segments("Hei Åse! Møtet på Ærøy er flyttet. ÆØÅ æøå é") == 1


def test_160_gsm_characters_are_one_segment_and_161_are_two():
    assert sms_segments("æ" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3


def test_extended_gsm_characters_count_double():
    assert sms_segments("€" * 80) == 1
    assert sms_segments("€" * 81) == 2


def test_an_emoji_forces_ucs2():
    assert sms_segments("Husk møtet 🙂") == 1
    assert sms_segments("a" * 69 + "ô") == 1  # UCS-2: 70 characters fit
    assert sms_segments("a" * 70 + "ô") == 2
    assert sms_segments("a" * 100 + "🙂") == 2  # would be 1 segment in GSM-7


def test_an_emoji_takes_two_ucs2_units():
    # Outside the Basic Multilingual Plane each emoji is a surrogate pair on the wire.
    assert sms_segments("🙂" * 35) == 1
    assert sms_segments("a" * 69 + "🙂") == 2


def test_an_empty_text_is_one_segment():
    assert sms_segments("") == 1


def test_the_week_after_the_change_keeps_local_offsets_in_utc():
    # Arithmetic across the change is done on UTC instants, so consecutive days are 23 h apart.
    result = occurrences(
        rule_text=DAILY_0800, starts_on=date(2027, 3, 27), tz=OSLO, after=utc(2027, 3, 27), until=utc(2027, 3, 29)
    )
    assert result[1] - result[0] == timedelta(hours=23)
