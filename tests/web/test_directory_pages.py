"""The directory's pages: public and working without JavaScript, curated by coordinators, and
tied into a person's plan, day and conversation with their worker."""

from datetime import date, time

import pytest

from conversations.models import Message
from services.models import RightsPage, SavedService, Service
from tests.services.support import EVERY_DAY, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def soup():
    return make_service(
        "Suppekjøkkenet", hours=tuple((d, time(0), time(23, 59)) for d in EVERY_DAY), open_on_holidays=True
    )


def test_anyone_finds_open_food_services_without_signing_in_or_javascript(web_client, soup):
    make_service("Bolighjelpen", categories=("housing",))

    page = web_client().get("/services/", {"category": "food", "open_now": "1"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Suppekjøkkenet" in html
    assert "Bolighjelpen" not in html
    assert f'href="/services/{soup.pk}/?near=sentrum"' in html  # a plain link: no script needed
    assert "Døgnåpent" in html


def test_the_card_has_what_for_whom_next_steps_todays_hours_a_phone_link_and_directions(web_client, soup):
    page = web_client(english=True).get(f"/services/{soup.pk}/")

    html = page.content.decode()
    assert 'href="tel:22000000"' in html
    assert "openstreetmap.org/directions" in html
    assert "Today" in html
    assert "00:00–00:00" not in html
    assert web_client().get(f"/services/{soup.pk + 100}/").status_code == 404


def test_the_map_serves_leaflet_from_our_own_static_files(web_client, soup):
    html = web_client().get("/services/map/").content.decode()

    assert "/static/web/vendor/leaflet-1.9.4/leaflet.js" in html
    assert 'id="services-markers"' in html
    assert "Suppekjøkkenet" in html
    assert "unpkg" not in html
    assert "cdn" not in html.lower()


def test_rights_pages_are_public_and_link_to_services_that_help(web_client, soup):
    page = RightsPage.objects.create(
        slug="legal-aid",
        title_nb="Gratis juridisk hjelp",
        title_en="Free legal aid",
        body_nb="a\n\nb",
        body_en="c",
        law="Rettshjelploven",
    )
    page.services.add(soup)

    html = web_client().get("/rights/legal-aid/").content.decode()
    assert "Rettshjelploven" in html
    assert f"/services/{soup.pk}/" in html


def test_a_coordinator_sees_entries_to_check_and_marks_one_still_right(web_client, world, soup):
    old = make_service("Gammel", verified=date(2020, 1, 1))
    coordinator = web_client(world.coordinator)

    html = coordinator.get("/directory/").content.decode()
    assert "1" in html
    assert "Gammel" in html

    coordinator.post(f"/directory/{old.pk}/verify/")
    old.refresh_from_db()
    assert old.last_verified > date(2020, 1, 1)


def test_a_coordinator_adds_a_service_with_hours_past_midnight(web_client, world):
    form = {
        "name": "Natthjemmet",
        "organization_name": "Byen",
        "description": "Seng for natten.",
        "categories": ["housing"],
        "cost": "free",
        "languages": "nb, en",
        "latitude": "59.91",
        "longitude": "10.75",
        "opens4": "20:00",
        "closes4": "08:00",
    }
    answer = web_client(world.coordinator).post("/directory/new/", form)

    service = Service.objects.get(name="Natthjemmet")
    assert answer.status_code == 302
    assert service.locations.get().weekly_hours.get().closes == time(8)
    assert service.languages == "nb,en"


def test_only_coordinators_curate(web_client, world, soup):
    assert web_client(world.worker).get("/directory/").status_code == 302
    assert web_client(world.worker).post(f"/directory/{soup.pk}/verify/").status_code == 302


def test_a_service_user_saves_a_service_to_their_plan_and_sees_it_on_my_day(web_client, world, soup):
    client = web_client(world.client)

    client.post(f"/services/{soup.pk}/save/")

    assert SavedService.objects.filter(user=world.client, service=soup).exists()
    assert "Suppekjøkkenet" in client.get("/my-plan/").content.decode()
    assert "Suppekjøkkenet" in client.get("/my-day/").content.decode()


def test_asking_the_worker_for_help_posts_one_message_in_their_conversation(web_client, world, soup):
    client = web_client(world.client)

    client.post(f"/services/{soup.pk}/ask/")
    client.post(f"/services/{soup.pk}/ask/")  # a double press

    [message] = Message.objects.filter(author=world.client)
    assert "Suppekjøkkenet" in message.text
    assert message.thread.client == world.client


def test_a_worker_suggests_a_service_to_their_own_client_only(web_client, world, soup):
    web_client(world.worker).post(f"/people/{world.client.pk}/suggest-service/", {"service": soup.pk})
    saved = SavedService.objects.get(user=world.client)
    assert saved.suggested_by == world.worker

    answer = web_client(world.other_worker).post(f"/people/{world.client.pk}/suggest-service/", {"service": soup.pk})
    assert answer.status_code == 404
