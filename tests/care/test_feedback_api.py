"""Feedback after meetings: once per meeting, only one's own held meetings, anonymity that
survives every view, and the coordinator's monthly summary."""

import hashlib
from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError

from booking.models import Appointment
from care.models import Feedback
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/feedback/"
OSLO = ZoneInfo("Europe/Oslo")
_hours = count()


def held(world, client=None, start: datetime | None = None, meeting_type=None) -> Appointment:
    return f.make_appointment(
        meeting_type or world.meeting_type,
        client or world.client,
        # A new hour each time: one calendar never holds two meetings at once.
        start or datetime(2026, 10, 6, 8, tzinfo=OSLO) + timedelta(hours=next(_hours)),
        status=Appointment.Status.COMPLETED,
    )


def rate(api, user, appointment, face=4, **extra):
    return api.as_(user).post(URL, {"appointment": appointment.pk, "face": face, **extra}, format="json")


def test_a_service_user_rates_their_own_held_meeting_once(world, api):
    meeting = held(world)
    response = rate(api, world.client, meeting, face=5, comment="Godt å bli hørt")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["face"] == 5
    # In the person's language: Norwegian unless they chose English.
    assert body["face_label"] == "Veldig bra"
    assert body["month"] == "2026-10"

    again = rate(api, world.client, meeting, face=1)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_rated"
    assert Feedback.objects.count() == 1


def test_a_second_anonymous_rating_is_refused_too(world, api):
    meeting = held(world)
    assert rate(api, world.client, meeting, anonymous=True).status_code == 201
    assert rate(api, world.client, meeting, anonymous=True).status_code == 409
    assert rate(api, world.client, meeting, anonymous=False).status_code == 409


def test_someone_elses_meeting_is_a_404_and_a_meeting_not_held_is_refused(world, api):
    theirs = held(world, client=world.other_client, meeting_type=world.other_meeting_type)
    assert rate(api, world.client, theirs).status_code == 404
    assert rate(api, world.worker, held(world)).status_code == 404
    upcoming = f.make_appointment(world.meeting_type, world.client, f.local(f.next_weekday(1), 9))
    response = rate(api, world.client, upcoming)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_completed"
    assert rate(api, world.client, held(world), face=6).status_code == 400
    assert not Feedback.objects.exists()


def test_anonymous_feedback_holds_and_shows_no_link_to_its_author(world, api):
    meeting = held(world)
    rate(api, world.client, meeting, face=2, comment="Ventet lenge", anonymous=True)

    stored = Feedback.objects.get()
    assert stored.author_id is None
    assert stored.appointment_id is None
    # Not a plain hash of the meeting id, which anyone could recompute.
    assert stored.marker != hashlib.sha256(str(meeting.pk).encode()).hexdigest()
    for viewer in (world.worker, world.coordinator):
        [row] = api.as_(viewer).get(URL).json()
        assert row["comment"] == "Ventet lenge"
        assert row["author"] is None
        assert row["author_name"] is None
        assert row["appointment"] is None
        text = api.as_(viewer).get(URL).content.decode()
        assert world.client.first_name not in text
        assert world.client.last_name not in text
    summary = api.as_(world.coordinator).get(f"{URL}summary/?month=2026-10").json()
    [comment] = summary["comments"]
    assert comment["author"] is None
    assert comment["appointment"] is None
    # The author still sees it as theirs.
    [mine] = api.as_(world.client).get(URL).json()
    assert mine["comment"] == "Ventet lenge"


def test_named_feedback_shows_the_author_to_the_worker(world, api):
    rate(api, world.client, held(world), face=4, comment="Fint")
    [row] = api.as_(world.worker).get(URL).json()
    assert row["author"] == world.client.pk
    assert api.as_(world.other_worker).get(URL).json() == []
    assert api.as_(world.other_client).get(URL).json() == []


def test_the_database_keeps_anonymous_rows_unlinked(world):
    meeting = held(world)
    with pytest.raises(IntegrityError):
        Feedback.objects.create(
            calendar=world.calendar,
            month=date(2026, 10, 1),
            face=3,
            anonymous=True,
            marker="x",
            author=world.client,
            appointment=meeting,
        )


def test_the_monthly_summary_counts_faces_and_averages(world, api):
    third = f.make_person("service_user", world.unit, "third")
    f.follow(world.worker, third)
    rate(api, world.client, held(world), face=5, comment="Bra")
    rate(api, third, held(world, client=third, start=datetime(2026, 10, 7, 10, tzinfo=OSLO)), face=2, anonymous=True)
    rate(
        api,
        world.other_client,
        held(world, client=world.other_client, meeting_type=world.other_meeting_type),
        face=4,
    )
    # A meeting in November is not in October's summary.
    rate(api, world.client, held(world, start=datetime(2026, 11, 2, 10, tzinfo=OSLO)), face=1)

    response = api.as_(world.coordinator).get(f"{URL}summary/?month=2026-10")
    assert response.status_code == 200
    body = response.json()
    assert body["ratings"] == 3
    assert body["average"] == pytest.approx(11 / 3, abs=0.01)
    assert [d["count"] for d in body["distribution"]] == [0, 1, 0, 1, 1]
    assert [d["label"] for d in body["distribution"]] == ["Veldig dårlig", "Dårlig", "Greit", "Bra", "Veldig bra"]
    assert [c["comment"] for c in body["comments"]] == ["Bra"]

    assert api.as_(world.worker).get(f"{URL}summary/").status_code == 403
    assert api.as_(world.coordinator).get(f"{URL}summary/?month=oktober").status_code == 400


def test_an_empty_month_has_no_average(world, api):
    body = api.as_(world.coordinator).get(f"{URL}summary/?month=2020-01").json()
    assert body["ratings"] == 0
    assert body["average"] is None
    assert sum(body["ideas_by_status"].values()) == 0


def test_a_summary_for_year_1_or_9999_is_a_400_not_a_server_error(world, api):
    for month in ("0001-01", "9999-12"):
        answer = api.as_(world.coordinator).get(f"{URL}summary/?month={month}")
        assert answer.status_code == 400
        assert "month" in answer.json()["error"]["fields"]


def test_only_the_person_who_rated_learns_which_meeting_an_anonymous_rating_was_about(world, api):
    from care.selectors.feedback import rated_appointment_ids

    meeting = held(world)
    assert rate(api, world.client, meeting, anonymous=True).status_code == 201

    assert rated_appointment_ids(user=world.client, appointment_ids=[meeting.pk]) == {meeting.pk}
    assert rated_appointment_ids(user=world.worker, appointment_ids=[meeting.pk]) == set()
    assert rated_appointment_ids(user=world.coordinator, appointment_ids=[meeting.pk]) == set()
