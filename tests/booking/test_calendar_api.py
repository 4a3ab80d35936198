"""Workers and peers keep their own calendar under /api/calendar/: weekly hours, time off
and extra hours, and meeting types. What they set is what the slots endpoint offers."""

from datetime import date, datetime, time, timedelta

import pytest

from booking.models import Calendar, CalendarOverride, MeetingType, WorkingHours
from people.models import User
from tests import factories as f
from tests.factories import OSLO, local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db

HOURS = "/api/calendar/working-hours/"
OVERRIDES = "/api/calendar/overrides/"
TYPES = "/api/calendar/meeting-types/"


def slot_starts(api_client, world, day: date, meeting_type: MeetingType | None = None) -> list[str]:
    """Local HH:MM of the slots a service user is offered with the worker on ``day``."""
    response = api_client.get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": day.isoformat(), "end": day.isoformat(), "meeting_type": (meeting_type or world.meeting_type).pk},
    )
    assert response.status_code == 200, response.json()
    return [datetime.fromisoformat(s["start"]).astimezone(OSLO).strftime("%H:%M") for s in response.json()]


def hours_of(world) -> list[tuple[int, time, time]]:
    return list(world.calendar.working_hours.order_by("weekday", "start").values_list("weekday", "start", "end"))


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    return error


# --- Working hours --------------------------------------------------------------------------


def test_a_worker_lists_their_weekly_hours(world, api):
    response = api.as_(world.worker).get(HOURS)
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 10
    assert body[0] == {
        "id": body[0]["id"],
        "weekday": 0,
        "start": "08:00:00",
        "end": "11:30:00",
    }
    assert [(i["weekday"], i["start"]) for i in body[:2]] == [(0, "08:00:00"), (0, "12:00:00")]


def test_a_worker_adds_an_interval_and_it_is_offered(world, api):
    saturday = next_weekday(5)
    client = api.as_(world.client)
    assert slot_starts(client, world, saturday) == []

    response = api.as_(world.worker).post(HOURS, {"weekday": 5, "start": "10:00", "end": "12:00"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["weekday"] == 5
    assert WorkingHours.objects.filter(pk=response.json()["id"], calendar=world.calendar).exists()
    # 45 minutes every 30 minutes inside 10:00-12:00.
    assert slot_starts(client, world, saturday) == ["10:00", "10:30", "11:00"]


def test_an_interval_overlapping_another_on_the_same_day_is_refused(world, api):
    before = hours_of(world)
    response = api.as_(world.worker).post(HOURS, {"weekday": 0, "start": "11:00", "end": "12:30"}, format="json")
    error = error_of(response, 400)
    assert error["code"] == "overlapping_hours"
    assert hours_of(world) == before


def test_an_interval_touching_another_is_allowed(world, api):
    # 11:30-12:00 fills the lunch break exactly: touching is not overlapping.
    response = api.as_(world.worker).post(HOURS, {"weekday": 0, "start": "11:30", "end": "12:00"}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"weekday": 7, "start": "10:00", "end": "12:00"},
        {"weekday": -1, "start": "10:00", "end": "12:00"},
        {"weekday": 5, "start": "12:00", "end": "10:00"},
        {"weekday": 5, "start": "10:00", "end": "10:00"},
        {"weekday": 5, "start": "ten", "end": "12:00"},
        {"weekday": 5},
    ],
)
def test_a_bad_interval_is_refused_and_nothing_changes(world, api, body):
    before = hours_of(world)
    error = error_of(api.as_(world.worker).post(HOURS, body, format="json"), 400)
    assert error["fields"]
    assert hours_of(world) == before


