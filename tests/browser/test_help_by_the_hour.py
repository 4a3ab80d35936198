"""Help now at phone width, open and closed: the tap-to-call buttons are at least 48×48 px,
axe-core finds nothing serious, and the two states are saved as screenshots."""

from collections.abc import Callable

import pytest
from django.utils.translation import gettext, override
from playwright.sync_api import Page, expect

from care.models import HelpRequest
from people.models import User
from tests.browser.conftest import PHONE_VIEWPORT
from tests.browser.help_scene import closed_until_tomorrow, open_all_day_with_kari_first
from tests.browser.support import BLOCKING, SCREENSHOTS, axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_TARGET = 48


def nb(msgid: str) -> str:
    with override("nb"):
        return gettext(msgid)


def call_buttons_measured(page: Page) -> dict[str, dict]:
    """Each tap-to-call link on the page by its number, with its box in CSS pixels."""
    links = page.locator("a[href^='tel:']")
    expect(links.first).to_be_visible()
    return {link.get_attribute("href"): link.bounding_box() for link in links.all()}


def too_small(boxes: dict[str, dict]) -> dict[str, tuple[float, float]]:
    return {
        href: (box["width"], box["height"])
        for href, box in boxes.items()
        if box["width"] < MIN_TARGET or box["height"] < MIN_TARGET
    }


def no_serious_axe_findings(page: Page, name: str) -> None:
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, describe({name: blocking})


def test_closed_at_390px_the_numbers_are_large_buttons_and_the_promise_is_the_opening(
    page: Page, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    closed_until_tomorrow()
    anna = User.objects.get(username="user1")
    signed_in(anna, "nb")
    assert page.viewport_size == PHONE_VIEWPORT

    page.goto("/my-day/")
    help_block = page.get_by_role("region", name=nb("Need someone now?"))
    expect(help_block).to_contain_text(nb("We are closed now."))
    boxes = call_buttons_measured(page)
    assert {"tel:113", "tel:116117"} <= set(boxes)
    assert not too_small(boxes), too_small(boxes)
    no_serious_axe_findings(page, "my day, closed")

    page.get_by_role("button", name=nb("I need help now")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(nb("I need help now"))
    assert HelpRequest.objects.get(user=anna).status == HelpRequest.Status.WAITING
    main = page.get_by_role("main")
    expect(main).to_contain_text(nb("We are closed right now. Your request is saved."))
    expect(main).to_contain_text("08:00")
    numbers = page.get_by_role("region", name=nb("Numbers you can call now"))
    expect(numbers.get_by_role("link", name="113")).to_have_attribute("href", "tel:113")
    boxes = call_buttons_measured(page)
    assert set(boxes) == {"tel:113", "tel:116117", "tel:116123"}
    assert not too_small(boxes), too_small(boxes)
    no_serious_axe_findings(page, "help now, closed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "help-now-closed-390.png", full_page=True, animations="disabled", caret="hide")


def test_open_at_390px_the_page_says_who_gets_it_and_the_numbers_are_large_buttons(
    page: Page, demo: None, signed_in: Callable[[User, str], None]
) -> None:
    open_all_day_with_kari_first()
    signed_in(User.objects.get(username="user1"), "nb")

    page.goto("/help/")
    expect(page.get_by_role("main")).to_contain_text("Kari")
    boxes = call_buttons_measured(page)
    assert not too_small(boxes), too_small(boxes)
    no_serious_axe_findings(page, "help now, open")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "help-now-open-390.png", full_page=True, animations="disabled", caret="hide")
