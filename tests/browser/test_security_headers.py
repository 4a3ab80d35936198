"""The Content-Security-Policy in a real browser: every role's pages, the API documentation and
an htmx action work without one violation reported."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from people.models import User
from reminders.models import ReminderPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "user1": [
        "/my-day/",
        "/book/",
        "/meetings/",
        "/reminders/",
        "/details/",
        "/details/access-log/",
        "/details/everything/",
    ],
    "worker1": ["/today/", "/calendar/", "/caseload/", "/calendar/hours/"],
    "coordinator": ["/access-log/", "/handover/"],
}


def watch(page: Page) -> list[str]:
    """Everything the browser reports as refused by the policy, or as a script error."""
    seen: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            seen.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


@pytest.mark.parametrize("username", list(PAGES))
def test_every_roles_pages_load_without_a_policy_violation(page: Page, demo: None, signed_in, username: str) -> None:
    signed_in(User.objects.get(username=username))
    refused = watch(page)
    for path in PAGES[username]:
        response = page.goto(path)
        assert response is not None, path
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert refused == []


def test_the_api_documentation_renders_under_the_policy(page: Page, demo: None) -> None:
    refused = watch(page)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Triangel API")
    assert refused == []


def test_htmx_still_ticks_off_a_routine_under_the_policy(page: Page, demo: None, signed_in) -> None:
    """htmx is a file of ours and runs with the policy; its own inline style is turned off."""
    anna = User.objects.get(username="user1")
    ReminderPlan.objects.create(
        owner=anna,
        created_by=anna,
        kind=ReminderPlan.Kind.ROUTINE,
        title="Gå tur",
        rrule="FREQ=DAILY;BYHOUR=12;BYMINUTE=0",
        starts_on=date.today() - timedelta(days=1),
        channels=["sms"],
    )
    signed_in(anna)
    refused = watch(page)
    page.goto("/my-day/")
    done = page.locator("form[hx-post] button").first
    if done.count() == 0:
        pytest.fail("the demo data gives user1 something to tick off on My day")
    requests = []
    page.on("request", lambda request: requests.append(request.headers.get("hx-request")))
    done.click()
    page.wait_for_load_state("networkidle")
    assert "true" in requests  # the click went through htmx, not a full form post
    assert page.url.endswith("/my-day/")
    assert refused == []
