"""A social worker books a meeting on a service user's behalf from the free-time picker with
the keyboard alone: find the person, choose the meeting type, move a week on, pick a time,
confirm."""

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from people.models import User
from tests.browser.support import focus_ring, has_visible_focus, names, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_books_for_a_person_from_the_picker_with_keyboard_only(
    page: Page, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    n = names("nb")
    kari = User.objects.get(username="worker1")
    anna = User.objects.get(username="user1")
    before = set(Appointment.objects.values_list("pk", flat=True))
    signed_in(kari, "nb")
    page.goto("/calendar/")

    main = page.get_by_role("main")
    tab_to(page, main.get_by_role("link", name=n["book_for_user"]))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(n["book_for_user"])
    search = page.get_by_label(n["find_person"])
    tab_to(page, search)
    page.keyboard.type("Anna")
    page.keyboard.press("Enter")
    expect(search).to_have_value("Anna")
    person = page.get_by_role("main").get_by_role("link", name=anna.get_full_name())
    tab_to(page, person)
    assert has_visible_focus(focus_ring(person))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(n["what_kind"])
    samtale = page.get_by_role("main").get_by_role("link", name=re.compile(r"^Samtale"))
    tab_to(page, samtale)
    page.keyboard.press("Enter")

    # Next week always has free times in the demo calendar, whatever day it is now.
    expect(page.get_by_role("heading", level=1)).to_have_text(n["choose_time"])
    tab_to(page, page.get_by_role("link", name=re.compile(re.escape(n["next_week"]))))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?week=\d{4}-\d\d-\d\d$"))
    first = page.get_by_role("main").get_by_role("link", name=re.compile(r"^\d\d:\d\d")).first
    tab_to(page, first)
    assert has_visible_focus(focus_ring(first))
    chosen = first.inner_text().split()[0]
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(n["is_this_right"])
    confirm = page.get_by_role("button", name=n["yes_book"])
    tab_to(page, confirm)
    page.keyboard.press("Space")

    expect(page.get_by_role("heading", level=1)).to_have_text(n["meeting_booked"])
    appointment = Appointment.objects.exclude(pk__in=before).get()
    assert (appointment.client, appointment.booked_by) == (anna, kari)
    assert f"{appointment.start.astimezone(ZoneInfo(kari.timezone)):%H:%M}" == chosen
    expect(page.get_by_role("status")).to_contain_text(anna.get_full_name())