def test_a_worker_replaces_the_whole_week_with_a_lunch_break(world, api):
    week = [
        {"weekday": d, "start": s, "end": e}
        for d in range(4)  # Monday to Thursday
        for s, e in (("09:00", "11:00"), ("11:30", "14:00"))
    ]
    response = api.as_(world.worker).put(HOURS, {"intervals": week}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert len(body) == 8
    assert all(item["id"] for item in body)
    assert hours_of(world) == [
        (d, time(h1, m1), time(h2, m2)) for d in range(4) for h1, m1, h2, m2 in ((9, 0, 11, 0), (11, 30, 14, 0))
    ]
    # GET shows exactly what was PUT.
    listed = api.as_(world.worker).get(HOURS).json()
    assert [(i["weekday"], i["start"], i["end"]) for i in listed] == [
        (i["weekday"], i["start"], i["end"]) for i in body
    ]

    client = api.as_(world.client)
    monday = next_weekday(0)
    # 10:30 would run past 11:00 into the break; 11:00 starts inside it.
    assert slot_starts(client, world, monday) == ["09:00", "09:30", "10:00", "11:30", "12:00", "12:30", "13:00"]
    assert slot_starts(client, world, next_weekday(4)) == []  # Friday is no longer a working day


def test_replacing_the_week_with_overlapping_intervals_changes_nothing(world, api):
    before = list(world.calendar.working_hours.order_by("pk").values_list("pk", "weekday", "start", "end"))
    week = [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 1, "start": "09:00", "end": "12:00"},
        {"weekday": 1, "start": "11:00", "end": "15:00"},
    ]
    error = error_of(api.as_(world.worker).put(HOURS, {"intervals": week}, format="json"), 400)
    assert error["code"] == "overlapping_hours"
    assert list(world.calendar.working_hours.order_by("pk").values_list("pk", "weekday", "start", "end")) == before


