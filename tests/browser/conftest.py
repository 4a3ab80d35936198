"""Browser tests: the real pages in Debian's Chromium at phone width, against a live server.

Chromium and axe-core are system and npm dependencies, not Python ones. Without them the
browser tests are skipped with the reason; CI installs both and fails on any skip.
"""

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import BrowserContext
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from people.models import User
from tests.browser.support import AXE_PATH, CHROMIUM_PATH

# pytest-playwright's sync API keeps an event loop running in the test thread; Django would
# otherwise refuse ORM calls made there (arranging data, checking results).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PHONE_VIEWPORT = {"width": 390, "height": 844}


def _missing() -> str | None:
    if not Path(CHROMIUM_PATH).exists():
        return f"{CHROMIUM_PATH} is missing: install Debian's chromium package"
    if not AXE_PATH.exists():
        return f"{AXE_PATH} is missing: run `npm install --prefix tests/browser`"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    # Never Playwright's own download: the tests use the distribution's Chromium.
    return {
        "executable_path": CHROMIUM_PATH,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(live_server: LiveServer) -> dict:
    # A Norwegian phone: Accept-Language picks Norwegian, the default of the service.
    return {
        "base_url": live_server.url,
        "viewport": PHONE_VIEWPORT,
        "locale": "nb-NO",
        "timezone_id": "Europe/Oslo",
    }


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # The sign-in limits count attempts per address, and every browser request comes from
    # 127.0.0.1; the live server runs in this process, so its cache is this one.
    caches["limits"].clear()


@pytest.fixture
def sms_file(settings: Settings, tmp_path: Path) -> Path:
    # The live server runs in this process, so the override reaches its requests too.
    path = tmp_path / "sms.jsonl"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(path)
    return path


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def signed_in(context: BrowserContext, live_server: LiveServer) -> Callable[[User, str], None]:
    """Put a session for ``user`` into the browser, and a language cookie, without the sign-in pages."""

    def sign_in(user: User, language: str = "nb") -> None:
        client = Client()
        client.force_login(user, backend="people.backends.ModelBackend")
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                },
                {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            ]
        )

    return sign_in
