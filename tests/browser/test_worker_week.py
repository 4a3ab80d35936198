"""A worker runs their week from the grid: a meeting moved to a free time and cancelled with a
reason, keyboard only; busy time from the calendar they already use, connected on its page,
shows on the grid as grey blocks and is a time nobody can book; the page passes axe."""

import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

from booking import slots
from booking.models import Appointment, ExternalCalendar, MeetingType
from people.models import User
from tests import factories as f
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.support import BLOCKING, LANGUAGES, axe_violations, focus_ring, has_visible_focus, tab_to
from tests.external_calendars.calendars import calendar_text, event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OSLO = ZoneInfo("Europe/Oslo")
DESKTOP = {"width": 1366, "height": 900}


def _text(msgid: str) -> str:
    with translation.override("nb"):
        return gettext(msgid)


def _next_week_monday():
    today = timezone.now().astimezone(OSLO).date()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def _block(page: Page, meeting: Appointment) -> Locator:
    start = meeting.start.astimezone(OSLO)
    return page.get_by_role("link", name=re.compile(rf"^{start:%H:%M}–\d\d:\d\d Anna Berg, Samtale"))


def test_worker_moves_a_meeting_from_the_grid_and_then_cancels_it_with_the_keyboard_only(
    page: Page, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    kari = User.objects.get(username="worker1")
    anna = User.objects.get(username="user1")
    samtale = MeetingType.objects.get(calendar__owner=kari, name="Samtale")
    tuesday = _next_week_monday() + timedelta(days=1)
    meeting = f.make_appointment(samtale, anna, f.local(tuesday, 9), booked_by=kari)
    signed_in(kari, "nb")
    page.set_viewport_size(DESKTOP)
    page.goto(f"/calendar/?week={_next_week_monday()}")

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link, past the menu
    block = _block(page, meeting)
    tab_to(page, block, limit=150)
    assert has_visible_focus(focus_ring(block))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Samtale")

    move = page.get_by_role("link", name=_text("Move to another time"))
    tab_to(page, move)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(_text("Move the meeting"))
    first_free = page.locator("button.slot").first
    chosen = first_free.inner_text().split()[0]
    tab_to(page, first_free)
    assert has_visible_focus(focus_ring(first_free))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.BOOKED
    assert meeting.start.astimezone(OSLO).strftime("%H:%M") == chosen
    assert meeting.start != f.local(tuesday, 9)

    cancel = page.get_by_role("link", name=_text("Cancel the meeting"))
    tab_to(page, cancel)
    page.keyboard.press("Enter")
    reason = page.get_by_label(_text("Why is the meeting cancelled?"))
    tab_to(page, reason)
    page.keyboard.type("Ringte og meldte seg syk")
    submit = page.get_by_role("button", name=_text("Cancel the meeting"))
    tab_to(page, submit)
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.CANCELLED
    assert meeting.cancel_reason == "Ringte og meldte seg syk"


def test_busy_time_from_the_workers_outlook_shows_on_the_grid_and_nobody_can_book_it(
    page: Page, demo: None, signed_in: Callable[[User, str], None], ics_server
) -> None:
    kari = User.objects.get(username="worker1")
    anna = User.objects.get(username="user1")
    samtale = MeetingType.objects.get(calendar__owner=kari, name="Samtale")
    wednesday = _next_week_monday() + timedelta(days=2)
    url = ics_server.put(
        "/kari.ics", calendar_text(event("kurs", f.local(wednesday, 13), f.local(wednesday, 14), summary="Kurs"))
    )
    offered = [
        s.start for s in slots.slots_for(meeting_type=samtale, actor=anna, first_day=wednesday, last_day=wednesday)
    ]
    assert f.local(wednesday, 13) in offered
    signed_in(kari, "nb")
    page.set_viewport_size(DESKTOP)
    page.goto("/calendar/")
    page.get_by_role("link", name=_text("Your other calendars")).click()

    page.get_by_label(_text("Address of the calendar")).fill(url)
    page.get_by_role("button", name=_text("Connect and read now")).click()
    expect(page.get_by_role("status").first).to_contain_text("1")
    expect(page.get_by_text(re.compile(_text("Last read: %(when)s").split("%")[0]))).to_be_visible()

    page.goto(f"/calendar/?week={_next_week_monday()}")
    busy = page.get_by_role("listitem").filter(has_text=re.compile(rf"^{re.escape(_text('Busy'))} 13:00–14:00"))
    expect(busy).to_be_visible()
    expect(page.get_by_text("Kurs")).to_have_count(0)
    offered = [
        s.start for s in slots.slots_for(meeting_type=samtale, actor=anna, first_day=wednesday, last_day=wednesday)
    ]
    assert f.local(wednesday, 13) not in offered


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_connected_calendars_page_has_no_serious_accessibility_violations(
    page: Page, demo: None, signed_in: Callable[[User, str], None], language: str, settings
) -> None:
    kari = User.objects.get(username="worker1")
    ExternalCalendar.objects.create(
        calendar=kari.calendar,
        kind="ics",
        url="https://outlook.office365.com/owa/calendar/x/reachcalendar.ics",
        last_error="auth",
        failing_since=timezone.now() - timedelta(hours=3),
        last_success_at=timezone.now() - timedelta(hours=4),
    )
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = False
    signed_in(kari, language)
    problems = {}
    for size, viewport in [("desktop", DESKTOP), ("phone", PHONE_VIEWPORT)]:
        page.set_viewport_size(viewport)
        page.goto("/calendar/connected/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        problems[f"{size} list"] = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        # A refused address: the form with its errors.
        page.locator("input[name=url]").fill("http://10.0.0.1/calendar.ics")
        page.locator("form button.primary").click()
        expect(page.locator(".error-box")).to_be_visible()
        problems[f"{size} refused"] = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        page.goto("/calendar/")
        problems[f"{size} week with a failing calendar"] = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not any(problems.values()), problems