def test_replacing_the_week_with_a_bad_interval_changes_nothing(world, api):
    before = hours_of(world)
    week = [{"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 9, "start": "09:00", "end": "12:00"}]
    error_of(api.as_(world.worker).put(HOURS, {"intervals": week}, format="json"), 400)
    assert hours_of(world) == before


def test_an_empty_week_clears_the_working_hours(world, api):
    response = api.as_(world.worker).put(HOURS, {"intervals": []}, format="json")
    assert response.status_code == 200
    assert response.json() == []
    assert hours_of(world) == []
    assert slot_starts(api.as_(world.client), world, next_weekday(0)) == []


def test_a_worker_deletes_an_interval_and_its_slots_go(world, api):
    monday = next_weekday(0)
    client = api.as_(world.client)
    assert "09:00" in slot_starts(client, world, monday)
    morning = world.calendar.working_hours.get(weekday=0, start=time(8))

    response = api.as_(world.worker).delete(f"{HOURS}{morning.pk}/")
    assert response.status_code == 204
    assert not WorkingHours.objects.filter(pk=morning.pk).exists()
    starts = slot_starts(client, world, monday)
    assert starts
    assert all(s >= "12:00" for s in starts)

    error = error_of(api.as_(world.worker).delete(f"{HOURS}{morning.pk}/"), 404)
    assert error["code"] == "not_found"


def test_a_worker_without_a_calendar_row_gets_one_on_first_use(world, api):
    newcomer = f.make_person(User.Role.SOCIAL_WORKER, world.unit, "newcomer")
    client = api.as_(newcomer)
    assert client.get(HOURS).json() == []
    response = client.post(HOURS, {"weekday": 0, "start": "09:00", "end": "15:00"}, format="json")
    assert response.status_code == 201
    assert newcomer.calendar.working_hours.count() == 1


# --- Time off and extra hours ---------------------------------------------------------------


def override_bounds(response) -> tuple[datetime, datetime]:
    body = response.json()
    return datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"])


def test_a_whole_day_off_runs_from_local_midnight_to_midnight(world, api):
    monday = next_weekday(0)
    response = api.as_(world.worker).post(OVERRIDES, {"kind": "time_off", "date": monday.isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    start, end = override_bounds(response)
    assert start == datetime.combine(monday, time(0), tzinfo=OSLO)
    assert end == datetime.combine(monday + timedelta(days=1), time(0), tzinfo=OSLO)

    stored = CalendarOverride.objects.get(pk=response.json()["id"])
    assert stored.calendar == world.calendar
    assert stored.kind == "time_off"
    assert stored.start.astimezone(OSLO).time() == time(0)
    assert stored.end.astimezone(OSLO).time() == time(0)
    assert stored.start.astimezone(OSLO).date() == monday


def test_several_whole_days_off_end_at_midnight_after_the_last_day(world, api):
    monday = next_weekday(0)
    wednesday = monday + timedelta(days=2)
    response = api.as_(world.worker).post(
        OVERRIDES,
        {"kind": "time_off", "date": monday.isoformat(), "end_date": wednesday.isoformat(), "note": "Kurs"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    start, end = override_bounds(response)
    assert start == datetime.combine(monday, time(0), tzinfo=OSLO)
    assert end == datetime.combine(monday + timedelta(days=3), time(0), tzinfo=OSLO)
    assert response.json()["note"] == "Kurs"

    client = api.as_(world.client)
    for day in (monday, monday + timedelta(days=1), wednesday):
        assert slot_starts(client, world, day) == []
    assert slot_starts(client, world, monday + timedelta(days=3))  # Thursday is open again


def test_whole_days_off_across_the_spring_change_follow_local_midnight(world, api):
    # The clocks go forward in the night to Sunday 2027-03-28: that stretch is 47 hours.
    response = api.as_(world.worker).post(
        OVERRIDES, {"kind": "time_off", "date": "2027-03-27", "end_date": "2027-03-28"}, format="json"
    )
    assert response.status_code == 201, response.json()
    start, end = override_bounds(response)
    assert start.utcoffset() == timedelta(hours=1)
    assert end.utcoffset() == timedelta(hours=2)
    assert start == datetime(2027, 3, 27, tzinfo=OSLO)
    assert end == datetime(2027, 3, 29, tzinfo=OSLO)
    assert end - start == timedelta(hours=47)


def test_whole_days_off_across_the_autumn_change_follow_local_midnight(world, api):
    response = api.as_(world.worker).post(OVERRIDES, {"kind": "time_off", "date": "2027-10-31"}, format="json")
    assert response.status_code == 201, response.json()
    start, end = override_bounds(response)
    assert start == datetime(2027, 10, 31, tzinfo=OSLO)
    assert end == datetime(2027, 11, 1, tzinfo=OSLO)
    assert end - start == timedelta(hours=25)


def test_a_day_off_removes_that_days_slots_and_deleting_it_brings_them_back(world, api):
    monday = next_weekday(0)
    client, worker = api.as_(world.client), api.as_(world.worker)
    before = slot_starts(client, world, monday)
    assert "09:00" in before

    created = worker.post(OVERRIDES, {"kind": "time_off", "date": monday.isoformat()}, format="json")
    assert created.status_code == 201
    assert slot_starts(client, world, monday) == []
    assert slot_starts(client, world, monday + timedelta(days=1))  # only that day

    assert worker.delete(f"{OVERRIDES}{created.json()['id']}/").status_code == 204
    assert slot_starts(client, world, monday) == before


def test_part_of_a_day_off_removes_only_the_slots_it_touches(world, api):
    monday = next_weekday(0)
    response = api.as_(world.worker).post(
        OVERRIDES,
        {"kind": "time_off", "start": local(monday, 9).isoformat(), "end": local(monday, 10).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    starts = slot_starts(api.as_(world.client), world, monday)
    assert "08:00" in starts  # 08:00-08:45 ends before the time off
    assert not {"08:30", "09:00", "09:30"} & set(starts)
    assert "10:00" in starts


def test_extra_hours_add_slots_on_a_day_off_the_weekly_pattern(world, api):
    saturday = next_weekday(5)
    response = api.as_(world.worker).post(
        OVERRIDES,
        {"kind": "extra", "start": local(saturday, 10).isoformat(), "end": local(saturday, 12).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert slot_starts(api.as_(world.client), world, saturday) == ["10:00", "10:30", "11:00"]


def test_time_off_wins_over_extra_hours(world, api):
    saturday = next_weekday(5)
    worker = api.as_(world.worker)
    worker.post(
        OVERRIDES,
        {"kind": "extra", "start": local(saturday, 10).isoformat(), "end": local(saturday, 12).isoformat()},
        format="json",
    )
    worker.post(OVERRIDES, {"kind": "time_off", "date": saturday.isoformat()}, format="json")
    assert slot_starts(api.as_(world.client), world, saturday) == []


def test_the_override_list_shows_current_and_future_entries_only(world, api):
    monday = next_weekday(0)
    past = CalendarOverride.objects.create(
        calendar=world.calendar,
        kind="time_off",
        start=local(monday - timedelta(weeks=3), 0),
        end=local(monday - timedelta(weeks=3), 12),
    )
    worker = api.as_(world.worker)
    created = worker.post(OVERRIDES, {"kind": "time_off", "date": monday.isoformat()}, format="json").json()
    ids = [o["id"] for o in worker.get(OVERRIDES).json()]
    assert ids == [created["id"]]
    assert past.pk not in ids


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "time_off"},
        {
            "kind": "time_off",
            "date": "2027-01-04",
            "start": "2027-01-04T09:00:00+01:00",
            "end": "2027-01-04T10:00:00+01:00",
        },
        {"kind": "time_off", "date": "2027-01-05", "end_date": "2027-01-04"},
        {"kind": "time_off", "start": "2027-01-04T10:00:00+01:00", "end": "2027-01-04T09:00:00+01:00"},
        {"kind": "time_off", "start": "2027-01-04T10:00:00+01:00", "end": "2027-01-04T10:00:00+01:00"},
        {"kind": "time_off", "start": "2027-01-04T10:00:00+01:00"},
        {"kind": "holiday", "date": "2027-01-04"},
        {"date": "2027-01-04"},
        {"kind": "time_off", "date": "4 January"},
    ],
)
def test_bad_override_input_is_refused_and_nothing_is_written(world, api, body):
    error = error_of(api.as_(world.worker).post(OVERRIDES, body, format="json"), 400)
    assert error["code"] == "invalid"
    assert error["fields"]
    assert CalendarOverride.objects.count() == 0


def test_deleting_an_unknown_override_is_404(world, api):
    assert error_of(api.as_(world.worker).delete(f"{OVERRIDES}999999/"), 404)["code"] == "not_found"


# --- Meeting types --------------------------------------------------------------------------


def test_a_worker_creates_a_meeting_type_and_it_is_offered(world, api):
    response = api.as_(world.worker).post(
        TYPES,
        {"name": "Telefonsamtale", "duration_minutes": 20, "buffer_after_minutes": 10, "mode": "phone"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_active"] is True
    assert body["audience"] == "caseload"
    created = MeetingType.objects.get(pk=body["id"])
    assert created.calendar == world.calendar

    client = api.as_(world.client)
    listed = client.get(f"/api/workers/{world.worker.pk}/meeting-types/").json()
    assert body["id"] in [t["id"] for t in listed]
    monday = next_weekday(0)
    slots = client.get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": monday.isoformat(), "end": monday.isoformat(), "meeting_type": created.pk},
    ).json()
    first = slots[0]
    assert datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"]) == timedelta(minutes=20)
    # 20 minutes fits 11:00-11:20 before the 11:30 break; 45 minutes would not.
    assert "11:00" in slot_starts(client, world, monday, created)


@pytest.mark.parametrize(
    "body",
    [
        {"duration_minutes": 30},
        {"name": "x", "duration_minutes": 3},
        {"name": "x", "duration_minutes": 600},
        {"name": "x", "slot_step_minutes": 1},
        {"name": "x", "horizon_days": 0},
        {"name": "x", "mode": "carrier-pigeon"},
        {"name": "x", "audience": "everyone"},
    ],
)
def test_a_bad_meeting_type_is_refused(world, api, body):
    error = error_of(api.as_(world.worker).post(TYPES, body, format="json"), 400)
    assert error["fields"]
    assert world.calendar.meeting_types.count() == 1


def test_a_worker_patches_a_meeting_type_and_new_slots_follow(world, api):
    monday = next_weekday(0)
    client = api.as_(world.client)
    kept = make_appointment(world.meeting_type, world.client, local(monday, 13))

    assert "10:30" in slot_starts(client, world, monday)

    response = api.as_(world.worker).patch(
        f"{TYPES}{world.meeting_type.pk}/", {"duration_minutes": 90, "place": "Kafé"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["duration_minutes"] == 90
    assert response.json()["name"] == "Samtale"  # untouched fields stay
    world.meeting_type.refresh_from_db()
    assert world.meeting_type.place == "Kafé"

    slots = client.get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": monday.isoformat(), "end": monday.isoformat(), "meeting_type": world.meeting_type.pk},
    ).json()
    assert slots
    assert all(
        datetime.fromisoformat(s["end"]) - datetime.fromisoformat(s["start"]) == timedelta(minutes=90) for s in slots
    )
    starts = slot_starts(client, world, monday)
    assert "10:00" in starts  # 10:00-11:30 just fits before the break
    assert "10:30" not in starts  # 90 minutes from 10:30 would run into it
    # The meeting already booked keeps the length it was booked with.
    kept.refresh_from_db()
    assert kept.end - kept.start == timedelta(minutes=45)


def test_a_bad_patch_changes_nothing(world, api):
    response = api.as_(world.worker).patch(f"{TYPES}{world.meeting_type.pk}/", {"duration_minutes": 2}, format="json")
    assert "duration_minutes" in error_of(response, 400)["fields"]
    world.meeting_type.refresh_from_db()
    assert world.meeting_type.duration_minutes == 45


def test_retiring_a_meeting_type_keeps_the_row_inactive(world, api):
    booked = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    worker, client = api.as_(world.worker), api.as_(world.client)

    response = worker.delete(f"{TYPES}{world.meeting_type.pk}/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    world.meeting_type.refresh_from_db()
    assert world.meeting_type.is_active is False
    booked.refresh_from_db()
    assert booked.meeting_type_id == world.meeting_type.pk
    assert booked.status == "booked"

    # The worker still sees it (for history); service users are no longer offered it.
    own = worker.get(TYPES).json()
    assert [(t["id"], t["is_active"]) for t in own] == [(world.meeting_type.pk, False)]
    monday = next_weekday(0)
    response = client.get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": monday.isoformat(), "end": monday.isoformat(), "meeting_type": world.meeting_type.pk},
    )
    assert error_of(response, 404)["code"] == "not_found"
    response = client.post(
        "/api/appointments/",
        {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": local(monday, 13).isoformat()},
        format="json",
    )
    assert error_of(response, 404)["code"] == "not_found"


def test_a_retired_meeting_type_can_be_brought_back(world, api):
    worker = api.as_(world.worker)
    worker.delete(f"{TYPES}{world.meeting_type.pk}/")
    response = worker.patch(f"{TYPES}{world.meeting_type.pk}/", {"is_active": True}, format="json")
    assert response.status_code == 200
    assert slot_starts(api.as_(world.client), world, next_weekday(0))


def test_a_peer_manages_their_own_calendar_too(world, api):
    peer = api.as_(world.peer)
    assert [t["id"] for t in peer.get(TYPES).json()] == [world.peer_meeting_type.pk]
    response = peer.post(HOURS, {"weekday": 5, "start": "10:00", "end": "12:00"}, format="json")
    assert response.status_code == 201
    assert world.peer_calendar.working_hours.filter(weekday=5).exists()


# --- Only calendar owners -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["client", "coordinator"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", HOURS, None),
        ("post", HOURS, {"weekday": 5, "start": "10:00", "end": "12:00"}),
        ("put", HOURS, {"intervals": []}),
        ("delete", f"{HOURS}{{hours}}/", None),
        ("get", OVERRIDES, None),
        ("post", OVERRIDES, {"kind": "time_off", "date": "2027-01-04"}),
        ("delete", f"{OVERRIDES}{{override}}/", None),
        ("get", TYPES, None),
        ("post", TYPES, {"name": "Mine"}),
        ("get", f"{TYPES}{{type}}/", None),
        ("patch", f"{TYPES}{{type}}/", {"duration_minutes": 90}),
        ("delete", f"{TYPES}{{type}}/", None),
    ],
)
def test_someone_without_a_calendar_gets_404_on_calendar_endpoints(world, api, who, method, path, body):
    override = CalendarOverride.objects.create(
        calendar=world.calendar, kind="time_off", start=local(date(2027, 1, 4), 0), end=local(date(2027, 1, 5), 0)
    )
    hours_before = hours_of(world)
    path = path.format(hours=world.calendar.working_hours.first().pk, override=override.pk, type=world.meeting_type.pk)
    caller = api.as_(getattr(world, who))
    response = getattr(caller, method)(path, body, format="json")
    assert error_of(response, 404)["code"] == "not_found"
    # Nothing in the worker's calendar changed, and no calendar was made for the caller.
    assert hours_of(world) == hours_before
    assert CalendarOverride.objects.filter(pk=override.pk).exists()
    world.meeting_type.refresh_from_db()
    assert (world.meeting_type.is_active, world.meeting_type.duration_minutes) == (True, 45)
    assert not MeetingType.objects.filter(name="Mine").exists()
    assert not Calendar.objects.filter(owner=getattr(world, who)).exists()
