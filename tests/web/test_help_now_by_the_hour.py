"""Help now, honest by the hour: open, the button says who gets it and by when; closed (the
evening, the night, a weekend, a public holiday), it says so and shows large buttons to call
113, 116 117 and the crisis line; "we will contact you" only when a request really waits for
the opening; and the person sees who has seen their request."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from care.models import HelpRequest
from care.services import help as services
from people.models import User
from tests.care.help_support import CRISIS_NAME, arrange_rota, open_weekdays, oslo

pytestmark = pytest.mark.django_db

# Open Monday to Friday 08:00–15:30, Kari first on duty, ten minutes to answer.
TUESDAY_MORNING = oslo(2027, 3, 2, 10, 0)
TUESDAY_EVENING = oslo(2027, 3, 2, 19, 0)
WEDNESDAY_NIGHT = oslo(2027, 3, 3, 0, 57)
SATURDAY = oslo(2027, 3, 6, 11, 0)
SEVENTEENTH_OF_MAY = oslo(2027, 5, 17, 10, 0)  # a Monday
CHRISTMAS_DAY = oslo(2026, 12, 25, 10, 0)  # a Friday; the 26th is a holiday too


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client


@pytest.fixture
def weekdays(world, settings):
    settings.PUBLIC_HOLIDAYS_COUNTRY = "NO"  # off in the test settings; Norwegian holidays here
    open_weekdays(world.unit)
    return arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator)


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


def help_block(page: str) -> str:
    """The help section of My day."""
    return re.search(r'<section aria-labelledby="help-now-h".*?</section>', page, re.S).group(0)


def call_links(html: str) -> list[str]:
    return re.findall(r'<a class="call-button[^"]*" href="(tel:[^"]+)"', html)


def test_open_the_button_says_who_gets_it_and_by_when(world, weekdays, clock):
    clock(TUESDAY_MORNING)
    client = as_(world.client)
    block = help_block(client.get("/my-day/").content.decode())
    assert "Går til Kari på vakt, som svarer innen kl. 10:10" in block
    assert "Vi har stengt" not in block
    assert call_links(block) == []
    page = client.get("/help/").content.decode()
    assert "Går til Kari på vakt, som svarer innen kl. 10:10" in page
    # The numbers are there for whoever cannot wait, as large buttons.
    assert call_links(page) == ["tel:113", "tel:116117", "tel:116123"]


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (TUESDAY_EVENING, "i morgen kl. 08:00"),
        (WEDNESDAY_NIGHT, "i dag kl. 08:00"),
        (SATURDAY, "mandag 8. mars kl. 08:00"),
        (SEVENTEENTH_OF_MAY, "i morgen kl. 08:00"),
        (CHRISTMAS_DAY, "mandag 28. desember kl. 08:00"),
    ],
    ids=["evening", "night", "weekend", "17-may", "christmas-day"],
)
def test_closed_the_button_says_so_and_shows_the_numbers_to_call(world, weekdays, clock, moment, opens):
    clock(moment)
    client = as_(world.client)
    block = help_block(client.get("/my-day/").content.decode())
    assert "Vi har stengt nå." in block
    assert f"Vi ser den når vi åpner, {opens}" in block
    assert "får beskjed med en gang" not in block
    assert call_links(block) == ["tel:113", "tel:116117", "tel:116123"]
    assert CRISIS_NAME in block
    # No request is waiting, so nobody promises to get in touch.
    assert "Vi tar kontakt" not in block

    page = client.get("/help/").content.decode()
    assert "Vi har stengt nå." in page
    assert "Numre du kan ringe nå" in page
    # Closed: the numbers come before the button.
    assert page.index('class="call-button') < page.index('type="submit" class="button big primary"')
    assert "Vi tar kontakt" not in page


def test_at_night_a_waiting_request_promises_the_opening_and_is_routed_then(world, weekdays, clock):
    clock(WEDNESDAY_NIGHT)
    client = as_(world.client)
    client.post("/help/")
    request = HelpRequest.objects.get(user=world.client)
    assert request.status == HelpRequest.Status.WAITING

    for url in ("/my-day/", "/help/"):
        page = client.get(url).content.decode()
        assert "Vi tar kontakt med deg i dag kl. 08:00." in page
        # The measured problem: My day said someone on duty would get in touch while closed.
        assert "Noen som er på vakt, tar kontakt med deg" not in page
        assert call_links(page) == ["tel:113", "tel:116117", "tel:116123"]

    # The promise is true: at 08:00 the request goes to the person on duty.
    assert request.due_at == oslo(2027, 3, 3, 8, 0)
    services.help_requests_advance(now=request.due_at)
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ALERTING
    assert request.chain[0] == world.worker.pk


def test_a_unit_without_opening_hours_promises_nothing(world, clock):
    arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator)
    clock(TUESDAY_MORNING)
    client = as_(world.client)
    client.post("/help/")
    assert HelpRequest.objects.get(user=world.client).due_at is None
    for url in ("/my-day/", "/help/"):
        page = client.get(url).content.decode()
        assert "Vi har stengt akkurat nå. Beskjeden din er lagret." in page
        assert "Vi tar kontakt" not in page
        assert "tel:113" in page


def test_the_person_sees_who_has_seen_the_request_and_when(world, weekdays, clock):
    clock(oslo(2027, 3, 2, 14, 0))
    client = as_(world.client)
    client.post("/help/")
    request = HelpRequest.objects.get(user=world.client)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=oslo(2027, 3, 2, 14, 5))

    clock(oslo(2027, 3, 2, 14, 6))
    for url in ("/my-day/", "/help/"):
        page = client.get(url).content.decode()
        assert "Kari har sett forespørselen din kl. 14:05 og tar kontakt med deg." in page


def test_after_closing_an_acknowledged_request_still_shows_who_and_the_numbers(world, weekdays, clock):
    clock(oslo(2027, 3, 2, 15, 20))
    client = as_(world.client)
    client.post("/help/")
    request = HelpRequest.objects.get(user=world.client)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=oslo(2027, 3, 2, 15, 25))

    clock(oslo(2027, 3, 2, 16, 0) + timedelta(minutes=1))
    block = help_block(client.get("/my-day/").content.decode())
    assert "Kari har sett forespørselen din kl. 15:25" in block
    assert call_links(block) == ["tel:113", "tel:116117", "tel:116123"]


def test_a_person_without_a_unit_still_gets_the_page_and_the_numbers(world):
    world.client.unit = None
    world.client.save()
    client = as_(world.client)
    for url in ("/my-day/", "/help/"):
        response = client.get(url)
        assert response.status_code == 200
    assert "tel:113" in client.get("/help/").content.decode()
