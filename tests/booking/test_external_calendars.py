"""Busy time from the calendar a worker already uses blocks their free times in Triangel.

Read from a local HTTP server publishing .ics files (as Outlook and Google publish them) and
from a real CalDAV server (Radicale) on 127.0.0.1; see tests/external_calendars/fixtures.py.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking import services, slots
from booking.external import SyncError, credentials
from booking.external.fetch import check_address
from booking.models import Appointment, CalendarVersion, ExternalBusy, ExternalCalendar
from booking.services.external import external_calendar_connect
from booking.tasks import external_calendars_sync_due
from messaging.models import Delivery
from reminders.models import FollowUpTask
from tests.external_calendars.calendars import calendar_text, event
from tests.factories import OSLO, local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def starts(world, day: date) -> list[datetime]:
    found = slots.slots_for(meeting_type=world.meeting_type, actor=world.client, first_day=day, last_day=day)
    return [s.start for s in found]


def connect_ics(world, ics_server, text: str, path: str = "/work.ics") -> ExternalCalendar:
    url = ics_server.put(path, text)
    source, result = external_calendar_connect(worker=world.worker, kind="ics", url=url)
    assert result.error == ""
    return source


def version_of(world) -> str:
    return CalendarVersion.objects.get(calendar=world.calendar).token


# --- A subscription link (ICS) -------------------------------------------------------------------


def test_an_event_in_the_workers_outlook_blocks_that_time_for_service_users(world, ics_server):
    day = next_weekday(0)
    assert local(day, 10) in starts(world, day)
    connect_ics(world, ics_server, calendar_text(event("a1", local(day, 10), local(day, 11))))
    after = starts(world, day)
    assert local(day, 10) not in after
    assert local(day, 9, 30) not in after  # 09:30–10:15 would overlap
    # Buffers do not reach into busy time: 09:00–09:45 with a 15-minute buffer after is fine.
    assert local(day, 9) in after
    assert local(day, 11) not in after
    assert local(day, 12) in after


def test_only_start_end_and_a_hash_are_kept_never_titles_or_attendees(world, ics_server):
    day = next_weekday(1)
    connect_ics(world, ics_server, calendar_text(event("secret-uid", local(day, 10), local(day, 11))))
    row = ExternalBusy.objects.get()
    assert (row.start, row.end) == (local(day, 10), local(day, 11))
    stored = " ".join(str(v) for v in ExternalBusy.objects.values_list().get())
    assert "Privat" not in stored
    assert "secret-uid" not in stored
    assert "someone@" not in stored
    assert len(row.event_hash) == 64


def test_a_second_sync_of_an_unchanged_calendar_is_one_request_and_writes_no_busy_time(world, ics_server):
    day = next_weekday(2)
    source = connect_ics(world, ics_server, calendar_text(event("a1", local(day, 10), local(day, 11))))
    version = version_of(world)
    rows = list(ExternalBusy.objects.values_list("pk", flat=True))
    result = services.external_calendar_sync(source_id=source.pk)
    assert result.unchanged
    assert (result.added, result.removed) == (0, 0)
    assert ics_server.statuses("/work.ics") == [200, 304]
    assert list(ExternalBusy.objects.values_list("pk", flat=True)) == rows
    assert version_of(world) == version  # the cached free times stay valid


def test_a_server_without_etags_still_costs_no_writes_when_nothing_changed(world, ics_server):
    ics_server.no_etag.add("/plain.ics")
    day = next_weekday(2)
    source = connect_ics(world, ics_server, calendar_text(event("a1", local(day, 10), local(day, 11))), "/plain.ics")
    version = version_of(world)
    result = services.external_calendar_sync(source_id=source.pk)
    assert result.unchanged
    assert ics_server.statuses("/plain.ics") == [200, 200]
    assert version_of(world) == version


def test_an_event_moved_in_outlook_frees_the_old_time_and_blocks_the_new(world, ics_server):
    day = next_weekday(3)
    source = connect_ics(world, ics_server, calendar_text(event("a1", local(day, 9), local(day, 10))))
    assert local(day, 9) not in starts(world, day)
    version = version_of(world)
    ics_server.put("/work.ics", calendar_text(event("a1", local(day, 13), local(day, 14))))
    result = services.external_calendar_sync(source_id=source.pk)
    assert (result.added, result.removed) == (1, 1)
    after = starts(world, day)
    assert local(day, 9) in after
    assert local(day, 13) not in after
    assert version_of(world) != version


def test_the_slots_api_answers_from_a_fresh_calendar_after_a_sync(world, ics_server, api):
    day = next_weekday(0)
    client = api.as_(world.client)
    query = {"start": str(day), "end": str(day), "meeting_type": world.meeting_type.pk}
    before = client.get(f"/api/workers/{world.worker.pk}/slots/", query).json()
    assert local(day, 10).isoformat() in [s["start"] for s in before]
    connect_ics(world, ics_server, calendar_text(event("a1", local(day, 10), local(day, 11))))
    after = client.get(f"/api/workers/{world.worker.pk}/slots/", query).json()
    assert local(day, 10).isoformat() not in [s["start"] for s in after]


def test_booking_on_top_of_external_busy_time_is_refused(world, ics_server, api):
    day = next_weekday(0)
    connect_ics(world, ics_server, calendar_text(event("a1", local(day, 10), local(day, 11))))
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": local(day, 10).isoformat()}
    response = api.as_(world.client).post("/api/appointments/", body, format="json")
    assert response.status_code in (400, 409)
    assert response.json()["error"]["alternatives"]
    assert not Appointment.objects.exists()


def test_free_cancelled_and_own_events_do_not_block(world, ics_server):
    day = next_weekday(0)
    text = calendar_text(
        event("free", local(day, 8), local(day, 9), transparent=True),
        event("gone", local(day, 10), local(day, 11), status="CANCELLED"),
        event("1234@triangel", local(day, 12), local(day, 13)),
    )
    connect_ics(world, ics_server, text)
    assert not ExternalBusy.objects.exists()
    assert {local(day, 8), local(day, 10), local(day, 12)} <= set(starts(world, day))


def test_an_all_day_event_is_the_whole_local_day(world, ics_server):
    day = next_weekday(1)
    connect_ics(world, ics_server, calendar_text(event("course", day, day + timedelta(days=1))))
    row = ExternalBusy.objects.get()
    assert (row.start, row.end) == (local(day, 0), local(day + timedelta(days=1), 0))
    assert starts(world, day) == []


@pytest.mark.parametrize(
    ("first_monday", "change"),
    [(date(2026, 3, 23), date(2026, 3, 29)), (date(2026, 10, 19), date(2026, 10, 25))],
    ids=["spring-forward", "fall-back"],
)
def test_a_weekly_event_keeps_its_local_hour_across_a_daylight_saving_change(world, ics_server, first_monday, change):
    now = datetime(first_monday.year, first_monday.month, first_monday.day, 7, tzinfo=OSLO)
    url = ics_server.put(
        "/weekly.ics",
        calendar_text(
            event("weekly", local(first_monday, 10), local(first_monday, 11), rrule={"freq": "weekly", "count": 4})
        ),
    )
    external_calendar_connect(worker=world.worker, kind="ics", url=url, now=now)
    rows = list(ExternalBusy.objects.order_by("start"))
    assert [r.start.astimezone(OSLO).date() for r in rows] == [first_monday + timedelta(weeks=i) for i in range(4)]
    assert {(r.start.astimezone(OSLO).hour, r.end.astimezone(OSLO).hour) for r in rows} == {(10, 11)}
    # In UTC the hour moves with the change: 09:00Z one side, 08:00Z or 09:00Z the other.
    utc_hours = {r.start.astimezone(UTC).hour for r in rows}
    assert utc_hours == {8, 9}
    assert all(r.start.astimezone(OSLO).date() != change for r in rows)


def test_a_weekly_event_in_another_time_zone_lands_on_the_right_oslo_hour(world, ics_server):
    day = next_weekday(2)
    london = ZoneInfo("Europe/London")
    start = datetime(day.year, day.month, day.day, 9, tzinfo=london)
    connect_ics(world, ics_server, calendar_text(event("ldn", start, start + timedelta(hours=1))))
    row = ExternalBusy.objects.get()
    assert row.start == start
    assert row.start.astimezone(OSLO).hour == 10


def test_a_new_event_on_a_booked_meeting_keeps_the_meeting_and_gives_the_worker_one_task(world, ics_server):
    day = next_weekday(0)
    meeting = make_appointment(world.meeting_type, world.client, local(day, 10))
    source = connect_ics(world, ics_server, calendar_text(event("clash", local(day, 10, 30), local(day, 11, 30))))
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.BOOKED
    task = FollowUpTask.objects.get(kind=FollowUpTask.Kind.CALENDAR_CLASH)
    assert (task.worker, task.client, task.appointment) == (world.worker, world.client, meeting)
    assert Delivery.objects.filter(recipient=world.worker, kind="staff_alert").exists()
    # The clash seen again (the event edited but still on the meeting) adds no second task.
    ics_server.put("/work.ics", calendar_text(event("clash", local(day, 10, 15), local(day, 11, 30))))
    services.external_calendar_sync(source_id=source.pk)
    assert FollowUpTask.objects.filter(kind=FollowUpTask.Kind.CALENDAR_CLASH).count() == 1


# --- Errors -------------------------------------------------------------------------------------


def test_a_calendar_that_cannot_be_read_is_not_connected(world, ics_server, api):
    client = api.as_(world.worker)
    response = client.post(
        "/api/calendar/external/", {"kind": "ics", "url": ics_server.url("/missing.ics")}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "calendar_not_found"
    assert "finnes ikke" in response.json()["error"]["message"]
    assert not ExternalCalendar.objects.exists()


def test_text_that_is_not_a_calendar_is_refused(world, ics_server, api):
    url = ics_server.put("/page.ics", "<html>Log in</html>")
    response = api.as_(world.worker).post("/api/calendar/external/", {"kind": "ics", "url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "calendar_invalid"


def test_a_calendar_larger_than_the_limit_is_refused(world, ics_server, api, settings):
    settings.EXTERNAL_CALENDAR_MAX_BYTES = 10_000
    day = next_weekday(0)
    many = [event(f"e{i}", local(day, 8) + timedelta(days=i), local(day, 9) + timedelta(days=i)) for i in range(100)]
    url = ics_server.put("/big.ics", calendar_text(*many))
    response = api.as_(world.worker).post("/api/calendar/external/", {"kind": "ics", "url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "calendar_too_large"


def test_a_server_that_does_not_answer_in_time_is_a_timeout(world, ics_server, settings):
    settings.EXTERNAL_CALENDAR_TIMEOUT = 1
    url = ics_server.put("/slow.ics", calendar_text())
    ics_server.slow["/slow.ics"] = 3
    with pytest.raises(Exception) as raised:
        external_calendar_connect(worker=world.worker, kind="ics", url=url)
    assert getattr(raised.value, "code", "") == "calendar_timeout"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/calendar.ics",
        "http://10.0.0.5/calendar.ics",
        "http://192.168.1.1/calendar.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/calendar.ics",
    ],
)
def test_addresses_in_private_networks_are_refused_unless_allowed(world, api, settings, url):
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = False
    response = api.as_(world.worker).post("/api/calendar/external/", {"kind": "ics", "url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "refused_address"
    assert not ExternalCalendar.objects.exists()


@pytest.mark.parametrize("url", ["ftp://example.org/cal.ics", "file:///etc/passwd", "not a url", "javascript:alert(1)"])
def test_only_web_addresses_are_read(world, api, url):
    response = api.as_(world.worker).post("/api/calendar/external/", {"kind": "ics", "url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_address"


def test_a_redirect_into_a_private_network_is_refused(settings):
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = False
    with pytest.raises(SyncError) as raised:
        check_address("http://127.0.0.1:1/x.ics")
    assert raised.value.code == "refused_address"


def test_webcal_links_are_read_over_https(world):
    from booking.external.fetch import normalised_url

    assert normalised_url("webcal://outlook.office365.com/owa/calendar/x/reachcalendar.ics") == (
        "https://outlook.office365.com/owa/calendar/x/reachcalendar.ics"
    )


def test_a_failing_calendar_keeps_its_busy_time_shows_the_error_and_tells_the_worker_once(world, ics_server, api):
    day = next_weekday(0)
    source = connect_ics(world, ics_server, calendar_text(event("a1", local(day, 10), local(day, 11))))
    good = ExternalCalendar.objects.get().last_success_at
    del ics_server.files["/work.ics"]
    now = timezone.now()
    for hours in (1, 5, 25, 26, 30):
        result = services.external_calendar_sync(source_id=source.pk, now=now + timedelta(hours=hours))
        assert result.error == "not_found"
    assert ExternalBusy.objects.count() == 1  # the last good busy time still counts
    shown = api.as_(world.worker).get(f"/api/calendar/external/{source.pk}/").json()
    assert shown["status"] == "failing"
    assert shown["last_error"] == "not_found"
    assert shown["error_message"]
    assert datetime.fromisoformat(shown["last_success_at"]) == good
    told = Delivery.objects.filter(recipient=world.worker, kind="staff_alert", dedupe_key__contains="calendar_failing")
    assert told.values("dedupe_key").distinct().count() == 1
    # Working again clears the failure; a new run of failures would be told again.
    ics_server.put("/work.ics", calendar_text(event("a1", local(day, 10), local(day, 11))))
    assert services.external_calendar_sync(source_id=source.pk, now=now + timedelta(hours=31)).error == ""
    source.refresh_from_db()
    assert (source.last_error, source.failing_since, source.failure_told_at) == ("", None, None)


# --- The API ------------------------------------------------------------------------------------


def test_the_password_is_stored_encrypted_and_never_returned(world, caldav_calendar, api):
    from tests.external_calendars.fixtures import RADICALE_PASSWORD, RADICALE_USER

    body = {"kind": "caldav", "url": str(caldav_calendar.url), "username": RADICALE_USER, "password": RADICALE_PASSWORD}
    client = api.as_(world.worker)
    response = client.post("/api/calendar/external/", body, format="json")
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    assert response.json()["has_password"] is True
    assert RADICALE_PASSWORD not in str(client.get("/api/calendar/external/").json())
    sealed = ExternalCalendar.objects.get().password_sealed
    assert RADICALE_PASSWORD not in sealed
    assert credentials.unseal(sealed) == RADICALE_PASSWORD


def test_a_workers_connections_are_theirs_alone(world, ics_server, api):
    source = connect_ics(world, ics_server, calendar_text())
    other = api.as_(world.other_worker)
    assert other.get("/api/calendar/external/").json() == []
    assert other.get(f"/api/calendar/external/{source.pk}/").status_code == 404
    assert other.post(f"/api/calendar/external/{source.pk}/sync/").status_code == 404
    assert other.delete(f"/api/calendar/external/{source.pk}/").status_code == 404
    assert api.as_(world.client).get("/api/calendar/external/").status_code == 404
    assert ExternalCalendar.objects.filter(pk=source.pk).exists()


def test_sync_now_answers_with_what_changed(world, ics_server, api):
    day = next_weekday(1)
    source = connect_ics(world, ics_server, calendar_text())
    ics_server.put("/work.ics", calendar_text(event("n1", local(day, 9), local(day, 10))))
    response = api.as_(world.worker).post(f"/api/calendar/external/{source.pk}/sync/")
    assert response.status_code == 200
    assert response.json()["added"] == 1
    assert response.json()["error"] == ""


def test_disconnecting_frees_the_time_at_once(world, ics_server, api):
    day = next_weekday(0)
    source = connect_ics(world, ics_server, calendar_text(event("a1", local(day, 10), local(day, 11))))
    assert api.as_(world.worker).delete(f"/api/calendar/external/{source.pk}/").status_code == 204
    assert not ExternalBusy.objects.exists()
    assert local(day, 10) in starts(world, day)


def test_the_same_calendar_cannot_be_connected_twice(world, ics_server, api):
    connect_ics(world, ics_server, calendar_text())
    response = api.as_(world.worker).post(
        "/api/calendar/external/", {"kind": "ics", "url": ics_server.url("/work.ics")}, format="json"
    )
    assert response.status_code == 409


def test_write_back_is_only_for_caldav(world, ics_server, api):
    url = ics_server.put("/w.ics", calendar_text())
    body = {"kind": "ics", "url": url, "write_back": True}
    response = api.as_(world.worker).post("/api/calendar/external/", body, format="json")
    assert response.status_code == 400
    assert "write_back" in response.json()["error"]["fields"]


def test_the_beat_task_queues_only_calendars_whose_turn_it_is(world, ics_server, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    source = connect_ics(world, ics_server, calendar_text())
    assert external_calendars_sync_due() == 0  # just read
    ExternalCalendar.objects.filter(pk=source.pk).update(last_attempt_at=timezone.now() - timedelta(minutes=10))
    assert external_calendars_sync_due() == 1
    assert ics_server.statuses("/work.ics") == [200, 304]


# --- CalDAV (Radicale) ---------------------------------------------------------------------------


def connect_caldav(world, calendar, **extra) -> ExternalCalendar:
    from tests.external_calendars.fixtures import RADICALE_PASSWORD, RADICALE_USER

    source, result = external_calendar_connect(
        worker=world.worker,
        kind="caldav",
        url=str(calendar.url),
        username=RADICALE_USER,
        password=RADICALE_PASSWORD,
        **extra,
    )
    assert result.error == "", result
    return source


def test_a_caldav_event_blocks_the_slot_and_a_moved_one_frees_it(world, caldav_calendar):
    day = next_weekday(0)
    caldav_calendar.save_event(calendar_text(event("dav-1", local(day, 10), local(day, 11))))
    source = connect_caldav(world, caldav_calendar)
    assert local(day, 10) not in starts(world, day)
    moved = caldav_calendar.event_by_uid("dav-1")
    moved.data = calendar_text(event("dav-1", local(day, 13), local(day, 14)))
    moved.save()
    result = services.external_calendar_sync(source_id=source.pk)
    assert (result.added, result.removed) == (1, 1)
    after = starts(world, day)
    assert local(day, 10) in after
    assert local(day, 13) not in after


def test_an_unchanged_caldav_calendar_is_known_by_its_ctag(world, caldav_calendar):
    day = next_weekday(1)
    caldav_calendar.save_event(calendar_text(event("dav-1", local(day, 10), local(day, 11))))
    source = connect_caldav(world, caldav_calendar)
    version = version_of(world)
    result = services.external_calendar_sync(source_id=source.pk)
    assert result.unchanged
    assert version_of(world) == version


def test_a_wrong_caldav_password_is_refused_with_a_clear_message(world, caldav_calendar, api):
    body = {"kind": "caldav", "url": str(caldav_calendar.url), "username": "kari", "password": "feil"}
    response = api.as_(world.worker).post("/api/calendar/external/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "calendar_auth"
    assert "passordet" in response.json()["error"]["message"]


def test_a_weekly_caldav_event_across_the_autumn_change_blocks_the_right_local_hours(world, caldav_calendar):
    first_monday = date(2026, 10, 19)
    now = datetime(2026, 10, 19, 7, tzinfo=OSLO)
    caldav_calendar.save_event(
        calendar_text(
            event("weekly", local(first_monday, 14), local(first_monday, 15), rrule={"freq": "weekly", "count": 3})
        )
    )
    from tests.external_calendars.fixtures import RADICALE_PASSWORD, RADICALE_USER

    external_calendar_connect(
        worker=world.worker,
        kind="caldav",
        url=str(caldav_calendar.url),
        username=RADICALE_USER,
        password=RADICALE_PASSWORD,
        now=now,
    )
    rows = list(ExternalBusy.objects.order_by("start"))
    assert [r.start.astimezone(OSLO) for r in rows] == [local(first_monday + timedelta(weeks=i), 14) for i in range(3)]


def _written(caldav_calendar) -> dict[str, str]:
    """The events Triangel wrote into the calendar: UID → text."""
    found = {}
    for item in caldav_calendar.events():
        component = item.icalendar_component
        if str(component["UID"]).endswith("@triangel"):
            found[str(component["UID"])] = item.data
    return found


def test_write_back_puts_meetings_in_the_calendar_keeps_them_updated_and_takes_them_out(world, caldav_calendar):
    day = next_weekday(0)
    source = connect_caldav(world, caldav_calendar, write_back=True)
    booked = services.appointment_book(
        actor=world.client, meeting_type_id=world.meeting_type.pk, worker_id=world.worker.pk, start=local(day, 9)
    )
    meeting = booked.appointments[0]
    result = services.external_calendar_sync(source_id=source.pk)
    assert result.written == 1
    written = _written(caldav_calendar)
    uid = f"{meeting.uid}@triangel"
    assert list(written) == [uid]
    # Initials only, like the calendar feed: no name, no phone number.
    assert world.client.initials in written[uid]
    assert "Anna" not in written[uid]
    # Triangel's own events are not read back as busy time.
    assert not ExternalBusy.objects.exists()
    assert services.external_calendar_sync(source_id=source.pk).written == 0  # unchanged: nothing written

    services.appointment_reschedule(actor=world.client, appointment_id=meeting.pk, start=local(day, 13))
    assert services.external_calendar_sync(source_id=source.pk).written == 1
    assert "T130000" in _written(caldav_calendar)[uid]

    services.appointment_cancel(actor=world.client, appointment_id=meeting.pk, reason="syk")
    assert services.external_calendar_sync(source_id=source.pk).taken_out == 1
    assert _written(caldav_calendar) == {}


def test_disconnecting_a_write_back_calendar_takes_triangels_meetings_out(world, caldav_calendar, api):
    day = next_weekday(1)
    source = connect_caldav(world, caldav_calendar, write_back=True)
    make_appointment(world.meeting_type, world.client, local(day, 9))
    services.external_calendar_sync(source_id=source.pk)
    assert len(_written(caldav_calendar)) == 1
    assert api.as_(world.worker).delete(f"/api/calendar/external/{source.pk}/").status_code == 204
    assert _written(caldav_calendar) == {}


def test_a_calendars_secret_address_never_reaches_the_log(world, ics_server, caplog):
    caplog.set_level("DEBUG")
    url = ics_server.put("/owa/calendar/s3cr3t-token/reachcalendar.ics", calendar_text())
    source, _ = external_calendar_connect(worker=world.worker, kind="ics", url=url)
    del ics_server.files["/owa/calendar/s3cr3t-token/reachcalendar.ics"]
    services.external_calendar_sync(source_id=source.pk)
    assert "s3cr3t-token" not in caplog.text


def test_a_moved_and_a_removed_occurrence_of_a_series_are_read_as_the_worker_sees_them(world, ics_server):
    monday = next_weekday(0, min_days_ahead=3)
    master = event("series", local(monday, 10), local(monday, 11), rrule={"freq": "weekly", "count": 3})
    master.add("exdate", local(monday + timedelta(weeks=2), 10))
    moved = event("series", local(monday + timedelta(weeks=1), 14), local(monday + timedelta(weeks=1), 15))
    moved.add("recurrence-id", local(monday + timedelta(weeks=1), 10))
    one_off = event("once", local(monday, 13), local(monday, 14))
    connect_ics(world, ics_server, calendar_text(master, moved, one_off))
    found = sorted((r.start, r.end) for r in ExternalBusy.objects.all())
    week = timedelta(weeks=1)
    assert found == [
        (local(monday, 10), local(monday, 11)),
        (local(monday, 13), local(monday, 14)),
        (local(monday + week, 14), local(monday + week, 15)),
    ]


def test_a_change_reaches_the_write_back_calendar_without_waiting_for_the_next_read(
    world, caldav_calendar, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    connect_caldav(world, caldav_calendar, write_back=True)
    day = next_weekday(1)
    with django_capture_on_commit_callbacks(execute=True):
        booked = services.appointment_book(
            actor=world.client, meeting_type_id=world.meeting_type.pk, worker_id=world.worker.pk, start=local(day, 9)
        )
    meeting = booked.appointments[0]
    assert list(_written(caldav_calendar)) == [f"{meeting.uid}@triangel"]
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(actor=world.client, appointment_id=meeting.pk, reason="syk")
    assert _written(caldav_calendar) == {}


def test_a_calendar_without_write_back_is_not_read_on_every_booking(
    world, ics_server, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    connect_ics(world, ics_server, calendar_text())
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_book(
            actor=world.client,
            meeting_type_id=world.meeting_type.pk,
            worker_id=world.worker.pk,
            start=local(next_weekday(1), 9),
        )
    assert ics_server.statuses("/work.ics") == [200]


def test_cutting_only_the_time_off_that_reaches_into_a_day_gives_the_same_open_time():
    import random

    from booking.availability import Interval, _Merged, merge, subtract

    rng = random.Random(3)
    base_day = datetime(2026, 3, 2, tzinfo=UTC)
    off = []
    for _ in range(400):
        start = base_day + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        off.append(Interval(start, start + timedelta(minutes=rng.choice((15, 60, 600, 3000)))))
    merged = _Merged(off)
    for day in range(60):
        morning = base_day + timedelta(days=day, hours=8)
        bases = merge(
            [
                Interval(morning, morning + timedelta(hours=3.5)),
                Interval(morning + timedelta(hours=4), morning + timedelta(hours=7.5)),
            ]
        )
        assert subtract(bases, merged.reaching(bases[0].start, bases[-1].end)) == subtract(bases, merge(off))
