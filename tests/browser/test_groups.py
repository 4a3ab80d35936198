"""A social worker opens a service user's responsibility group, picks a time when everyone
is free, sees whose calendars and which e-mails the booking reaches, confirms, and sees it in their calendar week."""

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from care.models import GroupMeeting, ResponsibilityGroup
from people.models import User
from tests.browser.support import BLOCKING, axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_books_a_group_meeting_from_a_proposed_time_and_sees_it_in_the_calendar(
    page: Page, demo: None, signed_in
) -> None:
    kari = User.objects.get(username="worker1")
    jonas = User.objects.get(username="user2")
    group = ResponsibilityGroup.objects.get(client=jonas)
    signed_in(kari, "en")

    page.goto("/today/")
    menu = page.get_by_role("navigation")
    # On a phone the menu shows four items; Groups is under "More".
    menu.get_by_text("More").click()
    menu.get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="Group of Jonas Lie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group of Jonas Lie")
    expect(page.get_by_role("button", name="Take out Nina Solberg")).to_be_visible()

    find = page.get_by_role("region", name="Find a time")
    first = find.get_by_role("button", name=re.compile(r"^Book \d\d:\d\d")).first
    expect(first).to_be_visible()
    first.focus()
    page.keyboard.press("Enter")

    # Nothing is booked until the confirm page's own button: it lists who is reached.
    expect(page.get_by_role("heading", level=1)).to_have_text("Book the group meeting?")
    assert not GroupMeeting.objects.filter(group=group).exists()
    expect(page.get_by_role("region", name="Booked in these calendars")).to_contain_text("Kari")
    expect(page.get_by_role("link", name="Back")).to_be_visible()
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, describe({"group booking confirm": blocking})
    page.get_by_role("button", name="Yes, book it").click()

    expect(page.get_by_role("status")).to_have_text("The meeting is booked in everyone's calendar.")
    meeting = GroupMeeting.objects.get(group=group)
    booked = Appointment.objects.filter(group_link__meeting=meeting)
    assert {a.calendar.owner.username for a in booked} == {"worker1", "peer1"}
    assert all(a.client == jonas for a in booked)

    page.get_by_role("link", name="Show in my calendar").click()
    expect(page).to_have_url(re.compile(r"/calendar/\?week="))
    start = meeting.start.astimezone(ZoneInfo(kari.timezone))
    entry = page.get_by_role("main").get_by_text(re.compile(rf"{start:%H:%M}–\d\d:\d\d Jonas Lie"))
    expect(entry).to_be_visible()
