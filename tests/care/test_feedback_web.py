"""Feedback and ideas in the web app: the prompt on My meetings, the five labelled faces,
anonymity on the worker's and coordinator's pages, and the coordinator's monthly summary."""

import re
from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from booking.models import Appointment
from care.models import Feedback, Idea
from tests import factories as f

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")
OCTOBER = datetime(2026, 10, 6, 8, tzinfo=OSLO)
_hours = count()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    client.cookies["django_language"] = "en"
    return client


def held(world, client=None):
    start = OCTOBER + timedelta(hours=next(_hours))  # one calendar never holds two meetings at once
    return f.make_appointment(world.meeting_type, client or world.client, start, status=Appointment.Status.COMPLETED)


def test_my_meetings_asks_how_a_held_meeting_was_until_it_is_rated(world):
    meeting = held(world)
    client = signed_in(world.client)
    assert f"/meetings/{meeting.pk}/feedback/" in client.get("/meetings/").content.decode()

    page = client.get(f"/meetings/{meeting.pk}/feedback/").content.decode()
    for word in ("Very bad", "Bad", "Okay", "Good", "Very good"):
        assert f"> {word}</label>" in page
    response = client.post(f"/meetings/{meeting.pk}/feedback/", {"face": "4", "comment": "Fint", "anonymous": "on"})
    assert response.status_code == 302
    stored = Feedback.objects.get()
    assert (stored.face, stored.anonymous, stored.author_id) == (4, True, None)
    page = client.get("/meetings/").content.decode()
    assert f"/meetings/{meeting.pk}/feedback/" not in page
    assert "Thank you for your feedback" in page


def test_someone_elses_meeting_has_no_feedback_page(world):
    theirs = held(world, client=world.other_client)
    assert signed_in(world.client).get(f"/meetings/{theirs.pk}/feedback/").status_code == 404


def test_anonymous_feedback_shows_no_name_to_the_worker_or_the_coordinator(world):
    signed_in(world.client).post(
        f"/meetings/{held(world).pk}/feedback/", {"face": "2", "comment": "Kort tid", "anonymous": "on"}
    )
    worker_page = signed_in(world.worker).get("/feedback/?month=2026-10").content.decode()
    summary = signed_in(world.coordinator).get("/feedback/summary/?month=2026-10").content.decode()
    for page in (worker_page, summary):
        assert "Kort tid" in page
        assert "Sent without a name" in page
        assert world.client.get_full_name() not in page
        assert f"/meetings/{world.client.pk}" not in page


def test_the_coordinator_summary_shows_counts_and_average(world):
    signed_in(world.client).post(f"/meetings/{held(world).pk}/feedback/", {"face": "5"})
    third = f.make_person("service_user", world.unit, "third")
    f.follow(world.worker, third)
    signed_in(third).post(f"/meetings/{held(world, client=third).pk}/feedback/", {"face": "2"})
    page = signed_in(world.coordinator).get("/feedback/summary/?month=2026-10").content.decode()
    assert re.search(r"3[.,]5 of 5", page)
    assert signed_in(world.worker).get("/feedback/summary/").status_code == 302


def test_ideas_are_suggested_and_answered_by_the_coordinator_only(world):
    signed_in(world.client).post("/ideas/", {"title": "Kveldsåpent", "text": ""})
    idea = Idea.objects.get()
    assert signed_in(world.peer).get(f"/ideas/{idea.pk}/respond/").status_code == 302
    signed_in(world.coordinator).post(
        f"/ideas/{idea.pk}/respond/", {"status": "done", "response": "Åpent til 19 på torsdager"}
    )
    page = signed_in(world.other_client).get("/ideas/").content.decode()
    assert "Kveldsåpent" in page
    assert "Status: done" in page
    assert "Åpent til 19 på torsdager" in page


def test_the_summary_page_for_year_1_or_9999_shows_this_month(world):
    client = signed_in(world.coordinator)
    for month in ("0001-01", "9999-12"):
        assert client.get("/feedback/summary/", {"month": month}).status_code == 200
