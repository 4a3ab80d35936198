"""The service directory in Chromium at phone width: axe-core on the list, a card and the map
in both languages, and a person finding the nearest open food service in three taps (with the
screenshots docs/screenshots/services-*.png)."""

import base64

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from services import geo, selectors
from services.models import Service
from tests.browser.support import LANGUAGES, SCREENSHOTS
from tests.browser.test_accessibility import Findings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One light-grey pixel: stands in for every map tile, so the tests need no network.
_TILE = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGN48eYZAAV6Aru9CW2wAAAAAElFTkSuQmCC")


def _offline_tiles(page: Page) -> None:
    page.route("https://tile.openstreetmap.org/**", lambda route: route.fulfill(body=_TILE, content_type="image/png"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_list_card_and_map_have_no_serious_accessibility_violations(
    page: Page, context: BrowserContext, live_server: LiveServer, demo: None, language: str
) -> None:
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    _offline_tiles(page)
    service = Service.objects.order_by("name").first()
    findings = Findings(language)
    for name, url in [
        ("services list", "/services/"),
        ("services list food open", "/services/?category=food&open_now=1"),
        ("service card", f"/services/{service.pk}/"),
        ("rights", "/rights/"),
        ("rights page", "/rights/legal-aid/"),
    ]:
        findings.visit(page, name, url)
    findings.visit(page, "services map", "/services/map/")
    expect(page.locator(".leaflet-marker-icon").first).to_be_visible()
    findings.check(page, "services map with markers")
    findings.assert_none()


def test_a_person_on_a_phone_finds_the_nearest_open_food_service_in_three_taps(
    page: Page, live_server: LiveServer, demo: None
) -> None:
    _offline_tiles(page)
    expected = selectors.services_find(category="food", open_now=True, near=geo.places()[0].point)[0]
    with translation.override("nb"):
        food = next(c.name for c in selectors.categories() if c.code == "food")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/services/")
    page.get_by_role("link", name=food, exact=True).click()  # tap 1
    page.get_by_role("button", name="Åpent nå").click()  # tap 2
    expect(page.locator(".chip-toggle")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=SCREENSHOTS / "services-list.png", full_page=True, animations="disabled", caret="hide")
    page.locator(".directory-results a").first.click()  # tap 3

    expect(page.get_by_role("heading", level=1)).to_have_text(expected.service.name)
    expect(page.locator('a[href^="tel:"]')).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "services-card.png", full_page=True, animations="disabled", caret="hide")

    page.goto("/services/map/?category=food")
    expect(page.locator(".leaflet-marker-icon")).to_have_count(Service.objects.filter(categories__code="food").count())
    page.screenshot(path=SCREENSHOTS / "services-map.png", full_page=False, animations="disabled", caret="hide")
