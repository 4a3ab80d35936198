"""Public holidays close weekly working hours and opening hours; extra hours still open one.

The engine tests use fixed 2027 dates. The API tests look for the next public holiday on a
weekday, because the endpoint uses the real clock.
"""

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import caches

from booking.availability import CalendarState, Interval, SlotRules, WeeklyInterval, free_slots
from booking.holidays import is_public_holiday, public_holidays
from booking.models import Appointment, CalendarOverride
from care.models import HelpRequest
from care.selectors.help import next_opening, unit_is_open
from care.services.help import help_request_create
from tests.care.help_support import arrange_rota, open_weekdays, oslo
from tests.factories import local

OSLO = ZoneInfo("Europe/Oslo")
CONSTITUTION_DAY = date(2027, 5, 17)  # a Monday (and Whit Monday) in 2027


@pytest.fixture
def norway(settings):
    settings.PUBLIC_HOLIDAYS_COUNTRY = "NO"
    caches["slots"].clear()


def test_the_norwegian_public_holidays_of_2027_are_known(norway):
    assert public_holidays(date(2027, 1, 1), date(2027, 12, 31)) == {
        date(2027, 1, 1),
        date(2027, 3, 25),  # Maundy Thursday
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 28),  # Easter Sunday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 1),
        date(2027, 5, 6),  # Ascension Day
        date(2027, 5, 16),  # Whit Sunday
        CONSTITUTION_DAY,
        date(2027, 12, 25),
        date(2027, 12, 26),
    }
    assert not is_public_holiday(date(2027, 1, 3))  # a plain Sunday is not one


def test_a_range_across_new_year_finds_the_holidays_of_both_years(norway):
    assert public_holidays(date(2026, 12, 20), date(2027, 1, 5)) == {
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
    }


def test_without_a_country_no_day_is_a_public_holiday(settings):
    settings.PUBLIC_HOLIDAYS_COUNTRY = ""
    assert public_holidays(date(2027, 1, 1), date(2027, 12, 31)) == frozenset()
    assert not is_public_holiday(CONSTITUTION_DAY)


# --- The engine -----------------------------------------------------------------------------


def _engine(closed: frozenset[date], extra: tuple[Interval, ...] = ()) -> list[Interval]:
    state = CalendarState(
        tz=OSLO,
        weekly=[WeeklyInterval(day, time(8), time(11)) for day in range(5)],
        extra=extra,
        closed_days=closed,
    )
    rules = SlotRules(duration=timedelta(minutes=45), step=timedelta(minutes=60), horizon_days=60)
    now = datetime(2027, 5, 10, 12, tzinfo=OSLO)
    return free_slots(
        state=state, rules=rules, first_day=CONSTITUTION_DAY, last_day=CONSTITUTION_DAY + timedelta(1), now=now
    )


def _starts(slots: list[Interval]) -> list[datetime]:
    return [slot.start for slot in slots]


def test_weekly_hours_do_not_apply_on_a_closed_day():
    tuesday = CONSTITUTION_DAY + timedelta(1)
    assert _starts(_engine(frozenset({CONSTITUTION_DAY}))) == [
        datetime.combine(tuesday, time(hour), tzinfo=OSLO) for hour in (8, 9, 10)
    ]


def test_extra_hours_still_open_a_closed_day():
    extra = Interval(
        datetime.combine(CONSTITUTION_DAY, time(12), tzinfo=OSLO),
        datetime.combine(CONSTITUTION_DAY, time(14), tzinfo=OSLO),
    )
    starts = _starts(_engine(frozenset({CONSTITUTION_DAY}), extra=(extra,)))
    assert [s for s in starts if s.date() == CONSTITUTION_DAY] == [
        datetime.combine(CONSTITUTION_DAY, time(hour), tzinfo=OSLO) for hour in (12, 13)
    ]


# --- Through the API --------------------------------------------------------------------------


def _next_weekday_holiday(after: date) -> date:
    day = after
    while not (day.weekday() < 5 and is_public_holiday(day)):
        day += timedelta(days=1)
    return day


