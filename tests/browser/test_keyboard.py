"""Booking with the keyboard alone: Tab, Shift+Tab, Enter and Space, no pointer."""

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from people.models import User
from tests.browser.support import focus_ring, has_visible_focus, is_focused, names, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_skip_link_is_first_focusable_and_focus_is_visible(
    page: Page, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    n = names("nb")
    signed_in(User.objects.get(username="user1"), "nb")
    page.goto("/my-day/")

    skip = page.get_by_role("link", name=n["skip"])
    page.keyboard.press("Tab")
    assert is_focused(skip), "the skip link is not the first thing Tab reaches"
    expect(skip).to_be_in_viewport()
    ring = focus_ring(skip)
    assert has_visible_focus(ring), f"no visible focus on the skip link: {ring}"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert page.evaluate("document.activeElement.id") == "main"


def test_service_user_books_with_keyboard_only(page: Page, demo: None, signed_in: Callable[[User, str], None]) -> None:
    n = names("nb")
    anna = User.objects.get(username="user1")
    signed_in(anna, "nb")
    page.goto("/my-day/")

    # Past the menu with the skip link, then forward to the meeting type.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    meeting_type = page.get_by_role("region", name=n["book_a_meeting"]).get_by_role(
        "link", name=re.compile(r"^Samtale")
    )
    tab_to(page, meeting_type)
    ring = focus_ring(meeting_type)
    assert has_visible_focus(ring), f"no visible focus on the meeting type: {ring}"
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(n["choose_time"])
    times = page.get_by_role("main").get_by_role("link", name=re.compile(r"^\d\d:\d\d"))
    second = times.nth(1)
    tab_to(page, second)
    # Back one with Shift+Tab: the first free time.
    first = times.nth(0)
    page.keyboard.press("Shift+Tab")
    assert is_focused(first)
    assert has_visible_focus(focus_ring(first))
    chosen = first.inner_text().split()[0]
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(n["is_this_right"])
    confirm = page.get_by_role("button", name=n["yes_book"])
    tab_to(page, confirm)
    assert has_visible_focus(focus_ring(confirm))
    page.keyboard.press("Space")

    expect(page.get_by_role("heading", level=1)).to_have_text(n["booked"])
    appointment = Appointment.objects.get(client=anna, status=Appointment.Status.BOOKED)
    assert f"{appointment.start.astimezone(ZoneInfo(anna.timezone)):%H:%M}" == chosen
