"""Cached free times are never stale: every change of a calendar, by any writer, gives the
calendar a new version in the same transaction, and the cache is keyed by it.

Each test asks for the slots once (filling the cache), changes the calendar, and asks
again through the API: the second answer must be what a fresh computation gives.
"""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking import services, slots
from booking.migration_ops import trigger_names
from booking.models import Appointment, CalendarOverride, CalendarVersion, WorkingHours
from tests.factories import OSLO, local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def slot_starts(client, world, day) -> list[str]:
    response = client.get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": str(day), "end": str(day), "meeting_type": world.meeting_type.pk},
    )
    assert response.status_code == 200, response.json()
    return [slot["start"] for slot in response.json()]


def fresh_starts(world, day) -> list[str]:
    """The same answer computed without the cache."""
    found = slots.slots_for(meeting_type=world.meeting_type, actor=world.client, first_day=day, last_day=day)
    return [s.start.isoformat() for s in found]


def test_a_second_request_is_answered_from_the_cache_with_two_queries(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    first = slot_starts(client, world, monday)
    with CaptureQueriesContext(connection) as queries:
        second = slot_starts(client, world, monday)
    assert second == first == fresh_starts(world, monday)
    assert len(queries) == 2  # token and person; meeting type with permission and version


def test_a_booking_takes_the_time_out_of_the_next_answer(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    assert local(monday, 9).isoformat() in slot_starts(client, world, monday)
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": local(monday, 9).isoformat()}
    assert client.post("/api/appointments/", body, format="json").status_code == 201
    after = slot_starts(client, world, monday)
    assert local(monday, 9).isoformat() not in after
    assert after == fresh_starts(world, monday)


def test_a_cancellation_gives_the_time_back(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    appointment = make_appointment(world.meeting_type, world.client, local(monday, 9))
    assert local(monday, 9).isoformat() not in slot_starts(client, world, monday)
    response = client.post(f"/api/appointments/{appointment.pk}/cancel/", {"reason": "Sick"}, format="json")
    assert response.status_code == 200
    assert local(monday, 9).isoformat() in slot_starts(client, world, monday)


def test_time_off_removes_the_times_it_covers(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    assert slot_starts(client, world, monday)
    start, end = services.whole_days(owner=world.worker, first=monday, last=monday)
    services.override_create(owner=world.worker, kind=CalendarOverride.Kind.TIME_OFF, start=start, end=end)
    assert slot_starts(client, world, monday) == []


def test_deleting_time_off_gives_the_times_back(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    start, end = services.whole_days(owner=world.worker, first=monday, last=monday)
    off = services.override_create(owner=world.worker, kind=CalendarOverride.Kind.TIME_OFF, start=start, end=end)
    assert slot_starts(client, world, monday) == []
    services.override_delete(owner=world.worker, override_id=off.pk)
    assert slot_starts(client, world, monday) == fresh_starts(world, monday) != []


def test_new_working_hours_change_the_offered_times(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    assert local(monday, 8).isoformat() in slot_starts(client, world, monday)
    services.working_hours_replace(owner=world.worker, intervals=[(0, time(13), time(15))])
    after = slot_starts(client, world, monday)
    assert after[0] == local(monday, 13).isoformat()
    assert after == fresh_starts(world, monday)


def test_editing_one_interval_of_working_hours_in_place_changes_the_times(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    slot_starts(client, world, monday)
    WorkingHours.objects.filter(calendar=world.calendar, weekday=0, start=time(8)).update(start=time(10))
    after = slot_starts(client, world, monday)
    assert local(monday, 8).isoformat() not in after
    assert after == fresh_starts(world, monday)


def test_an_appointment_inserted_directly_takes_its_time(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    assert local(monday, 10).isoformat() in slot_starts(client, world, monday)
    # Any code that writes an appointment row, not only the booking service.
    make_appointment(world.meeting_type, world.other_client, local(monday, 10))
    assert local(monday, 10).isoformat() not in slot_starts(client, world, monday)


def test_a_changed_meeting_type_is_answered_with_its_new_rules(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    slot_starts(client, world, monday)
    world.meeting_type.slot_step_minutes = 60
    world.meeting_type.save()
    after = slot_starts(client, world, monday)
    assert local(monday, 8, 30).isoformat() not in after
    assert after == fresh_starts(world, monday)


def test_the_minimum_notice_is_applied_when_reading_a_cached_answer(world):
    monday = next_weekday(0)
    early = local(monday, 7).astimezone(UTC)
    kwargs = {"meeting_type": world.meeting_type, "actor": world.client, "first_day": monday, "last_day": monday}
    at_seven = slots.slots_offered(**kwargs, now=early)
    # Two hours' notice: at 07:00 the first time is 09:00; at 08:10 (same cache entry) 10:30.
    assert at_seven[0]["start"] == local(monday, 9).isoformat()
    later = slots.slots_offered(**kwargs, now=local(monday, 8, 10).astimezone(UTC))
    assert later[0]["start"] == local(monday, 10, 30).isoformat()
    assert [s["start"] for s in later] == [
        s.start.isoformat() for s in slots.slots_for(**kwargs, now=local(monday, 8, 10).astimezone(UTC))
    ]


def next_clock_change() -> date:
    """The next local day in Europe/Oslo on which the clocks are put forward or back."""
    day = timezone.now().astimezone(OSLO).date()
    while (
        datetime.combine(day, time(0), OSLO).utcoffset()
        == datetime.combine(day + timedelta(days=1), time(0), OSLO).utcoffset()
    ):
        day += timedelta(days=1)
    return day


def test_cached_answers_match_a_fresh_computation_across_a_daylight_saving_change(world):
    # Hours around the night's skipped or repeated hour, every day; staff see a year ahead.
    services.working_hours_replace(
        owner=world.worker,
        intervals=[(d, time(1), time(5)) for d in range(7)] + [(d, time(8), time(9)) for d in range(7)],
    )
    change = next_clock_change()
    first, last = change - timedelta(days=1), change + timedelta(days=1)
    now = timezone.now()
    kwargs = {"meeting_type": world.meeting_type, "actor": world.worker, "first_day": first, "last_day": last}
    for _ in range(2):  # computed, then cached
        offered = slots.slots_offered(**kwargs, now=now)
        fresh = slots.slots_for(**kwargs, now=now)
        assert [(s["start"], s["end"]) for s in offered] == [(s.start.isoformat(), s.end.isoformat()) for s in fresh]


def test_a_confirmation_does_not_change_the_version_but_a_cancellation_does(world):
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    before = CalendarVersion.objects.get(calendar=world.calendar).token
    Appointment.objects.filter(pk=appointment.pk).update(confirmed_at=timezone.now())
    assert CalendarVersion.objects.get(calendar=world.calendar).token == before
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    assert CalendarVersion.objects.get(calendar=world.calendar).token != before


def test_the_version_triggers_exist_after_every_migration():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        installed = {row[0] for row in cursor.fetchall()}
    assert set(trigger_names(connection.vendor)) <= installed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_appointment_committed_by_another_connection_takes_its_time(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    assert local(monday, 10).isoformat() in slot_starts(client, world, monday)

    def insert_elsewhere() -> None:
        try:
            make_appointment(world.meeting_type, world.other_client, local(monday, 10))
        finally:
            connection.close()

    writer = threading.Thread(target=insert_elsewhere)
    writer.start()
    writer.join(timeout=30)
    assert Appointment.objects.filter(start=local(monday, 10)).exists()
    assert local(monday, 10).isoformat() not in slot_starts(client, world, monday)


def test_a_time_a_moment_inside_the_notice_window_is_not_offered_from_the_cache(world):
    monday = next_weekday(0)
    kwargs = {"meeting_type": world.meeting_type, "actor": world.client, "first_day": monday, "last_day": monday}
    slots.slots_offered(**kwargs, now=local(monday, 6).astimezone(UTC))  # fills the cache
    # Half a second past 07:00: with two hours' notice, 09:00 is just too close.
    now = local(monday, 7).astimezone(UTC) + timedelta(milliseconds=500)
    assert slots.slots_offered(**kwargs, now=now)[0]["start"] == local(monday, 9, 30).isoformat()
