"""Limits on signing in: per account and per client address, in the shared cache, with the
time to wait; the client's address through a configured number of trusted proxies only."""

import json
import re
import time

import pytest
from django.test import Client, RequestFactory

from people.limits import client_address
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def password(client: Client, username: str, secret: str, **extra: str):
    return client.post("/login/password/", {"username": username, "password": secret}, **extra)


def test_ten_wrong_passwords_lock_the_account_and_the_right_one_is_refused_with_the_time_to_wait(world):
    client = Client()
    for _ in range(10):
        assert password(client, "client", "wrong").status_code == 400

    response = password(client, "client", PASSWORD)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60 + 1
    assert signed_in_user_id(client) is None


def test_nine_wrong_passwords_then_the_right_one_signs_in_and_clears_the_count(world):
    client = Client()
    for _ in range(9):
        password(client, "client", "wrong")

    assert password(client, "client", PASSWORD).status_code == 302
    assert signed_in_user_id(client) == world.client.pk
    other = Client()
    for _ in range(9):
        assert password(other, "client", "wrong").status_code == 400
    assert password(other, "client", PASSWORD).status_code == 302


def test_the_lock_counts_attempts_from_every_address_and_ends_with_the_window(world, monkeypatch):
    for number in range(10):
        password(Client(REMOTE_ADDR=f"198.51.100.{number}"), "client", "wrong")
    assert password(Client(REMOTE_ADDR="203.0.113.9"), "client", PASSWORD).status_code == 429

    later = time.time() + 15 * 60 + 2
    monkeypatch.setattr(time, "time", lambda: later)

    assert password(Client(REMOTE_ADDR="203.0.113.9"), "client", PASSWORD).status_code == 302


def test_a_locked_account_does_not_lock_another_account_at_the_same_address(world):
    client = Client()
    for _ in range(10):
        password(client, "client", "wrong")

    assert password(client, "otherclient", PASSWORD).status_code == 302


def test_many_failures_from_one_address_across_accounts_are_stopped(world, settings):
    settings.SIGN_IN_ADDRESS_FAILURES = 12
    settings.SIGN_IN_PAGE_LIMITS = {**settings.SIGN_IN_PAGE_LIMITS, "login_password": 1000}
    client = Client()
    for number in range(12):
        assert password(client, f"nobody{number}", "wrong").status_code == 400

    assert password(client, "client", PASSWORD).status_code == 429
    # Another address is not affected.
    assert password(Client(REMOTE_ADDR="203.0.113.7"), "client", PASSWORD).status_code == 302


def test_ten_wrong_sms_codes_lock_the_number_even_with_the_right_code(world, settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    client = Client()
    client.post("/login/", {"phone": "400 00 001"})
    for _ in range(10):
        assert client.post("/login/code/", {"code": "000000"}).status_code == 200
    client.post("/login/", {"phone": "400 00 001"})
    last_sms = json.loads((tmp_path / "sms.jsonl").read_text().strip().splitlines()[-1])
    right = re.search(r"\b(\d{6})\b", last_sms["text"]).group(1)

    response = client.post("/login/code/", {"code": right})

    assert response.status_code == 429
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize(
    ("path", "limit", "data"),
    [
        ("/login/", 20, {"phone": "400 00 999"}),
        ("/login/email/", 10, {"email": "nobody@example.org"}),
        ("/login/link/not-a-real-link/", 30, {}),
    ],
)
def test_each_sign_in_page_takes_its_stated_number_of_requests_per_address(world, path, limit, data):
    client = Client()
    answers = [client.post(path, data).status_code for _ in range(limit + 3)]

    assert 429 not in answers[:limit]
    assert answers[limit:] == [429, 429, 429]


def test_the_code_page_takes_thirty_requests_per_address(world):
    client = Client()
    client.post("/login/", {"phone": "400 00 001"})
    answers = [client.post("/login/code/", {"code": "12345"}).status_code for _ in range(33)]

    assert 429 not in answers[:30]
    assert answers[30:] == [429, 429, 429]


def test_behind_one_trusted_proxy_two_clients_have_a_bucket_each(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")
    for _ in range(10):
        first.post("/login/email/", {"email": "a@example.org"})

    assert first.post("/login/email/", {"email": "a@example.org"}).status_code == 429
    assert second.post("/login/email/", {"email": "a@example.org"}).status_code == 200


def test_without_trusted_proxies_a_forged_forwarded_header_gets_no_fresh_bucket(world):
    for number in range(10):
        Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{number}").post("/login/email/", {"email": "a@example.org"})

    response = Client(HTTP_X_FORWARDED_FOR="198.51.100.77").post("/login/email/", {"email": "a@example.org"})

    assert response.status_code == 429


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),
        (1, "198.51.100.1", "198.51.100.1"),
        # Whatever the client wrote itself stands left of what our proxy appended.
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.1", "198.51.100.1"),
        # Fewer entries than proxies, or not an address: the peer's address.
        (2, "198.51.100.1", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_through_the_trusted_proxies_only(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_when_the_limits_store_is_down_signing_in_pauses_with_a_503(world, settings):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {"BACKEND": "config.cache.StrictRedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }

    response = password(Client(), "client", PASSWORD)

    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_staff_failures_at_the_second_factor_count_against_the_account(world):
    f.enrol_app(world.worker)
    client = Client()
    password(client, "worker", PASSWORD)
    for _ in range(10):
        assert client.post("/login/second-factor/", {"otp": "000000"}).status_code == 400

    response = client.post("/login/second-factor/", {"otp": f.app_code(world.worker)})

    assert response.status_code == 429
    assert signed_in_user_id(client) is None
