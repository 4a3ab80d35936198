"""The unit's picture in a browser, on the demo data, in both languages: plots and tables
shown, no serious or critical axe-core violations; a screenshot for the documentation."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from people.models import User
from tests.browser.support import BLOCKING, axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "unit-insight.png"
TITLE = {"nb": "Enheten i tall", "en": "The unit's picture"}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_coordinator_reads_the_units_picture_with_plots_and_tables(
    page: Page, live_server: LiveServer, demo: None, signed_in: Callable[[User, str], None], language: str
) -> None:
    signed_in(User.objects.get(username="coordinator"), language)
    page.set_viewport_size({"width": 1280, "height": 1600})
    page.goto(f"{live_server.url}/unit/insight/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE[language])
    expect(page.locator("svg.plot")).to_have_count(8)
    expect(page.locator("section#meetings table tbody tr")).not_to_have_count(0)
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert blocking == [], describe({"insight": blocking})
    if language == "nb":
        page.screenshot(path=str(SCREENSHOT), full_page=False)
