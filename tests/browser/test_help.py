"""A service user presses "I need help now": inside opening hours they see who is on duty and
by when, and the worker on duty acknowledges it on Today; outside they see the numbers to call."""

from collections.abc import Callable
from datetime import time, timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override
from playwright.sync_api import Page, expect

from care.models import HelpRequest
from people.models import OpeningHours, User
from tests.browser.help_scene import open_all_day_with_kari_first
from tests.browser.support import LANGUAGES, names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def t(language: str, msgid: str, **values: str) -> str:
    with override(language):
        text = gettext(msgid)
    return text % values if values else text


def _closed_until_tomorrow() -> None:
    unit = User.objects.get(username="user1").unit
    tomorrow = (timezone.localtime() + timedelta(days=1)).weekday()
    OpeningHours.objects.filter(unit=unit).delete()
    OpeningHours.objects.create(unit=unit, weekday=tomorrow, start=time(8), end=time(9))


@pytest.mark.parametrize("language", LANGUAGES)
def test_user_presses_help_sees_who_is_on_duty_and_the_worker_acknowledges_on_today(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    n = names(language)
    open_all_day_with_kari_first()
    anna = User.objects.get(username="user1")
    kari = User.objects.get(username="worker1")

    signed_in(anna, language)
    page.goto("/my-day/")
    expect(page.get_by_role("heading", level=1)).to_have_text(n["hello"] % {"name": "Anna"})
    page.get_by_role("button", name=t(language, "I need help now")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(t(language, "I need help now"))
    main = page.get_by_role("main")
    expect(main).to_contain_text(t(language, "%(name)s is on duty.", name="Kari"))
    expect(main).to_contain_text("113")
    request = HelpRequest.objects.get(user=anna)
    assert request.status == HelpRequest.Status.ALERTING

    # Kari, on duty, sees it on Today and takes it.
    signed_in(kari, language)
    page.goto("/today/")
    help_section = page.get_by_role("region", name=t(language, "Help requests"))
    expect(help_section).to_contain_text(anna.get_full_name())
    help_section.get_by_role("button", name=f"{t(language, 'Acknowledge')} {anna.get_full_name()}").click()

    expect(page.get_by_role("region", name=t(language, "Help requests"))).to_contain_text(
        t(language, "Taken by %(name)s", name=kari.get_full_name())
    )
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ACKNOWLEDGED
    assert request.acknowledged_by == kari

    # Anna sees that Kari has it.
    signed_in(anna, language)
    page.goto("/help/")
    request.refresh_from_db()
    seen_at = timezone.localtime(request.acknowledged_at).strftime("%H:%M")
    expect(page.get_by_role("main")).to_contain_text(
        t(
            language,
            "%(name)s has seen your request at %(time)s and will get in touch with you.",
            name="Kari",
            time=seen_at,
        )
    )


def test_outside_opening_hours_the_user_sees_the_emergency_numbers_and_the_crisis_line(
    page: Page, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    _closed_until_tomorrow()
    anna = User.objects.get(username="user1")
    signed_in(anna, "nb")
    page.goto("/my-day/")
    page.get_by_role("button", name=t("nb", "I need help now")).click()

    main = page.get_by_role("main")
    expect(main).to_contain_text(t("nb", "We are closed right now. Your request is saved."))
    numbers = page.get_by_role("region", name=t("nb", "Numbers you can call now"))
    expect(numbers.get_by_role("link", name="113")).to_have_attribute("href", "tel:113")
    expect(numbers.get_by_role("link", name="116 117")).to_be_visible()
    expect(numbers).to_contain_text("Mental helse hjelpetelefon")
    expect(numbers.get_by_role("link", name="116 123")).to_be_visible()
    assert HelpRequest.objects.get(user=anna).status == HelpRequest.Status.WAITING
