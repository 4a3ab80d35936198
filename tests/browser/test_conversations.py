"""Writing instead of phoning, in two browsers: Anna on her phone and Kari, her worker, each
see the other's message within two seconds without reloading; axe finds nothing serious in
either language; the phone page and the worker's inbox are saved as screenshots."""

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from conversations import services
from people.models import User
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.support import BLOCKING, LANGUAGES, axe_violations, describe, is_focused, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LIVE = 2_000  # milliseconds: a new message shows in an open conversation within this


def _t(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def _worker_page(browser: Browser, live_server: LiveServer, user: User, language: str, width: int = 1280) -> Page:
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, locale="nb-NO", timezone_id="Europe/Oslo"
    )
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
    return context.new_page()


def _send(page: Page, language: str, text: str) -> None:
    page.get_by_label(_t(language, "Your message")).fill(text)
    page.get_by_role("button", name=_t(language, "Send"), exact=True).click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_person_and_their_worker_write_to_each_other_live(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    demo: None,
    signed_in: Callable[[User, str], None],
    language: str,
    live_cache: None,
) -> None:
    anna = User.objects.get(username="user1")
    kari = User.objects.get(username="worker1")
    signed_in(anna, language)
    page.goto("/my-day/")
    page.get_by_role("link", name=_t(language, "Write to your social worker")).click()
    thread = services.thread_for_worker(anna)
    expect(page).to_have_url(f"{live_server.url}/conversations/{thread.pk}/")

    worker = _worker_page(browser, live_server, kari, language)
    try:
        worker.goto(f"/conversations/{thread.pk}/")
        _send(page, language, "Hei Kari, kan vi flytte møtet?")
        started = time.monotonic()
        expect(worker.locator("#messages")).to_contain_text("kan vi flytte møtet?", timeout=LIVE)
        assert time.monotonic() - started < 2.5

        _send(worker, language, "Ja, det går fint. Jeg ringer ikke, jeg skriver.")
        expect(page.locator("#messages")).to_contain_text("Jeg ringer ikke, jeg skriver.", timeout=LIVE)
        # Each message once, however many times the pages asked.
        assert page.locator("#messages > li").count() == 2
        assert worker.locator("#messages > li").count() == 2

        found = {"person": axe_violations(page), "worker": axe_violations(worker)}
        blocking = {name: [v for v in vs if v["impact"] in BLOCKING] for name, vs in found.items()}
        assert not any(blocking.values()), describe(blocking)

        # The composer is reachable by keyboard.
        box = page.get_by_label(_t(language, "Your message"))
        page.locator("body").focus()
        tab_to(page, box, limit=80)
        assert is_focused(box)

        if language == "nb":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.reload()  # the states under one's own messages are drawn when the page is
            page.screenshot(path=SCREENSHOTS / "conversation-phone.png", full_page=True, animations="disabled")
            services.message_post(thread=thread, author=anna, text="Takk!")  # one unread in the inbox
            worker.goto("/inbox/")
            worker.screenshot(path=SCREENSHOTS / "worker-inbox.png", full_page=True, animations="disabled")
    finally:
        worker.context.close()


def test_the_thread_fits_a_320_px_phone(
    page: Page, demo: None, signed_in: Callable[[User, str], None], browser: Browser, live_server: LiveServer
) -> None:
    anna = User.objects.get(username="user1")
    thread = services.thread_for_worker(anna)
    services.message_post(thread=thread, author=anna, text="Et langt ord: " + "a" * 80)
    narrow = _worker_page(browser, live_server, anna, "nb", width=320)
    try:
        narrow.goto(f"/conversations/{thread.pk}/")
        width = narrow.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, width
    finally:
        narrow.context.close()
    assert PHONE_VIEWPORT["width"] == 390
