"""The calmer phone at 390 px, in both languages: four menu items and "More", My day with
today, the next meeting, booking and help first, and the times page with the first free time
on top, a part of the day, and the days folded. No serious axe-core violations."""

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import Page, expect

from booking.models import Appointment
from people.models import User
from tests.browser import scenes
from tests.browser.support import LANGUAGES, names
from tests.browser.test_accessibility import Findings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_VISIBLE_MENU_ITEMS = """() => [...document.querySelectorAll("header nav li")]
  .filter(li => li.checkVisibility() && !li.parentElement.closest("details"))
  .map(li => li.innerText.trim())"""


def _t(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


@pytest.mark.parametrize("language", LANGUAGES)
def test_my_day_on_a_phone_has_four_menu_items_and_more_and_what_matters_first(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    scene = scenes.arrange()
    signed_in(scene.anna, language)
    findings = Findings(language)
    findings.visit(page, "my day", "/my-day/")
    # Help starts on the first screen of a phone, without scrolling (the menu closed).
    help_now = page.get_by_role("heading", name=_t(language, "Need someone now?"))
    assert help_now.bounding_box()["y"] < 844

    shown = page.evaluate(_VISIBLE_MENU_ITEMS)
    with translation.override(language):
        more = pgettext("menu", "More")
    assert len(shown) == 5, shown
    assert shown[-1].startswith(more)
    menu = page.get_by_role("navigation", name=_t(language, "Main menu"))
    reminders = menu.get_by_role("link", name=_t(language, "Reminders"))
    expect(reminders).to_be_hidden()
    menu.get_by_text(more).click()
    expect(reminders).to_be_visible()
    findings.check(page, "my day with More open")
    # The menu is one row: the whole top bar takes well under a fifth of the screen.
    assert page.locator("header.top").bounding_box()["height"] <= 844 / 5

    headings = page.get_by_role("main").get_by_role("heading", level=2).all_inner_texts()
    order = [_t(language, "Today"), _t(language, "Your next meeting"), _t(language, "Need someone now?")]
    order.append(_t(language, "Book a meeting"))
    assert [h.split(" ")[0] for h in headings[:4]] == [o.split(" ")[0] for o in order], headings
    next_meeting = page.get_by_role("region", name=_t(language, "Your next meeting"))
    expect(next_meeting.get_by_role("link")).to_contain_text(scene.meeting.meeting_type.name)
    findings.assert_none()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_free_time_books_through_the_confirm_step(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    n = names(language)
    scene = scenes.arrange()
    signed_in(scene.anna, language)
    findings = Findings(language)
    findings.visit(page, "book times", f"/book/{scene.samtale.pk}/")

    # Only the first day is open: its times show, the other days' do not.
    days = page.locator("main details.slot-day")
    expect(days.first).to_have_attribute("open", "")
    assert days.count() > 1
    expect(days.nth(1).locator(".slot").first).to_be_hidden()

    samtaler = Appointment.objects.filter(client=scene.anna, meeting_type=scene.samtale).exclude(pk=scene.meeting.pk)
    first_free = page.get_by_role("region", name=_t(language, "First free time")).get_by_role("link")
    chosen = re.search(r"\d\d:\d\d", first_free.inner_text()).group(0)
    first_free.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(n["is_this_right"])
    assert not samtaler.exists()  # the first tap only asks
    page.get_by_role("button", name=n["yes_book"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(n["booked"])
    assert samtaler.count() == 1
    assert f"{samtaler.get().start.astimezone(ZoneInfo(scene.anna.timezone)):%H:%M}" == chosen
    findings.assert_none()


@pytest.mark.parametrize("language", LANGUAGES)
def test_morning_and_afternoon_show_only_their_times(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    scene = scenes.arrange()
    signed_in(scene.anna, language)
    findings = Findings(language)
    page.goto(f"/book/{scene.samtale.pk}/")
    parts = page.get_by_role("navigation", name=_t(language, "Part of the day"))

    for part, keeps in [("Morning", lambda h: h < 12), ("Afternoon", lambda h: h >= 12)]:
        parts.get_by_role("link", name=_t(language, part)).click()
        expect(parts.get_by_role("link", name=_t(language, part))).to_have_attribute("aria-current", "true")
        findings.check(page, f"book times {part.lower()}")
        # Every time of the part, in every day (folded ones too), and the first free time.
        hours = [int(t[:2]) for t in page.locator("main .slot").all_text_contents()]
        first = page.get_by_role("region", name=_t(language, "First free time")).get_by_role("link").inner_text()
        hours.append(int(re.search(r"(\d\d):\d\d", first).group(1)))
        assert hours
        assert all(keeps(h) for h in hours), (part, hours)
    findings.assert_none()
