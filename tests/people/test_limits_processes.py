"""The sign-in limits hold across server processes: gunicorn with four workers, sharing one Redis.

Requests are sent from several threads at once on fresh connections, so the workers serve
them side by side; the counts still come out exact, because every worker counts in Redis.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from people.models import User
from tests import factories as f
from tests.messaging.test_crash import _test_database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("TRIANGEL_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/8")
ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": REDIS_URL,
        "CACHE_REDIS_URL": REDIS_URL,
        "SMS_BACKEND": "console",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health/", timeout=2).status_code < 500:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-2000:])
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).flushdb()


def _post_with_csrf(url: str, path: str, data: dict[str, str], cookies: dict[str, str] | None = None) -> httpx.Response:
    """A browser's POST: fetch the page for its CSRF cookie and token, then submit the form."""
    with httpx.Client(base_url=url, cookies=cookies, timeout=30) as client:
        if not cookies:
            client.get(path)
        token = client.cookies.get("csrftoken") or ""
        return client.post(path, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": url + path})


def test_ten_wrong_passwords_lock_the_account_in_every_worker(server):
    person = f.make_person(User.Role.SERVICE_USER, f.make_unit(), "locked")
    # Hashed the way the server checks it (the tests' own hasher is a fast one it does not know).
    encoded = PBKDF2PasswordHasher().encode("the-right-password", PBKDF2PasswordHasher().salt())
    User.objects.filter(pk=person.pk).update(password=encoded)
    # The right password works on the server before the wrong ones: the 429s below are the lock.
    first = _post_with_csrf(server, "/login/password/", {"username": "locked", "password": "the-right-password"})
    assert first.status_code == 302

    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        wrong = list(
            pool.map(
                lambda _: _post_with_csrf(server, "/login/password/", {"username": "locked", "password": "wrong"}),
                range(10),
            )
        )
    assert [r.status_code for r in wrong] == [400] * 10

    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        right = list(
            pool.map(
                lambda _: _post_with_csrf(
                    server, "/login/password/", {"username": "locked", "password": "the-right-password"}
                ),
                range(WORKERS * 2),
            )
        )

    assert {r.status_code for r in right} == {429}
    assert all(0 < int(r.headers["Retry-After"]) <= 15 * 60 + 1 for r in right)


@pytest.mark.parametrize(("path", "limit"), [("/login/code/", 30), ("/login/link/no-such-link/", 30)])
def test_a_pages_limit_per_address_holds_exactly_with_four_workers(server, path, limit):
    cookies: dict[str, str] = {}
    if path == "/login/code/":
        # The code page needs the number from the page before it, in the session.
        with httpx.Client(base_url=server, timeout=30) as client:
            client.get("/login/")
            client.post(
                "/login/",
                data={"phone": "400 00 999", "csrfmiddlewaretoken": client.cookies.get("csrftoken") or ""},
                headers={"Referer": server + "/login/"},
            )
            cookies = dict(client.cookies)
    attempts = 50

    with ThreadPoolExecutor(max_workers=WORKERS * 2) as pool:
        answers = Counter(
            # Five digits: refused by the form, so only the page's limit counts, not the number's lock.
            pool.map(lambda _: _post_with_csrf(server, path, {"code": "12345"}, cookies).status_code, range(attempts))
        )

    assert answers[429] == attempts - limit
    assert sum(count for status, count in answers.items() if status != 429) == limit
