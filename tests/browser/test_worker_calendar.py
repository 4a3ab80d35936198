"""A social worker: sign in with user name and password, set working hours with a lunch
break, and see a service user's booking in the week view."""

import re
from collections.abc import Callable
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, expect

from booking import services as booking
from booking.models import Appointment, MeetingType, WorkingHours
from people.models import User
from reminders.models import FollowUpTask
from tests import factories as f
from tests.browser.support import LANGUAGES, day_heading, focus_ring, has_visible_focus, names, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_worker_sets_working_hours_with_lunch_break_and_sees_booking_in_week_view(
    page: Page, demo: None, language: str
) -> None:
    n = names(language)
    kari = User.objects.get(username="worker1")
    anna = User.objects.get(username="user1")
    User.objects.filter(pk=kari.pk).update(language=language)

    page.goto("/login/")
    if language != "nb":
        page.get_by_role("button", name="English").click()
    page.get_by_role("link", name=n["password_way"]).click()
    page.get_by_label(n["user_name"]).fill("worker1")
    page.get_by_label(n["password"]).fill("triangel-demo")
    page.get_by_role("button", name=n["sign_in"], exact=True).click()
    # Staff give the code from their authenticator app after the password.
    page.get_by_label(n["otp"]).fill(f.app_code(kari))
    page.get_by_role("button", name=n["sign_in"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/today/$"))

    page.get_by_role("navigation").get_by_role("link", name=n["calendar"]).click()
    page.get_by_role("main").get_by_role("link", name=n["working_hours"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(n["working_hours"])
    monday = page.get_by_role("group", name=n["monday"], exact=True)
    starts = monday.get_by_label(re.compile(rf"^{re.escape(n['from'])}\b"))
    ends = monday.get_by_label(re.compile(rf"^{re.escape(n['to'])}\b"))
    starts.nth(0).fill("08:00")
    ends.nth(0).fill("11:30")
    starts.nth(1).fill("12:00")
    ends.nth(1).fill("15:30")
    page.get_by_role("button", name=n["save_hours"]).click()

    expect(page.get_by_role("status")).to_have_text(n["hours_saved"])
    assert list(
        WorkingHours.objects.filter(calendar__owner=kari, weekday=0).order_by("start").values_list("start", "end")
    ) == [(time(8), time(11, 30)), (time(12), time(15, 30))]

    # 08:00 on a Monday is free only with the new hours (the demo hours start at 08:30).
    day = f.next_weekday(0)
    start = f.local(day, 8)
    samtale = MeetingType.objects.get(calendar__owner=kari, name="Samtale")
    booking.appointment_book(actor=anna, worker_id=kari.pk, meeting_type_id=samtale.pk, start=start)

    page.goto(f"/calendar/?week={day.isoformat()}")
    weekday = page.get_by_role("region", name=day_heading(day, language), exact=True)
    end = (start + timedelta(minutes=samtale.duration_minutes)).astimezone(ZoneInfo(kari.timezone))
    meeting = weekday.get_by_role("listitem").filter(has_text=f"08:00–{end:%H:%M} Anna Berg")
    expect(meeting).to_contain_text("Samtale")
    # The lunch break is on the grid too, between the two working periods.
    expect(weekday.get_by_role("listitem").filter(has_text="11:30–12:00")).to_have_count(1)


DESKTOP = {"width": 1366, "height": 900}


def _text(msgid: str) -> str:
    with translation.override("nb"):
        return gettext(msgid)


@pytest.fixture
def started_meeting(demo: None) -> Appointment:
    """Anna's meeting with Kari that began ten minutes ago (today, also just after midnight)."""
    kari = User.objects.get(username="worker1")
    anna = User.objects.get(username="user1")
    samtale = MeetingType.objects.get(calendar__owner=kari, name="Samtale")
    tz = ZoneInfo(kari.timezone)
    now = timezone.now().astimezone(tz).replace(second=0, microsecond=0)
    start = max(now - timedelta(minutes=10), now.replace(hour=0, minute=0))
    return f.make_appointment(samtale, anna, start)


def _block(page: Page, meeting: Appointment) -> Locator:
    start = meeting.start.astimezone(ZoneInfo("Europe/Oslo"))
    return page.get_by_role("link", name=re.compile(rf"^{start:%H:%M}–\d\d:\d\d Anna Berg, Samtale"))


def test_worker_opens_a_meeting_from_the_week_grid_marks_it_held_and_undoes_it(
    page: Page, started_meeting: Appointment, signed_in: Callable[[User, str], None]
) -> None:
    signed_in(User.objects.get(username="worker1"), "nb")
    page.set_viewport_size(DESKTOP)
    page.goto("/calendar/")

    today = page.locator("section.wg-day.is-today")
    block = today.get_by_role("listitem").filter(has=_block(page, started_meeting))
    expect(block).to_be_visible()
    expect(block).to_have_class(re.compile(r"\bwg-meeting\b"))
    _block(page, started_meeting).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Samtale")
    page.get_by_role("button", name=_text("Held"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(_text("Saved."))
    started_meeting.refresh_from_db()
    assert started_meeting.status == Appointment.Status.COMPLETED

    page.get_by_role("button", name=_text("Undo “Held”")).click()
    expect(page.get_by_role("status")).to_have_text(_text("The mark is undone. The meeting is booked again."))
    expect(page.get_by_role("region", name=_text("History"))).to_contain_text("Markering angret av Kari")
    started_meeting.refresh_from_db()
    assert started_meeting.status == Appointment.Status.BOOKED


def test_worker_marks_a_no_show_and_undoes_it_with_the_keyboard_only(
    page: Page, started_meeting: Appointment, signed_in: Callable[[User, str], None]
) -> None:
    signed_in(User.objects.get(username="worker1"), "nb")
    page.set_viewport_size(DESKTOP)
    page.goto("/calendar/")

    # Past the menu with the skip link, then forward to the meeting's block on the grid.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    block = _block(page, started_meeting)
    tab_to(page, block, limit=120)
    assert has_visible_focus(focus_ring(block)), f"no visible focus on the meeting: {focus_ring(block)}"
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Samtale")
    no_show = page.get_by_role("button", name=_text("Did not come"), exact=True)
    tab_to(page, no_show)
    assert has_visible_focus(focus_ring(no_show))
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_have_text(_text("Saved."))
    assert FollowUpTask.objects.filter(appointment=started_meeting, done_at__isnull=True).exists()

    undo = page.get_by_role("button", name=_text("Undo “Did not come”"))
    tab_to(page, undo)
    assert has_visible_focus(focus_ring(undo))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_have_text(_text("The mark is undone. The meeting is booked again."))
    started_meeting.refresh_from_db()
    assert started_meeting.status == Appointment.Status.BOOKED
    assert not FollowUpTask.objects.filter(appointment=started_meeting).exists()