def _next_open_weekday(after: date) -> date:
    day = after + timedelta(days=1)
    while day.weekday() >= 5 or is_public_holiday(day):
        day += timedelta(days=1)
    return day


@pytest.fixture
def holiday(norway, world) -> date:
    """The next public holiday on a weekday, within the meeting type's horizon."""
    found = _next_weekday_holiday(date.today() + timedelta(days=2))
    world.meeting_type.horizon_days = (found - date.today()).days + 30
    world.meeting_type.save(update_fields=["horizon_days"])
    return found


def _slot_days(api, world, first: date, last: date) -> set[date]:
    response = api.as_(world.client).get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": first.isoformat(), "end": last.isoformat(), "meeting_type": world.meeting_type.pk},
    )
    assert response.status_code == 200, response.json()
    return {datetime.fromisoformat(item["start"]).date() for item in response.json()}


def _book(api, world, start: datetime):
    return api.as_(world.client).post(
        "/api/appointments/",
        {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start.isoformat()},
        format="json",
    )


@pytest.mark.django_db
def test_no_time_is_offered_on_a_public_holiday_but_the_next_working_day_is_open(world, api, holiday):
    open_day = _next_open_weekday(holiday)
    days = _slot_days(api, world, holiday, open_day)
    assert holiday not in days
    assert open_day in days


@pytest.mark.django_db
def test_booking_on_a_public_holiday_is_refused_as_a_time_not_offered(world, api, holiday):
    response = _book(api, world, local(holiday, 10))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "slot_not_offered"
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_worker_who_works_on_a_public_holiday_enters_extra_hours_and_can_be_booked(world, api, holiday):
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="extra", start=local(holiday, 10), end=local(holiday, 12)
    )
    assert holiday in _slot_days(api, world, holiday, holiday)
    assert _book(api, world, local(holiday, 10)).status_code == 201


@pytest.mark.django_db
def test_an_answer_cached_without_the_holiday_rule_is_not_served_with_it(world, api, holiday, settings):
    settings.PUBLIC_HOLIDAYS_COUNTRY = ""
    assert holiday in _slot_days(api, world, holiday, holiday)
    settings.PUBLIC_HOLIDAYS_COUNTRY = "NO"
    assert holiday not in _slot_days(api, world, holiday, holiday)


# --- "I need help now" ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_unit_is_closed_on_a_public_holiday_and_opens_on_the_next_working_day(world, norway):
    open_weekdays(world.unit)  # Monday–Friday 08:00–15:30
    assert unit_is_open(unit=world.unit, at=oslo(2026, 12, 21, 10))  # a Monday
    assert not unit_is_open(unit=world.unit, at=oslo(2026, 12, 25, 10))  # Christmas Day, a Friday
    # After closing on Christmas Eve: not Christmas Day, not the weekend, but Monday morning.
    assert next_opening(unit=world.unit, after=oslo(2026, 12, 24, 16)) == oslo(2026, 12, 28, 8)
    # Easter 2027: Maundy Thursday to Easter Monday are closed.
    assert next_opening(unit=world.unit, after=oslo(2027, 3, 24, 16)) == oslo(2027, 3, 30, 8)


@pytest.mark.django_db
def test_asking_for_help_on_a_public_holiday_waits_for_the_next_opening(world, norway):
    open_weekdays(world.unit)
    arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator)
    request, created = help_request_create(user=world.client, now=oslo(2026, 12, 25, 10))
    assert created
    assert request.status == HelpRequest.Status.WAITING
    assert request.due_at == oslo(2026, 12, 28, 8)
    assert not request.alerts.exists()


def test_an_unknown_country_stops_the_start_with_a_clear_message():
    env = {**os.environ, "PUBLIC_HOLIDAYS_COUNTRY": "XX", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["DJANGO_DEBUG"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "PUBLIC_HOLIDAYS_COUNTRY must be a country code such as NO, got 'XX'" in result.stderr
