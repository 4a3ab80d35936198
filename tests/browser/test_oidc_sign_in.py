"""Signing in through an identity provider in Chromium: a service user presses the ID-porten
button and lands on their day; a member of staff goes through the municipality's provider, lands
on Today, signs out, and the provider notes the logout. The providers are the tests' own
(tests/oidc/provider.py), real OpenID Connect providers in processes of their own."""

import re
from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.utils.translation import gettext, override
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from people import oidc as identities
from people.models import User
from tests.browser.support import names
from tests.oidc.fixtures import Providers
from tests.oidc.numbers import make_pid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PID = make_pid(date(1988, 3, 14))


@pytest.fixture
def oidc_site(settings: Settings, live_server: LiveServer) -> str:
    """The providers send the browser back to the live server, and links name it too."""
    settings.SITE_URL = live_server.url
    return live_server.url


def t(msgid: str) -> str:
    with override("nb"):
        return gettext(msgid)


def test_a_service_user_signs_in_with_id_porten_and_lands_on_their_day(page: Page, demo: None, oidc: Providers) -> None:
    anna = User.objects.get(username="user1")
    identities.person_pid_set(actor=User.objects.get(username="worker1"), person_id=anna.pk, pid=PID)
    oidc.users.sign_in_as(sub="idporten-anna", pid=PID, name="Anna Berg", acr="idporten-loa-substantial")

    page.goto("/login/")
    page.get_by_role("link", name="ID-porten").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Test identity provider")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/my-day/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(names("nb")["hello"] % {"name": "Anna"})


def test_staff_sign_in_with_the_municipalitys_provider_and_sign_out_there_too(
    page: Page, demo: None, oidc: Providers
) -> None:
    kari = User.objects.get(username="worker1")
    User.objects.filter(pk=kari.pk).update(email="kari.nordmann@kommune.example.no")
    oidc.staff.sign_in_as(sub="entra-kari", email="kari.nordmann@kommune.example.no", amr=["pwd", "mfa"])

    page.goto("/login/")
    page.get_by_role("link", name=t("Staff sign-in")).click()
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/today/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(names("nb")["today"])
    assert Session.objects.count() == 1

    page.get_by_role("button", name=t("Sign out")).click()

    # Triangel's session ends, the provider ends its own, and the browser is back at sign-in.
    expect(page).to_have_url(re.compile(r"/login/\?state="))
    expect(page.get_by_role("heading", level=1)).to_have_text(names("nb")["sign_in"])
    [logout] = oidc.staff.events("logout")
    assert (logout["sub"], logout["client_id"]) == ("entra-kari", "triangel-staff")
    assert not any("_auth_user_id" in session.get_decoded() for session in Session.objects.all())
    page.goto("/today/")
    expect(page).to_have_url(re.compile(r"/login/"))
