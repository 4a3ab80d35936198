"""A member of staff left idle on the web is signed out after STAFF_IDLE_MINUTES (30); a service
user is not. API calls with a token have no session and are not concerned."""

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from people.services import api_token_issue
from web.middleware import LAST_ACTIVE

pytestmark = pytest.mark.django_db


def last_active(browser: Client, minutes_ago: float) -> int:
    session = browser.session
    session[LAST_ACTIVE] = int(time.time() - minutes_ago * 60)
    session.save()
    return session[LAST_ACTIVE]


def signed_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


@pytest.mark.parametrize("who", ["worker", "peer", "coordinator"])
def test_staff_idle_for_31_minutes_are_signed_out_and_sent_to_sign_in_with_a_message(world, web_client, who):
    browser = web_client(getattr(world, who), english=True)
    last_active(browser, 31)

    response = browser.get("/ideas/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/ideas/"
    assert not signed_in(browser)
    page = browser.get(response["Location"])
    assert "You were signed out after 30 minutes without activity." in page.content.decode()


def test_staff_idle_for_29_minutes_stay_signed_in(world, web_client):
    browser = web_client(world.worker)
    last_active(browser, 29)
    assert browser.get("/today/").status_code == 200
    assert signed_in(browser)


def test_each_request_starts_the_idle_time_again(world, web_client):
    browser = web_client(world.worker)
    last_active(browser, 29)
    browser.get("/today/")
    assert abs(browser.session[LAST_ACTIVE] - time.time()) < 5


def test_the_session_is_not_written_again_within_a_minute(world, web_client):
    browser = web_client(world.worker)
    stamp = last_active(browser, 0.5)
    browser.get("/today/")
    assert browser.session[LAST_ACTIVE] == stamp


def test_the_idle_time_counts_from_signing_in(world, web_client):
    browser = web_client(world.worker)
    assert abs(browser.session[LAST_ACTIVE] - time.time()) < 5


def test_a_session_without_the_stamp_starts_counting(world, web_client):
    browser = web_client(world.worker)
    session = browser.session
    del session[LAST_ACTIVE]
    session.save()
    browser.get("/today/")
    assert LAST_ACTIVE in browser.session


def test_signing_in_with_a_password_starts_the_idle_time(world):
    from tests.factories import PASSWORD, app_code, enrol_app

    enrol_app(world.worker)
    browser = Client()
    response = browser.post(
        "/login/password/",
        {"username": world.worker.username, "password": PASSWORD, "otp": app_code(world.worker)},
    )
    assert response.status_code == 302
    assert abs(browser.session[LAST_ACTIVE] - time.time()) < 5


def test_service_users_are_not_signed_out_however_long_they_are_away(world, web_client):
    browser = web_client(world.client)
    browser.get("/my-day/")
    assert LAST_ACTIVE not in browser.session  # nothing is counted for them
    session = browser.session
    session[LAST_ACTIVE] = int(time.time() - 10 * 3600)
    session.save()
    assert browser.get("/my-day/").status_code == 200
    assert signed_in(browser)


def test_the_idle_time_comes_from_the_settings(world, web_client, settings):
    settings.STAFF_IDLE_MINUTES = 5
    browser = web_client(world.worker, english=True)
    last_active(browser, 6)
    response = browser.get("/today/", follow=True)
    assert "You were signed out after 5 minutes without activity." in response.content.decode()


def test_an_htmx_request_of_an_idle_session_sends_the_whole_page_to_sign_in(world, web_client):
    browser = web_client(world.worker)
    last_active(browser, 31)
    response = browser.get("/today/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/login/"
    assert not signed_in(browser)


def test_an_api_call_on_an_idle_staff_session_is_refused_as_signed_out(world):
    browser = APIClient()
    browser.force_login(world.worker)
    last_active(browser, 31)
    response = browser.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_api_calls_with_a_token_are_not_concerned(world):
    _token, secret = api_token_issue(user=world.worker, label="API")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get("/api/me/").status_code == 200
    assert not client.cookies.get("sessionid")
