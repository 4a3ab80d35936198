"""The availability engine (``booking.availability.free_slots``) and the slots endpoint.

Most tests call the pure function with a fixed ``now`` and hand-built calendar state, so
they are exact and independent of the real clock. The API tests at the end pick dates
relative to today, because the endpoint uses the real clock.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.availability import CalendarState, Interval, SlotRules, WeeklyInterval, free_slots
from booking.models import CalendarOverride
from tests.factories import local, make_appointment, next_weekday

OSLO = ZoneInfo("Europe/Oslo")

# A plain winter week, far from any daylight-saving change.
MONDAY = date(2027, 2, 1)
TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = (MONDAY + timedelta(days=n) for n in range(1, 7))
NOW = datetime(2027, 1, 31, 12, 0, tzinfo=OSLO)  # the Sunday before

# Daylight-saving changes in Europe/Oslo in 2027.
SPRING_FORWARD = date(2027, 3, 28)  # 02:00 -> 03:00
FALL_BACK = date(2027, 10, 31)  # 03:00 -> 02:00

LUNCH_BREAK_DAY = [(time(8), time(11, 30)), (time(12), time(15, 30))]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO)


def weekly(spans: list[tuple[time, time]], days: range = range(5)) -> list[WeeklyInterval]:
    return [WeeklyInterval(day, start, end) for day in days for start, end in spans]


def state(spans: list[tuple[time, time]] | None = None, days: range = range(5), **overrides) -> CalendarState:
    return CalendarState(tz=OSLO, weekly=weekly(LUNCH_BREAK_DAY if spans is None else spans, days), **overrides)


def rules(duration: int = 45, step: int = 30, **fields) -> SlotRules:
    """Slot rules in minutes; ``notice`` is minutes, ``horizon_days`` days."""
    return SlotRules(
        duration=timedelta(minutes=duration),
        step=timedelta(minutes=step),
        buffer_before=timedelta(minutes=fields.pop("before", 0)),
        buffer_after=timedelta(minutes=fields.pop("after", 0)),
        min_notice=timedelta(minutes=fields.pop("notice", 0)),
        **fields,
    )


def slots(
    calendar: CalendarState, slot_rules: SlotRules, first: date, last: date | None = None, now: datetime = NOW
) -> list[Interval]:
    return free_slots(state=calendar, rules=slot_rules, first_day=first, last_day=last or first, now=now)


def spans(found: list[Interval]) -> list[str]:
    """Local ``HH:MM-HH:MM`` of each slot (for tests that look at one ordinary day)."""
    return [f"{s.start.astimezone(OSLO):%H:%M}-{s.end.astimezone(OSLO):%H:%M}" for s in found]


def starts_by_day(found: list[Interval]) -> dict[date, list[str]]:
    days: dict[date, list[str]] = {}
    for s in found:
        start = s.start.astimezone(OSLO)
        days.setdefault(start.date(), []).append(f"{start:%H:%M}")
    return days


def iso(found: list[Interval]) -> list[tuple[str, str]]:
    """Start and end as local ISO 8601 with offset, which tells the two 02:30s in October apart."""
    return [(s.start.astimezone(OSLO).isoformat(), s.end.astimezone(OSLO).isoformat()) for s in found]


def real_durations(found: list[Interval]) -> set[timedelta]:
    return {s.end.astimezone(UTC) - s.start.astimezone(UTC) for s in found}


MORNING_45 = ["08:00-08:45", "08:30-09:15", "09:00-09:45", "09:30-10:15", "10:00-10:45", "10:30-11:15"]
AFTERNOON_45 = ["12:00-12:45", "12:30-13:15", "13:00-13:45", "13:30-14:15", "14:00-14:45", "14:30-15:15"]


# --- Several intervals a day ------------------------------------------------------------


def test_a_lunch_break_is_never_offered():
    found = slots(state(), rules(duration=45, step=30), MONDAY)

    assert spans(found) == MORNING_45 + AFTERNOON_45
    lunch = Interval(at(MONDAY, 11, 30), at(MONDAY, 12))
    assert not [s for s in found if s.start < lunch.end and s.end > lunch.start]


def test_a_meeting_never_straddles_the_break():
    # 11:00 is on the morning grid, but a 60-minute meeting would run into lunch.
    found = slots(state(), rules(duration=60, step=30), MONDAY)

    assert spans(found) == [
        "08:00-09:00",
        "08:30-09:30",
        "09:00-10:00",
        "09:30-10:30",
        "10:00-11:00",
        "10:30-11:30",
        "12:00-13:00",
        "12:30-13:30",
        "13:00-14:00",
        "13:30-14:30",
        "14:00-15:00",
        "14:30-15:30",
    ]


def test_each_day_offers_only_its_own_weekday_intervals():
    calendar = CalendarState(
        tz=OSLO,
        weekly=[WeeklyInterval(0, time(8), time(10)), WeeklyInterval(2, time(12), time(13))],
    )
    found = slots(calendar, rules(duration=60, step=60), MONDAY, SUNDAY)

    assert starts_by_day(found) == {MONDAY: ["08:00", "09:00"], WEDNESDAY: ["12:00"]}


def test_slots_are_returned_in_time_order_as_aware_intervals():
    found = slots(state(), rules(), MONDAY, TUESDAY)

    assert found == sorted(found)
    assert found[0] == Interval(at(MONDAY, 8), at(MONDAY, 8, 45))
    assert found[-1] == Interval(at(TUESDAY, 14, 30), at(TUESDAY, 15, 15))
    assert all(s.start.utcoffset() == timedelta(hours=1) for s in found)


# --- Slot grid ----------------------------------------------------------------------------


def test_the_step_is_counted_from_each_intervals_own_start():
    calendar = state([(time(8, 15), time(10)), (time(12, 10), time(13, 30))])
    found = slots(calendar, rules(duration=30, step=30), MONDAY)

    assert spans(found) == ["08:15-08:45", "08:45-09:15", "09:15-09:45", "12:10-12:40", "12:40-13:10"]


def test_a_meeting_must_end_by_the_end_of_its_interval():
    calendar = state([(time(9), time(10, 30))])
    found = slots(calendar, rules(duration=45, step=15), MONDAY)

    # 09:45-10:30 ends exactly at the end and is offered; 10:00 would run past it.
    assert spans(found) == ["09:00-09:45", "09:15-10:00", "09:30-10:15", "09:45-10:30"]


def test_a_step_longer_than_the_meeting_leaves_gaps_between_slots():
    calendar = state([(time(9), time(12))])

    assert spans(slots(calendar, rules(duration=30, step=60), MONDAY)) == ["09:00-09:30", "10:00-10:30", "11:00-11:30"]


def test_an_interval_shorter_than_the_meeting_offers_nothing():
    calendar = state([(time(9), time(9, 30)), (time(10), time(11))])

    assert spans(slots(calendar, rules(duration=45, step=15), MONDAY)) == ["10:00-10:45", "10:15-11:00"]


# --- Time off and extra hours -------------------------------------------------------------


def test_partial_time_off_removes_only_the_slots_it_overlaps():
    calendar = state(time_off=[Interval(at(MONDAY, 9, 30), at(MONDAY, 10, 15))])
    found = slots(calendar, rules(duration=45, step=30), MONDAY)

    # 08:30-09:15 ends before the time off starts; after it the grid stays on the
    # interval's half hours (10:30), it does not restart at 10:15.
    assert spans(found) == ["08:00-08:45", "08:30-09:15", "10:30-11:15", *AFTERNOON_45]


def test_time_off_that_only_touches_a_slot_leaves_it_offered():
    calendar = state([(time(9), time(12))], time_off=[Interval(at(MONDAY, 10), at(MONDAY, 11))])

    assert spans(slots(calendar, rules(duration=60, step=60), MONDAY)) == ["09:00-10:00", "11:00-12:00"]


def test_a_whole_day_off_removes_every_slot_that_day():
    day_off = Interval(at(TUESDAY, 0), at(WEDNESDAY, 0))
    found = slots(state(time_off=[day_off]), rules(duration=60, step=60), MONDAY, WEDNESDAY)

    hours = ["08:00", "09:00", "10:00", "12:00", "13:00", "14:00"]
    assert starts_by_day(found) == {MONDAY: hours, WEDNESDAY: hours}


def test_time_off_across_several_midnights_removes_every_slot_it_covers():
    calendar = state(
        [(time(9), time(12)), (time(13), time(16))],
        time_off=[Interval(at(MONDAY, 14), at(THURSDAY, 10))],
    )
    found = slots(calendar, rules(duration=60, step=60), MONDAY, FRIDAY)

    assert starts_by_day(found) == {
        MONDAY: ["09:00", "10:00", "11:00", "13:00"],
        THURSDAY: ["10:00", "11:00", "13:00", "14:00", "15:00"],
        FRIDAY: ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00"],
    }


def test_time_off_given_in_utc_is_applied_to_local_slots():
    # The database hands back UTC; 08:00-09:00 UTC is 09:00-10:00 in Oslo in winter.
    off = Interval(datetime(2027, 2, 1, 8, tzinfo=UTC), datetime(2027, 2, 1, 9, tzinfo=UTC))
    calendar = state([(time(8), time(12))], time_off=[off])

    assert spans(slots(calendar, rules(duration=60, step=60), MONDAY)) == ["08:00-09:00", "10:00-11:00", "11:00-12:00"]


def test_extra_hours_add_slots_on_a_day_without_working_hours():
    calendar = state(extra=[Interval(at(SATURDAY, 10), at(SATURDAY, 12))])
    found = slots(calendar, rules(duration=45, step=30), FRIDAY, SUNDAY)

    assert starts_by_day(found)[SATURDAY] == ["10:00", "10:30", "11:00"]
    assert SUNDAY not in starts_by_day(found)
    assert spans([s for s in found if s.start.date() == SATURDAY]) == ["10:00-10:45", "10:30-11:15", "11:00-11:45"]


def test_extra_hours_have_their_own_grid_from_their_start():
    calendar = state([(time(9), time(12))], extra=[Interval(at(MONDAY, 16, 15), at(MONDAY, 17, 30))])
    found = slots(calendar, rules(duration=45, step=30), MONDAY)

    assert spans(found) == [
        "09:00-09:45",
        "09:30-10:15",
        "10:00-10:45",
        "10:30-11:15",
        "11:00-11:45",
        "16:15-17:00",
        "16:45-17:30",
    ]


def test_time_off_also_removes_extra_hours():
    calendar = state(
        extra=[Interval(at(SATURDAY, 10), at(SATURDAY, 12))],
        time_off=[Interval(at(SATURDAY, 10, 30), at(SATURDAY, 11))],
    )

    assert spans(slots(calendar, rules(duration=45, step=30), SATURDAY)) == ["11:00-11:45"]


def test_extra_hours_overlapping_working_hours_give_no_duplicate_slots():
    calendar = state([(time(9), time(11))], extra=[Interval(at(MONDAY, 10), at(MONDAY, 12))])
    found = slots(calendar, rules(duration=60, step=60), MONDAY)

    assert spans(found) == ["09:00-10:00", "10:00-11:00", "11:00-12:00"]


# --- Existing appointments and buffers ---------------------------------------------------------

# An existing 09:00-09:45 meeting with a 15-minute buffer after holds 09:00-10:00.
HELD = Interval(at(MONDAY, 9), at(MONDAY, 10))


def test_an_existing_blocked_range_removes_the_slots_that_overlap_it():
    calendar = state([(time(8), time(12))], busy=[HELD])
    found = slots(calendar, rules(duration=45, step=15), MONDAY)

    assert [s.split("-")[0] for s in spans(found)] == [
        "08:00",
        "08:15",  # ends at 09:00, touching the held range
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
    ]


def test_the_new_meetings_buffer_after_must_not_reach_into_a_blocked_range():
    calendar = state([(time(8), time(12))], busy=[HELD])
    found = slots(calendar, rules(duration=45, step=15, after=15), MONDAY)

    # 08:15-09:00 itself is free but its buffer would run to 09:15.
    assert [s.split("-")[0] for s in spans(found)][:3] == ["08:00", "10:00", "10:15"]
    assert Interval(at(MONDAY, 8, 15), at(MONDAY, 9)) not in found


def test_the_new_meetings_buffer_before_must_not_reach_into_a_blocked_range():
    calendar = state([(time(8), time(12))], busy=[HELD])
    found = slots(calendar, rules(duration=45, step=15, before=15), MONDAY)

    # 10:00 is free but its buffer would start at 09:45.
    assert [s.split("-")[0] for s in spans(found)] == ["08:00", "08:15", "10:15", "10:30", "10:45", "11:00", "11:15"]


def test_blocked_ranges_that_only_touch_are_fine():
    calendar = state([(time(7), time(13))], busy=[HELD])
    found = slots(calendar, rules(duration=60, step=30, before=30, after=30), MONDAY)

    # 07:30-08:30 holds 07:00-09:00 and 10:30-11:30 holds 10:00-12:00: both touch 09:00-10:00.
    assert spans(found) == ["07:00-08:00", "07:30-08:30", "10:30-11:30", "11:00-12:00", "11:30-12:30", "12:00-13:00"]


def test_buffers_may_reach_outside_working_hours():
    calendar = state([(time(9), time(10))])
    found = slots(calendar, rules(duration=60, step=30, before=30, after=30), MONDAY)

    assert spans(found) == ["09:00-10:00"]


def test_buffers_reaching_outside_working_hours_still_respect_appointments_there():
    # A meeting booked in extra hours before the day starts (07:00-08:00 held).
    early = Interval(at(MONDAY, 7), at(MONDAY, 8))
    calendar = state([(time(8), time(10))], busy=[early])

    assert spans(slots(calendar, rules(duration=60, step=60, before=15), MONDAY)) == ["09:00-10:00"]


def test_overlapping_and_unsorted_blocked_ranges_are_all_respected():
    busy = [
        Interval(at(MONDAY, 13), at(MONDAY, 13, 30)),
        Interval(at(MONDAY, 9), at(MONDAY, 12)),
        Interval(at(MONDAY, 9, 30), at(MONDAY, 10)),  # inside the longer range above
        Interval(at(MONDAY, 11, 30), at(MONDAY, 12, 30)),
    ]
    calendar = state([(time(8), time(16))], busy=busy)
    found = slots(calendar, rules(duration=30, step=30), MONDAY)

    assert [s.split("-")[0] for s in spans(found)] == [
        "08:00",
        "08:30",
        "12:30",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
    ]


def test_a_blocked_range_from_the_day_before_reaching_past_midnight_is_respected():
    late = Interval(at(SUNDAY, 23), at(MONDAY + timedelta(days=7), 0, 30))
    calendar = CalendarState(tz=OSLO, weekly=[WeeklyInterval(0, time(0), time(2))], busy=[late])
    next_monday = MONDAY + timedelta(days=7)

    assert spans(slots(calendar, rules(duration=30, step=30), next_monday)) == [
        "00:30-01:00",
        "01:00-01:30",
        "01:30-02:00",
    ]


# --- Minimum notice and horizon -----------------------------------------------------------------


def test_slots_earlier_than_the_minimum_notice_are_not_offered():
    now = at(MONDAY, 9, 10)
    found = slots(state(), rules(duration=45, step=30, notice=60), MONDAY, now=now)

    # Earliest start 10:10: the morning keeps only 10:30.
    assert spans(found) == ["10:30-11:15", *AFTERNOON_45]


def test_a_slot_exactly_at_the_notice_limit_is_offered():
    now = at(MONDAY, 8, 30)
    found = slots(state(), rules(duration=45, step=30, notice=90), MONDAY, now=now)

    assert spans(found) == ["10:00-10:45", "10:30-11:15", *AFTERNOON_45]


def test_minimum_notice_can_push_the_first_slot_to_a_later_day():
    now = at(MONDAY, 14)
    found = slots(state(), rules(duration=45, step=30, notice=24 * 60), MONDAY, TUESDAY, now)

    assert starts_by_day(found) == {TUESDAY: ["14:00", "14:30"]}


def test_days_before_today_are_never_offered():
    now = at(WEDNESDAY, 12, 5)
    found = slots(state(), rules(duration=45, step=30), MONDAY, THURSDAY, now=now)

    assert sorted(starts_by_day(found)) == [WEDNESDAY, THURSDAY]
    assert starts_by_day(found)[WEDNESDAY] == ["12:30", "13:00", "13:30", "14:00", "14:30"]


def test_no_slot_is_offered_beyond_the_horizon_and_the_last_day_is_included():
    now = at(MONDAY, 7)
    found = slots(state(), rules(duration=60, step=60, horizon_days=3), MONDAY, MONDAY + timedelta(days=14), now)

    assert sorted(starts_by_day(found)) == [MONDAY, TUESDAY, WEDNESDAY, THURSDAY]
    assert found[-1] == Interval(at(THURSDAY, 14), at(THURSDAY, 15))


def test_the_horizon_counts_local_days_not_utc_days():
    # 23:30 UTC on Monday is already 00:30 on Tuesday in Oslo, so "today" is Tuesday.
    now = datetime(2027, 2, 1, 23, 30, tzinfo=UTC)
    found = slots(state(), rules(duration=60, step=60, horizon_days=1), MONDAY, FRIDAY, now=now)

    assert sorted(starts_by_day(found)) == [TUESDAY, WEDNESDAY]


def test_a_range_entirely_beyond_the_horizon_is_empty():
    assert slots(state(), rules(horizon_days=7), MONDAY + timedelta(days=8), MONDAY + timedelta(days=12)) == []


def test_a_range_that_ends_before_it_starts_is_empty():
    assert slots(state(), rules(), WEDNESDAY, MONDAY) == []


# --- Daylight-saving changes (Europe/Oslo, 2027) ----------------------------------------------

EVERY_DAY = range(7)
SPRING_NOW = datetime(2027, 3, 1, 12, tzinfo=OSLO)
AUTUMN_NOW = datetime(2027, 10, 1, 12, tzinfo=OSLO)


def test_a_0900_slot_stays_0900_local_across_spring_forward():
    calendar = state([(time(9), time(10))], days=EVERY_DAY)
    found = slots(
        calendar, rules(duration=60, step=30, horizon_days=60), date(2027, 3, 26), date(2027, 3, 30), SPRING_NOW
    )

    assert iso(found) == [
        ("2027-03-26T09:00:00+01:00", "2027-03-26T10:00:00+01:00"),
        ("2027-03-27T09:00:00+01:00", "2027-03-27T10:00:00+01:00"),
        ("2027-03-28T09:00:00+02:00", "2027-03-28T10:00:00+02:00"),
        ("2027-03-29T09:00:00+02:00", "2027-03-29T10:00:00+02:00"),
        ("2027-03-30T09:00:00+02:00", "2027-03-30T10:00:00+02:00"),
    ]
    assert real_durations(found) == {timedelta(hours=1)}


def test_a_0900_slot_stays_0900_local_across_fall_back():
    calendar = state([(time(9), time(10))], days=EVERY_DAY)
    found = slots(
        calendar, rules(duration=60, step=30, horizon_days=60), date(2027, 10, 29), date(2027, 11, 2), AUTUMN_NOW
    )

    assert iso(found) == [
        ("2027-10-29T09:00:00+02:00", "2027-10-29T10:00:00+02:00"),
        ("2027-10-30T09:00:00+02:00", "2027-10-30T10:00:00+02:00"),
        ("2027-10-31T09:00:00+01:00", "2027-10-31T10:00:00+01:00"),
        ("2027-11-01T09:00:00+01:00", "2027-11-01T10:00:00+01:00"),
        ("2027-11-02T09:00:00+01:00", "2027-11-02T10:00:00+01:00"),
    ]
    assert real_durations(found) == {timedelta(hours=1)}


def test_a_working_week_keeps_its_local_grid_across_both_changes():
    for first, last, now in (
        (date(2027, 3, 26), date(2027, 3, 30), SPRING_NOW),
        (date(2027, 10, 29), date(2027, 11, 2), AUTUMN_NOW),
    ):
        found = slots(state(), rules(duration=45, step=30, horizon_days=60), first, last, now)

        by_day = starts_by_day(found)
        assert sorted(by_day) == [first, first + timedelta(days=3), last]  # Fri, Mon, Tue
        for day_starts in by_day.values():
            assert day_starts == [span.split("-")[0] for span in MORNING_45 + AFTERNOON_45]
        assert real_durations(found) == {timedelta(minutes=45)}


def test_the_spring_forward_night_never_offers_the_skipped_hour():
    sunday_night = CalendarState(tz=OSLO, weekly=[WeeklyInterval(6, time(0), time(5))])
    found = slots(sunday_night, rules(duration=60, step=30, horizon_days=60), SPRING_FORWARD, now=SPRING_NOW)

    assert iso(found) == [
        ("2027-03-28T00:00:00+01:00", "2027-03-28T01:00:00+01:00"),
        ("2027-03-28T00:30:00+01:00", "2027-03-28T01:30:00+01:00"),
        ("2027-03-28T01:00:00+01:00", "2027-03-28T03:00:00+02:00"),
        ("2027-03-28T01:30:00+01:00", "2027-03-28T03:30:00+02:00"),
        ("2027-03-28T03:00:00+02:00", "2027-03-28T04:00:00+02:00"),
        ("2027-03-28T03:30:00+02:00", "2027-03-28T04:30:00+02:00"),
        ("2027-03-28T04:00:00+02:00", "2027-03-28T05:00:00+02:00"),
    ]
    assert not [times for times in iso(found) if any(t[11:13] == "02" for t in times)]
    assert real_durations(found) == {timedelta(hours=1)}


def test_meetings_across_the_spring_gap_last_their_full_duration():
    sunday_night = CalendarState(tz=OSLO, weekly=[WeeklyInterval(6, time(0), time(5))])
    found = slots(sunday_night, rules(duration=90, step=30, horizon_days=60), SPRING_FORWARD, now=SPRING_NOW)

    assert iso(found) == [
        ("2027-03-28T00:00:00+01:00", "2027-03-28T01:30:00+01:00"),
        ("2027-03-28T00:30:00+01:00", "2027-03-28T03:00:00+02:00"),
        ("2027-03-28T01:00:00+01:00", "2027-03-28T03:30:00+02:00"),
        ("2027-03-28T01:30:00+01:00", "2027-03-28T04:00:00+02:00"),
        ("2027-03-28T03:00:00+02:00", "2027-03-28T04:30:00+02:00"),
        ("2027-03-28T03:30:00+02:00", "2027-03-28T05:00:00+02:00"),
    ]
    assert real_durations(found) == {timedelta(minutes=90)}


def test_working_hours_starting_in_the_skipped_hour_begin_when_the_clock_resumes():
    sunday_night = CalendarState(tz=OSLO, weekly=[WeeklyInterval(6, time(2), time(5))])
    found = slots(sunday_night, rules(duration=60, step=60, horizon_days=60), SPRING_FORWARD, now=SPRING_NOW)

    assert iso(found) == [
        ("2027-03-28T03:00:00+02:00", "2027-03-28T04:00:00+02:00"),
        ("2027-03-28T04:00:00+02:00", "2027-03-28T05:00:00+02:00"),
    ]


def test_buffers_are_real_minutes_across_spring_forward():
    # Held 01:00-01:30 CET. A 60-minute buffer before 03:00 CEST reaches back to 01:00 CET.
    held = Interval(datetime(2027, 3, 28, 0, 0, tzinfo=UTC), datetime(2027, 3, 28, 0, 30, tzinfo=UTC))
    sunday_night = CalendarState(tz=OSLO, weekly=[WeeklyInterval(6, time(0), time(5))], busy=[held])
    found = slots(sunday_night, rules(duration=30, step=30, before=60, horizon_days=60), SPRING_FORWARD, now=SPRING_NOW)

    assert [start for start, _end in iso(found)] == [
        "2027-03-28T00:00:00+01:00",
        "2027-03-28T00:30:00+01:00",
        "2027-03-28T03:30:00+02:00",
        "2027-03-28T04:00:00+02:00",
        "2027-03-28T04:30:00+02:00",
    ]


def test_the_fall_back_night_offers_each_local_start_once_without_duplicates():
    sunday_night = CalendarState(tz=OSLO, weekly=[WeeklyInterval(6, time(0), time(5))])
    found = slots(sunday_night, rules(duration=60, step=30, horizon_days=60), FALL_BACK, now=AUTUMN_NOW)

    assert iso(found) == [
        ("2027-10-31T00:00:00+02:00", "2027-10-31T01:00:00+02:00"),
        ("2027-10-31T00:30:00+02:00", "2027-10-31T01:30:00+02:00"),
        ("2027-10-31T01:00:00+02:00", "2027-10-31T02:00:00+02:00"),
        ("2027-10-31T01:30:00+02:00", "2027-10-31T02:30:00+02:00"),
        ("2027-10-31T02:00:00+02:00", "2027-10-31T02:00:00+01:00"),
        ("2027-10-31T02:30:00+02:00", "2027-10-31T02:30:00+01:00"),
        ("2027-10-31T03:00:00+01:00", "2027-10-31T04:00:00+01:00"),
        ("2027-10-31T03:30:00+01:00", "2027-10-31T04:30:00+01:00"),
        ("2027-10-31T04:00:00+01:00", "2027-10-31T05:00:00+01:00"),
    ]
    utc_starts = [s.start.astimezone(UTC) for s in found]
    assert utc_starts == sorted(set(utc_starts))
    assert real_durations(found) == {timedelta(hours=1)}


def test_a_blocked_range_in_the_repeated_hour_blocks_only_what_really_overlaps():
    # 02:00-03:00 at +01:00, the second time the clock shows two o'clock that night.
    held = Interval(datetime(2027, 10, 31, 1, 0, tzinfo=UTC), datetime(2027, 10, 31, 2, 0, tzinfo=UTC))
    sunday_night = CalendarState(tz=OSLO, weekly=[WeeklyInterval(6, time(0), time(5))], busy=[held])
    found = slots(sunday_night, rules(duration=60, step=30, horizon_days=60), FALL_BACK, now=AUTUMN_NOW)

    assert [start for start, _end in iso(found)] == [
        "2027-10-31T00:00:00+02:00",
        "2027-10-31T00:30:00+02:00",
        "2027-10-31T01:00:00+02:00",
        "2027-10-31T01:30:00+02:00",
        "2027-10-31T02:00:00+02:00",  # ends 02:00+01:00, where the held range begins
        "2027-10-31T03:00:00+01:00",
        "2027-10-31T03:30:00+01:00",
        "2027-10-31T04:00:00+01:00",
    ]


@pytest.mark.parametrize("zone", [OSLO, UTC], ids=["now-in-oslo", "now-in-utc"])
def test_minimum_notice_is_real_hours_across_fall_back(zone):
    now = datetime(2027, 10, 30, 12, tzinfo=OSLO).astimezone(zone)  # Saturday noon, summer time
    sunday = CalendarState(tz=OSLO, weekly=[WeeklyInterval(6, time(9), time(14))])
    found = slots(sunday, rules(duration=60, step=60, notice=24 * 60), FALL_BACK - timedelta(days=1), FALL_BACK, now)

    # 24 hours after Saturday 12:00 (+02:00) is Sunday 11:00 (+01:00).
    assert [start for start, _end in iso(found)] == [
        "2027-10-31T11:00:00+01:00",
        "2027-10-31T12:00:00+01:00",
        "2027-10-31T13:00:00+01:00",
    ]


def test_whole_days_off_over_a_dst_change_remove_exactly_those_days():
    days_off = Interval(at(date(2027, 3, 27), 0), at(date(2027, 3, 29), 0))  # Saturday and Sunday
    calendar = state([(time(9), time(10))], days=EVERY_DAY, time_off=[days_off])
    found = slots(
        calendar, rules(duration=60, step=60, horizon_days=60), date(2027, 3, 26), date(2027, 3, 29), SPRING_NOW
    )

    assert iso(found) == [
        ("2027-03-26T09:00:00+01:00", "2027-03-26T10:00:00+01:00"),
        ("2027-03-29T09:00:00+02:00", "2027-03-29T10:00:00+02:00"),
    ]


# --- The slots endpoint -----------------------------------------------------------------------


def get_slots(client, worker_id: int, meeting_type_id: int, start: date, end: date):
    return client.get(
        f"/api/workers/{worker_id}/slots/",
        {"start": start.isoformat(), "end": end.isoformat(), "meeting_type": meeting_type_id},
    )


@pytest.mark.django_db
def test_the_api_returns_local_iso_8601_times_with_offset(world, api):
    monday = next_weekday(0)
    response = get_slots(api.as_(world.client), world.worker.pk, world.meeting_type.pk, monday, monday)

    assert response.status_code == 200, response.json()
    body = response.json()
    starts = [local(monday, hour, minute) for hour in (8, 9, 10, 12, 13, 14) for minute in (0, 30)]
    assert body == [
        {"start": start.isoformat(), "end": (start + timedelta(minutes=45)).isoformat()} for start in starts
    ]
    assert body[0]["start"] in (f"{monday}T08:00:00+01:00", f"{monday}T08:00:00+02:00")
    for item in body:
        start, end = datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"])
        assert start.utcoffset() == end.utcoffset() == local(monday, 8).utcoffset()


@pytest.mark.django_db
def test_the_api_leaves_out_times_held_by_an_existing_appointment_and_its_buffer(world, api):
    monday = next_weekday(0)
    make_appointment(world.meeting_type, world.other_client, local(monday, 9))  # holds 09:00-10:00

    response = get_slots(api.as_(world.client), world.worker.pk, world.meeting_type.pk, monday, monday)

    assert response.status_code == 200
    # 08:00-08:45 plus its own 15-minute buffer ends exactly where the held range starts.
    morning = [local(monday, 8), local(monday, 10), local(monday, 10, 30)]
    afternoon = [local(monday, hour, minute) for hour in (12, 13, 14) for minute in (0, 30)]
    assert [item["start"] for item in response.json()] == [start.isoformat() for start in morning + afternoon]


@pytest.mark.django_db
def test_the_api_leaves_out_time_off_and_offers_extra_hours(world, api):
    monday = next_weekday(0)
    saturday = monday + timedelta(days=5)
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="time_off", start=local(monday, 0), end=local(monday + timedelta(days=1), 0)
    )
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="extra", start=local(saturday, 10), end=local(saturday, 11)
    )

    response = get_slots(api.as_(world.client), world.worker.pk, world.meeting_type.pk, monday, saturday)

    assert response.status_code == 200
    days = {datetime.fromisoformat(item["start"]).date() for item in response.json()}
    assert days == {monday + timedelta(days=n) for n in range(1, 6)}
    assert [item["start"] for item in response.json() if item["start"].startswith(saturday.isoformat())] == [
        local(saturday, 10).isoformat()
    ]


@pytest.mark.django_db
def test_the_api_refuses_an_end_before_the_start(world, api):
    monday = next_weekday(0)
    response = get_slots(api.as_(world.client), world.worker.pk, world.meeting_type.pk, monday, monday - timedelta(1))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert list(error["fields"]) == ["end"]
    assert error["fields"]["end"]


@pytest.mark.django_db
def test_the_api_refuses_a_range_of_more_than_56_days(world, api):
    monday = next_weekday(0)
    response = get_slots(api.as_(world.client), world.worker.pk, world.meeting_type.pk, monday, monday + timedelta(56))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert list(error["fields"]) == ["end"]


@pytest.mark.django_db
def test_the_api_accepts_a_range_of_exactly_56_days(world, api):
    monday = next_weekday(0)
    response = get_slots(api.as_(world.client), world.worker.pk, world.meeting_type.pk, monday, monday + timedelta(55))

    assert response.status_code == 200
    assert response.json()


@pytest.mark.django_db
def test_the_api_refuses_a_missing_or_malformed_query(world, api):
    response = api.as_(world.client).get(f"/api/workers/{world.worker.pk}/slots/", {"start": "soon"})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"start", "end", "meeting_type"}


@pytest.mark.parametrize(
    "pick",
    [
        pytest.param(lambda w: (w.worker.pk, 999_999), id="unknown-meeting-type"),
        pytest.param(lambda w: (999_999, w.meeting_type.pk), id="unknown-worker"),
        pytest.param(lambda w: (w.other_worker.pk, w.other_meeting_type.pk), id="worker-who-does-not-follow-them"),
        pytest.param(lambda w: (w.other_worker.pk, w.meeting_type.pk), id="meeting-type-of-another-worker"),
    ],
)
@pytest.mark.django_db
def test_the_api_answers_404_for_a_meeting_type_the_caller_may_not_use(world, api, pick):
    worker_id, meeting_type_id = pick(world)
    monday = next_weekday(0)
    response = get_slots(api.as_(world.client), worker_id, meeting_type_id, monday, monday)

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"]


@pytest.mark.django_db
def test_the_api_answers_404_for_an_inactive_meeting_type(world, api):
    world.meeting_type.is_active = False
    world.meeting_type.save(update_fields=["is_active"])
    monday = next_weekday(0)

    response = get_slots(api.as_(world.client), world.worker.pk, world.meeting_type.pk, monday, monday)

    assert response.status_code == 404


@pytest.mark.parametrize("days", [1, 28, 56])
@pytest.mark.django_db
def test_the_api_makes_a_bounded_number_of_queries_whatever_the_range(world, api, django_assert_max_num_queries, days):
    first = next_weekday(0)
    last = first + timedelta(days=days - 1)
    for week in range(0, days, 7):
        make_appointment(world.meeting_type, world.other_client, local(first + timedelta(days=week), 9))
        CalendarOverride.objects.create(
            calendar=world.calendar,
            kind="time_off",
            start=local(first + timedelta(days=week + 1), 8),
            end=local(first + timedelta(days=week + 1), 12),
        )
    client = api.as_(world.client)

    with django_assert_max_num_queries(5):
        response = get_slots(client, world.worker.pk, world.meeting_type.pk, first, last)

    assert response.status_code == 200
    assert response.json()
