"""A service user whose meeting type is fully booked joins the waiting list from the booking page."""

from collections.abc import Callable

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from booking.models import MeetingType
from care.models import WaitingEntry
from people.models import User
from tests.browser.support import LANGUAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_service_user_joins_the_waiting_list_when_nothing_is_free(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    anna = User.objects.get(username="user1")
    kari = User.objects.get(username="worker1")
    # Thirty days' notice: nothing is free within the waiting-list window.
    visit = MeetingType.objects.create(
        calendar=kari.calendar, name="Hjemmebesøk", min_notice_minutes=30 * 24 * 60, horizon_days=60
    )
    with translation.override(language):
        join, heading = gettext("Put me on the waiting list"), gettext("Waiting list")
        leave = gettext("Leave the waiting list")
    signed_in(anna, language)

    page.goto(f"/book/{visit.pk}/")
    page.get_by_role("button", name=join).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator(".cards li")).to_contain_text("Hjemmebesøk")
    assert WaitingEntry.objects.filter(user=anna, meeting_type=visit, status="waiting").exists()

    page.get_by_role("button", name=leave).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert not WaitingEntry.objects.filter(user=anna, status="waiting").exists()
