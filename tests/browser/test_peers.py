"""'I'd like a peer' in the browser: the person presses the button, a peer signs in on another
phone and accepts from the pool, and the person sees who will get in touch."""

import re
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from care.models import PeerRequest
from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.support import LANGUAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _t(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def _session_cookies(user: User, live_server: LiveServer, language: str) -> list[dict]:
    client = Client()
    client.force_login(user, backend="people.backends.ModelBackend")
    return [
        {
            "name": django_settings.SESSION_COOKIE_NAME,
            "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        },
        {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_user_asks_for_a_peer_a_peer_accepts_and_the_user_sees_who(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    demo: None,
    signed_in: Callable[[User, str], None],
    language: str,
) -> None:
    anna = User.objects.get(username="user1")
    tore = User.objects.get(username="peer1")
    signed_in(anna, language)

    page.goto("/my-day/")
    box = page.get_by_role("region", name=_t(language, "Talk to a peer"))
    box.get_by_role("button", name=_t(language, "I'd like a peer")).click()
    expect(page).to_have_url(re.compile(r"/my-day/$"))
    waiting = _t(language, "Waiting for a peer. You get an SMS when one of them says yes.")
    expect(page.get_by_role("region", name=_t(language, "Talk to a peer"))).to_contain_text(waiting)
    request = PeerRequest.objects.get(user=anna, status=PeerRequest.Status.OPEN)
    assert Delivery.objects.filter(kind=MessageKind.PEER_POOL, recipient=tore).exists()

    # Tore, on his own phone.
    tore_context = browser.new_context(
        base_url=live_server.url, viewport=PHONE_VIEWPORT, locale="nb-NO", timezone_id="Europe/Oslo"
    )
    try:
        tore_context.add_cookies(_session_cookies(tore, live_server, language))
        tore_page = tore_context.new_page()
        tore_page.goto("/")
        tore_page.get_by_role("navigation").get_by_role("link", name=_t(language, "Peer requests")).click()
        pool = tore_page.get_by_role("region", name=_t(language, "Waiting for a peer"))
        expect(pool).not_to_contain_text(anna.last_name)  # the pool names nobody
        pool.get_by_role("button", name=re.compile("^" + re.escape(_t(language, "Accept")))).click()
        taken = tore_page.get_by_role("region", name=_t(language, "You said yes"))
        expect(taken).to_contain_text(anna.get_full_name())
    finally:
        tore_context.close()

    request.refresh_from_db()
    assert request.status == PeerRequest.Status.TAKEN
    assert request.peer == tore
    # One per channel the person uses (the demo users have SMS and e-mail).
    told = Delivery.objects.filter(kind=MessageKind.PEER_ASSIGNED, recipient=anna)
    assert {d.channel for d in told} == {"sms", "email"}
    assert {d.context["peer"] for d in told} == {"Tore"}

    page.reload()
    with translation.override(language):
        who = gettext("%(name)s will contact you.") % {"name": "Tore"}
    expect(page.get_by_role("region", name=_t(language, "Talk to a peer"))).to_contain_text(who)
