"""The subscribable iCalendar feed, read the way a calendar app reads it: fetched without
credentials from the secret URL, parsed, and expanded over a date range."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlparse

import icalendar
import pytest
import recurring_ical_events
from django.conf import settings
from django.utils import timezone

from booking.models import Appointment
from tests.factories import local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def feed_url_of(api, user) -> str:
    response = api.as_(user).get("/api/me/")
    assert response.status_code == 200
    url = response.json()["calendar_feed_url"]
    assert url.startswith(settings.SITE_URL + "/")
    return url


def fetch(api, url: str):
    """Calendar apps send neither cookies nor tokens."""
    return api.anonymous().get(urlparse(url).path)


def feed_of(api, user) -> tuple[icalendar.Calendar, bytes]:
    response = fetch(api, feed_url_of(api, user))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].split(";")[0] == "text/calendar"
    return icalendar.Calendar.from_ical(response.content), response.content


def expand(cal: icalendar.Calendar, first: date, last: date) -> list[icalendar.Event]:
    return list(recurring_ical_events.of(cal).between(first, last + timedelta(days=1)))


def by_uid(events: list[icalendar.Event]) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in events}


def uid_of(appointment: Appointment) -> str:
    return f"{appointment.uid}@triangel"


def book(api, world, start: datetime) -> dict:
    response = api.as_(world.client).post(
        "/api/appointments/",
        {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_feed_is_served_without_credentials_as_text_calendar(world, api):
    response = fetch(api, feed_url_of(api, world.client))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"])


def test_the_feed_url_stays_the_same_between_visits(world, api):
    assert feed_url_of(api, world.client) == feed_url_of(api, world.client)


def test_the_feed_has_an_europe_oslo_vtimezone_and_local_start_times(world, api):
    monday = next_weekday(0)
    created = book(api, world, local(monday, 9))
    cal, raw = feed_of(api, world.client)

    timezones = cal.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Oslo"]
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Oslo"

    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == f"{created['uid']}@triangel"
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event["DTEND"].params["TZID"] == "Europe/Oslo"
    assert f"DTSTART;TZID=Europe/Oslo:{monday:%Y%m%d}T090000".encode() in raw
    assert f"DTEND;TZID=Europe/Oslo:{monday:%Y%m%d}T094500".encode() in raw

    (occurrence,) = expand(cal, monday, monday)
    assert occurrence["DTSTART"].dt == local(monday, 9)
    assert occurrence["DTEND"].dt == local(monday, 9, 45)


@pytest.mark.parametrize(
    ("before", "after", "offset_before", "offset_after"),
    [
        # Clocks go forward on Sunday 2027-03-28 and back on Sunday 2027-10-31.
        (date(2027, 3, 26), date(2027, 3, 29), 1, 2),
        (date(2027, 10, 29), date(2027, 11, 1), 2, 1),
    ],
    ids=["spring", "autumn"],
)
def test_a_meeting_keeps_its_local_time_across_a_daylight_saving_change(
    world, api, before, after, offset_before, offset_after
):
    first = make_appointment(world.meeting_type, world.client, local(before, 9))
    second = make_appointment(world.meeting_type, world.client, local(after, 9))
    cal, raw = feed_of(api, world.client)

    for day in (before, after):
        assert f"DTSTART;TZID=Europe/Oslo:{day:%Y%m%d}T090000".encode() in raw

    events = by_uid(expand(cal, before - timedelta(days=3), after + timedelta(days=3)))
    assert set(events) == {uid_of(first), uid_of(second)}
    for appointment, day, offset in ((first, before, offset_before), (second, after, offset_after)):
        start = events[uid_of(appointment)]["DTSTART"].dt
        assert (start.date(), start.hour, start.minute) == (day, 9, 0)
        assert start.utcoffset() == timedelta(hours=offset)
        assert start.astimezone(UTC) == datetime(day.year, day.month, day.day, 9 - offset, tzinfo=UTC)

    # The VTIMEZONE in the feed itself, not just the zone name, must give those offsets:
    # some calendar apps use only what the file says.
    (vtimezone,) = cal.walk("VTIMEZONE")
    feed_tz = vtimezone.to_tz(lookup_tzid=False)
    for day, offset in ((before, offset_before), (after, offset_after)):
        assert datetime(day.year, day.month, day.day, 9, tzinfo=feed_tz).utcoffset() == timedelta(hours=offset)


def test_an_expanded_range_shows_only_the_meetings_inside_it(world, api):
    inside = make_appointment(world.meeting_type, world.client, local(date(2027, 3, 29), 9))
    make_appointment(world.meeting_type, world.client, local(date(2027, 5, 3), 9))
    cal, _raw = feed_of(api, world.client)
    assert set(by_uid(expand(cal, date(2027, 3, 22), date(2027, 4, 4)))) == {uid_of(inside)}


def test_the_uid_stays_and_the_sequence_grows_when_a_meeting_is_moved(world, api):
    monday = next_weekday(0)
    created = book(api, world, local(monday, 9))
    uid = f"{created['uid']}@triangel"

    cal, _raw = feed_of(api, world.client)
    (before,) = cal.walk("VEVENT")
    assert str(before["UID"]) == uid
    assert int(before["SEQUENCE"]) == 0

    moved = api.as_(world.client).post(
        f"/api/appointments/{created['id']}/reschedule/", {"start": local(monday, 13).isoformat()}, format="json"
    )
    assert moved.status_code == 200, moved.json()

    cal, _raw = feed_of(api, world.client)
    (after,) = cal.walk("VEVENT")
    assert str(after["UID"]) == uid
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["DTSTART"].dt == local(monday, 13)
    # Calendar apps compare DTSTAMP/LAST-MODIFIED too: they must not go backwards.
    assert after["LAST-MODIFIED"].dt >= before["LAST-MODIFIED"].dt

    # The worker's feed carries the same event identity.
    worker_cal, _raw = feed_of(api, world.worker)
    (worker_event,) = worker_cal.walk("VEVENT")
    assert str(worker_event["UID"]) == uid
    assert int(worker_event["SEQUENCE"]) == int(after["SEQUENCE"])


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(world, api):
    monday = next_weekday(0)
    created = book(api, world, local(monday, 9))
    response = api.as_(world.client).post(
        f"/api/appointments/{created['id']}/cancel/", {"reason": "Syk"}, format="json"
    )
    assert response.status_code == 200

    for viewer in (world.client, world.worker):
        cal, _raw = feed_of(api, viewer)
        (event,) = cal.walk("VEVENT")
        assert str(event["UID"]) == f"{created['uid']}@triangel"
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == 1
        assert str(event["TRANSP"]) == "TRANSPARENT"


def test_held_and_missed_meetings_stay_confirmed(world, api):
    now = timezone.now()
    held = make_appointment(world.meeting_type, world.client, now - timedelta(days=2), status="completed")
    missed = make_appointment(world.meeting_type, world.client, now - timedelta(days=1), status="no_show")
    cal, _raw = feed_of(api, world.client)
    statuses = {str(e["UID"]): str(e["STATUS"]) for e in cal.walk("VEVENT")}
    assert statuses == {uid_of(held): "CONFIRMED", uid_of(missed): "CONFIRMED"}


def test_the_worker_feed_shows_the_clients_initials_not_their_name(world, api):
    monday = next_weekday(0)
    book(api, world, local(monday, 9))
    cal, raw = feed_of(api, world.worker)

    (event,) = cal.walk("VEVENT")
    summary = str(event["SUMMARY"])
    assert world.client.initials == "A.P."
    assert summary.endswith("A.P.")
    assert world.meeting_type.name in summary
    text = raw.decode()
    assert world.client.first_name not in text
    assert world.client.last_name not in text
    assert world.client.username not in text
    assert world.client.get_full_name() not in text


def test_the_users_feed_names_their_worker(world, api):
    book(api, world, local(next_weekday(0), 9))
    cal, _raw = feed_of(api, world.client)
    (event,) = cal.walk("VEVENT")
    assert world.worker.first_name in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == world.meeting_type.place


def test_a_users_feed_contains_only_their_own_appointments(world, api):
    monday = next_weekday(0)
    mine = make_appointment(world.meeting_type, world.client, local(monday, 9))
    # Someone else's meeting in the very same calendar, and one in another calendar.
    neighbours = make_appointment(world.meeting_type, world.other_client, local(monday, 13))
    elsewhere = make_appointment(world.other_meeting_type, world.other_client, local(monday, 9))

    cal, _raw = feed_of(api, world.client)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [uid_of(mine)]

    cal, _raw = feed_of(api, world.worker)
    assert sorted(str(e["UID"]) for e in cal.walk("VEVENT")) == sorted([uid_of(mine), uid_of(neighbours)])

    cal, _raw = feed_of(api, world.other_client)
    assert sorted(str(e["UID"]) for e in cal.walk("VEVENT")) == sorted([uid_of(neighbours), uid_of(elsewhere)])


def test_the_feed_leaves_out_meetings_that_ended_long_ago(world, api):
    now = timezone.now()
    recent = make_appointment(world.meeting_type, world.client, now - timedelta(days=30), status="completed")
    make_appointment(world.meeting_type, world.client, now - timedelta(days=120), status="completed")
    cal, _raw = feed_of(api, world.client)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [uid_of(recent)]


def test_rotating_the_link_retires_the_old_url(world, api):
    make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    old_url = feed_url_of(api, world.client)
    assert fetch(api, old_url).status_code == 200

    response = api.as_(world.client).post("/api/calendar/feed-link/")
    assert response.status_code == 200
    new_url = response.json()["calendar_feed_url"]
    assert new_url != old_url

    gone = fetch(api, old_url)
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "not_found"
    assert isinstance(gone.json()["error"]["message"], str)

    fresh = fetch(api, new_url)
    assert fresh.status_code == 200
    assert fresh["Content-Type"].startswith("text/calendar")
    assert len(icalendar.Calendar.from_ical(fresh.content).walk("VEVENT")) == 1
    assert feed_url_of(api, world.client) == new_url


def test_rotating_one_persons_link_leaves_others_working(world, api):
    worker_url = feed_url_of(api, world.worker)
    api.as_(world.client).post("/api/calendar/feed-link/")
    assert fetch(api, worker_url).status_code == 200


def test_an_unknown_feed_secret_is_404(world, api):
    response = api.anonymous().get("/api/calendar/feed/not-a-secret.ics")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_deactivated_persons_feed_stops_working(world, api):
    url = feed_url_of(api, world.client)
    world.client.is_active = False
    world.client.save(update_fields=["is_active"])
    assert fetch(api, url).status_code == 404
