"""API calls signed with a token take the short middleware chain (``TOKEN_API_MIDDLEWARE``):
no session, messages, CSRF or page language work, yet the same protections: never cached, not
framed, a policy that runs nothing, the client's language, and the access log."""

import pytest
from django.test import Client

from audit.models import AccessEntry
from tests.factories import local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def test_a_token_call_touches_no_session_and_sets_no_cookie(world, api) -> None:
    response = api.as_(world.client).get("/api/appointments/")
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session")
    assert not hasattr(response.wsgi_request, "_messages")
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_a_token_call_is_never_cached_nor_framed_and_runs_nothing(world, api) -> None:
    response = api.as_(world.client).get("/api/appointments/")
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    missing = api.as_(world.client).get("/api/appointments/999999/")
    assert missing.status_code == 404
    assert "no-store" in missing.headers["Cache-Control"]


def test_a_token_call_answers_in_the_language_the_client_asks_for(world, api) -> None:
    client = api.as_(world.client)
    english = client.get("/api/appointments/?status=nope", HTTP_ACCEPT_LANGUAGE="en")
    norwegian = client.get("/api/appointments/?status=nope", HTTP_ACCEPT_LANGUAGE="nb")
    default = client.get("/api/appointments/?status=nope")
    assert english.status_code == norwegian.status_code == 400
    assert english.json()["error"]["message"] == "Unknown status."
    assert norwegian.json()["error"]["message"] != "Unknown status."
    assert default.json()["error"]["message"] == norwegian.json()["error"]["message"]
    assert "Accept-Language" in english.headers["Vary"]
    assert english.headers["Content-Language"] == "en"


def test_a_token_call_that_reads_a_person_is_in_the_access_log(world, api) -> None:
    make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    response = api.as_(world.worker).get("/api/appointments/")
    assert response.status_code == 200
    [entry] = AccessEntry.objects.filter(actor=world.worker, subject=world.client)
    assert (entry.via, entry.what, entry.count) == ("api", "appointment", 1)


def test_a_bad_token_is_refused_and_a_session_call_still_takes_the_full_chain(world) -> None:
    bad = Client(HTTP_AUTHORIZATION="Token " + "x" * 43).get("/api/appointments/")
    assert bad.status_code == 401
    signed_in = Client()
    signed_in.force_login(world.client)
    response = signed_in.get("/api/appointments/")
    assert response.status_code == 200
    assert hasattr(response.wsgi_request, "session")
