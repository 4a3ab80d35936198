"""A social worker: sign in with user name and password, set working hours with a lunch
break, and see a service user's booking in the week view."""

import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking import services as booking
from booking.models import MeetingType, WorkingHours
from people.models import User
from tests import factories as f
from tests.browser.support import LANGUAGES, day_heading, names

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
    expect(weekday.get_by_role("listitem")).to_contain_text(f"08:00–{end:%H:%M} Anna Berg")
    expect(weekday.get_by_role("listitem")).to_contain_text("Samtale")
