"""Pictures of the main pages at phone width in docs/screenshots/, so a reader can see the
service without running it. Written again on every run."""

import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page

from booking.models import Appointment
from people.models import User
from tests.browser import scenes
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.support import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">I", header[16:20])[0]


def test_main_pages_at_phone_width_are_saved_as_screenshots(
    page: Page, context: BrowserContext, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    scene = scenes.arrange()
    m, s = scene.meeting.pk, scene.samtale.pk
    shots = [
        (None, "nb", "nb-login", "/login/"),
        (scene.anna, "nb", "nb-my-day", "/my-day/"),
        (scene.anna, "nb", "nb-book-times", f"/book/{s}/"),
        (scene.anna, "nb", "nb-book-confirm", f"/book/{s}/confirm/?start={scene.free_start_param()}"),
        (scene.anna, "nb", "nb-booked", f"/meetings/{m}/booked/"),
        (scene.anna, "nb", "nb-meetings", "/meetings/"),
        (scene.anna, "nb", "nb-reminders", "/reminders/"),
        (scene.anna, "en", "en-my-day", "/my-day/"),
        (scene.kari, "nb", "worker-today", "/today/"),
        (scene.kari, "nb", "worker-calendar", "/calendar/"),
        (scene.kari, "nb", "worker-hours", "/calendar/hours/"),
        (scene.kari, "nb", "caseload", "/caseload/"),
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for user, language, name, url in shots:
        context.clear_cookies()
        if user is not None:
            signed_in(user, language)
        response = page.goto(url)
        assert response is not None
        assert response.ok, f"{name}: {url} answered {response.status}"
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        assert _png_width(path) == PHONE_VIEWPORT["width"], f"{name} is wider than the phone"


DESKTOP_VIEWPORT = {"width": 1366, "height": 900}


def test_the_workers_week_grid_and_meeting_page_are_saved_as_screenshots(
    page: Page, context: BrowserContext, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    scene = scenes.arrange()
    signed_in(scene.kari, "nb")
    # The meeting that started an hour ago: its page offers to mark it held or not attended.
    started = (
        Appointment.objects.filter(calendar__owner=scene.kari, start__lte=timezone.now())
        .exclude(status=Appointment.Status.CANCELLED)
        .latest("start")
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = [
        ("worker-week-grid", "/calendar/", DESKTOP_VIEWPORT),
        ("worker-meeting-panel", f"/calendar/meetings/{started.pk}/", DESKTOP_VIEWPORT),
    ]
    for name, url, viewport in shots:
        page.set_viewport_size(viewport)
        response = page.goto(url)
        assert response is not None
        assert response.ok, f"{name}: {url} answered {response.status}"
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        assert _png_width(path) == viewport["width"], f"{name} is not {viewport['width']} px wide"
