"""Signing in to the API: staff give their app's code as ``otp``; failures count against the
account and the address together with the web's, and over a limit the answer is 429."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from people.second_factor import recovery_codes_new
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def token(body: dict, client: APIClient | None = None):
    return (client or APIClient()).post("/api/auth/token/", body, format="json")


def test_staff_get_a_token_with_their_password_and_app_code(world):
    f.enrol_app(world.worker)

    response = token({"username": "worker", "password": PASSWORD, "otp": f.app_code(world.worker)})

    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}


def test_staff_without_a_code_are_told_to_give_one(world):
    f.enrol_app(world.worker)

    response = token({"username": "worker", "password": PASSWORD})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["otp"]


def test_a_wrong_or_reused_code_gets_no_token(world):
    f.enrol_app(world.worker)
    code = f.app_code(world.worker)
    assert token({"username": "worker", "password": PASSWORD, "otp": code}).status_code == 200

    reused = token({"username": "worker", "password": PASSWORD, "otp": code})
    wrong = token({"username": "worker", "password": PASSWORD, "otp": "000000"})

    assert reused.status_code == 400
    assert wrong.status_code == 400
    assert "otp" in wrong.json()["error"]["fields"]


def test_a_recovery_code_gets_a_token_once(world):
    f.enrol_app(world.worker)
    code = recovery_codes_new(user=world.worker)[0]

    assert token({"username": "worker", "password": PASSWORD, "otp": code}).status_code == 200
    assert token({"username": "worker", "password": PASSWORD, "otp": code}).status_code == 400


def test_staff_who_never_set_up_an_app_are_sent_to_the_web_first(world):
    response = token({"username": "worker", "password": PASSWORD, "otp": "123456"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_not_set_up"


def test_service_users_need_no_code(world):
    assert token({"username": "client", "password": PASSWORD}).status_code == 200


def test_ten_wrong_passwords_lock_the_api_too_with_the_time_to_wait(world):
    for _ in range(10):
        assert token({"username": "client", "password": "wrong"}).status_code == 400

    response = token({"username": "client", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 15 * 60 + 1


def test_failures_on_the_web_and_in_the_api_count_together(world):
    browser = Client()
    for _ in range(6):
        browser.post("/login/password/", {"username": "client", "password": "wrong"})
    for _ in range(4):
        token({"username": "client", "password": "wrong"})

    assert token({"username": "client", "password": PASSWORD}).status_code == 429
    assert browser.post("/login/password/", {"username": "client", "password": PASSWORD}).status_code == 429


def test_wrong_app_codes_in_the_api_lock_the_account(world):
    f.enrol_app(world.worker)
    for _ in range(10):
        token({"username": "worker", "password": PASSWORD, "otp": "000000"})

    response = token({"username": "worker", "password": PASSWORD, "otp": f.app_code(world.worker)})

    assert response.status_code == 429


def test_the_token_endpoint_takes_thirty_requests_per_address(world, settings):
    settings.SIGN_IN_ADDRESS_FAILURES = 1000
    answers = [token({"username": f"nobody{n}", "password": "wrong"}).status_code for n in range(32)]

    assert 429 not in answers[:30]
    assert answers[30:] == [429, 429]


def test_when_the_limits_store_is_down_the_api_answers_503(world, settings):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {"BACKEND": "config.cache.StrictRedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }

    response = token({"username": "client", "password": PASSWORD})

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "sign_in_paused"
