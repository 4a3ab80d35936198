"""A service user on a phone: sign in with an SMS code, book in three taps, cancel."""

import re
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment, WorkingHours
from people.models import User
from tests.browser.support import LANGUAGES, day_heading, names, sms_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "40000201"  # user1 in the demo data
PHONE_E164 = "+4740000201"


def _worker_available_every_day(worker: User) -> None:
    # With hours on all seven days the first free time is always today or tomorrow, so the
    # booked meeting shows on My day whatever day of the week the test runs.
    calendar = worker.calendar
    calendar.working_hours.all().delete()
    WorkingHours.objects.bulk_create(
        [WorkingHours(calendar=calendar, weekday=d, start=time(8), end=time(11, 30)) for d in range(7)]
        + [WorkingHours(calendar=calendar, weekday=d, start=time(12), end=time(23)) for d in range(7)]
    )


def _sign_in_with_sms_code(page: Page, sms_file: Path, language: str) -> None:
    n = names(language)
    page.goto("/")
    if language != "nb":
        # Norwegian is the default; the header's language button switches.
        page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(n["sign_in"])
    page.get_by_label(n["phone"]).fill(PHONE)
    page.get_by_role("button", name=n["send_code"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(n["enter_code"])
    page.get_by_label(n["code"]).fill(sms_code(sms_file, PHONE_E164))
    page.get_by_role("button", name=n["sign_in"], exact=True).click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_service_user_signs_in_with_sms_code_books_in_three_taps_and_cancels(
    page: Page, demo: None, sms_file: Path, language: str
) -> None:
    n = names(language)
    anna = User.objects.get(username="user1")
    # Someone who reads English has it saved; signing in keeps the saved language.
    User.objects.filter(pk=anna.pk).update(language=language)
    _worker_available_every_day(User.objects.get(username="worker1"))

    _sign_in_with_sms_code(page, sms_file, language)

    expect(page).to_have_url(re.compile(r"/my-day/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(n["hello"] % {"name": "Anna"})

    # Tap 1: the meeting type on My day.
    page.get_by_role("region", name=n["book_a_meeting"]).get_by_role("link", name=re.compile(r"^Samtale")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(n["choose_time"])
    # Tap 2: the first free time.
    first_time = page.get_by_role("main").get_by_role("link", name=re.compile(r"^\d\d:\d\d"))
    chosen = first_time.first.inner_text().split()[0]
    first_time.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(n["is_this_right"])
    # Tap 3: confirm.
    page.get_by_role("button", name=n["yes_book"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(n["booked"])
    expect(page.get_by_role("status")).to_contain_text("Samtale")
    expect(page.get_by_role("status")).to_contain_text(chosen)
    appointment = Appointment.objects.get(client=anna, status=Appointment.Status.BOOKED)
    start = appointment.start.astimezone(ZoneInfo(anna.timezone))
    assert start.strftime("%H:%M") == chosen

    page.get_by_role("link", name=n["back_to_day"]).click()
    day = start.date()
    day_section = page.get_by_role("region", name=re.compile(re.escape(day_heading(day, language))))
    expect(day_section.get_by_role("listitem")).to_contain_text(chosen)
    expect(day_section.get_by_role("link", name="Samtale", exact=True)).to_be_visible()

    # Cancel with a reason, from My meetings.
    page.get_by_role("navigation").get_by_role("link", name=n["my_meetings"]).click()
    page.get_by_role("main").get_by_role("link", name=re.compile(r"Samtale")).click()
    page.get_by_role("link", name=n["cancel"]).click()
    page.get_by_label(n["why_cancel"]).fill("Jeg er syk")
    page.get_by_role("button", name=n["cancel"]).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(n["cancelled"])
    # A new time is offered right away, each one tap from the confirmation.
    expect(page.get_by_role("heading", level=2)).to_have_text(n["new_time"])
    expect(page.locator("main a.slot").first).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Jeg er syk"
