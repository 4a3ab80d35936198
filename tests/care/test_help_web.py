"""Urgent help on the web pages: the button on My day, the answer, Today, the rota."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AccessEntry
from care.models import DutyShift, HelpRequest, HelpSettings
from care.services import help as services
from people.models import User
from tests import factories as f
from tests.care.help_support import CRISIS_NAME, CRISIS_NUMBER, END_OF_DAY, OSLO, arrange_rota, open_weekdays

pytestmark = pytest.mark.django_db


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def open_now(world):
    open_weekdays(world.unit, days=range(7), start=time(0), end=END_OF_DAY)
    return arrange_rota(
        world.unit, world.worker, world.other_worker, world.coordinator, days=range(7), start=time(0), end=END_OF_DAY
    )


@pytest.fixture
def closed_now(world):
    tomorrow = (timezone.now().astimezone(OSLO) + timedelta(days=1)).weekday()
    open_weekdays(world.unit, days=[tomorrow], start=time(8), end=time(9))
    return arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator, days=[tomorrow])


def test_my_day_has_the_button_and_one_press_asks_for_help(world, open_now):
    client = as_(world.client)
    page = client.get("/my-day/").content.decode()
    assert "I need help now" in page

    response = client.post("/help/", follow=True)
    page = response.content.decode()
    assert HelpRequest.objects.filter(user=world.client, status="alerting").count() == 1
    assert "Kari is on duty." in page
    assert "Someone will answer you by" in page
    assert "113" in page

    # Pressing again shows the same request.
    client.post("/help/")
    assert HelpRequest.objects.count() == 1
    assert "See your help request" in client.get("/my-day/").content.decode()


def test_outside_opening_hours_the_page_shows_the_numbers_and_when_we_open(world, closed_now):
    page = as_(world.client).post("/help/", follow=True).content.decode()
    assert "We are closed right now" in page
    assert "08:00" in page
    assert "113" in page
    assert "116 117" in page
    assert CRISIS_NAME in page
    assert CRISIS_NUMBER in page


def test_the_worker_sees_it_on_today_and_acknowledges_it(world, open_now):
    services.help_request_create(user=world.client, message="Kan du ringe?")
    client = as_(world.worker)
    page = client.get("/today/").content.decode()
    assert world.client.get_full_name() in page
    assert "Kan du ringe?" in page
    assert "Alert 1 of 3." in page
    assert "left to answer" in page

    request = HelpRequest.objects.get()
    page = client.post(f"/help/requests/{request.pk}/acknowledge/", {"next": "/today/"}, follow=True)
    assert page.redirect_chain[-1][0] == "/today/"
    assert "Taken by Kari Nordmann" in page.content.decode()

    # The other person alerted later sees who took it and cannot take it again.
    services.help_requests_advance(now=timezone.now() + timedelta(hours=1))
    late = as_(world.coordinator).post(f"/help/requests/{request.pk}/acknowledge/", follow=True)
    assert "Kari Nordmann has already taken this request." in late.content.decode()


def test_resolving_on_the_web_needs_a_note(world, open_now):
    request, _ = services.help_request_create(user=world.client)
    client = as_(world.worker)
    assert client.post(f"/help/requests/{request.pk}/resolve/", {"note": ""}).status_code == 200
    client.post(f"/help/requests/{request.pk}/resolve/", {"note": "Ringte, alt i orden"})
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.RESOLVED
    assert request.resolution_note == "Ringte, alt i orden"


def test_staff_of_another_unit_get_404(world, open_now):
    request, _ = services.help_request_create(user=world.client)
    stranger = f.make_person(User.Role.SOCIAL_WORKER, f.make_unit("Nord"), "stranger")
    client = as_(stranger)
    assert client.get(f"/help/requests/{request.pk}/resolve/").status_code == 404
    assert client.post(f"/help/requests/{request.pk}/acknowledge/").status_code == 404
    assert world.client.get_full_name() not in client.get("/today/").content.decode()


def test_the_coordinator_keeps_the_rota_and_everyone_on_staff_can_read_it(world):
    coordinator = as_(world.coordinator)
    response = coordinator.post(
        "/help/rota/",
        {
            "shift-weekday": "0",
            "shift-start": "08:00",
            "shift-end": "15:30",
            "shift-staff": str(world.worker.pk),
            "shift-position": "1",
        },
    )
    assert response.status_code == 302
    shift = DutyShift.objects.get()
    assert (shift.staff, shift.weekday, shift.position) == (world.worker, 0, 1)

    coordinator.post(
        "/help/rota/",
        {
            "settings-leader": str(world.coordinator.pk),
            "settings-ack_minutes": "5",
            "settings-crisis_line_name": CRISIS_NAME,
            "settings-crisis_line_number": CRISIS_NUMBER,
        },
    )
    saved = HelpSettings.objects.get(unit=world.unit)
    assert (saved.leader, saved.ack_minutes, saved.crisis_line_number) == (world.coordinator, 5, CRISIS_NUMBER)

    page = as_(world.worker).get("/help/rota/").content.decode()
    assert "Kari Nordmann" in page
    assert "Add a shift" not in page
    assert as_(world.worker).post(f"/help/rota/shifts/{shift.pk}/delete/").status_code == 404

    coordinator.post(f"/help/rota/shifts/{shift.pk}/delete/")
    assert not DutyShift.objects.exists()


def test_a_shift_that_ends_before_it_starts_is_refused(world):
    response = as_(world.coordinator).post(
        "/help/rota/",
        {
            "shift-weekday": "0",
            "shift-start": "15:00",
            "shift-end": "08:00",
            "shift-staff": str(world.worker.pk),
            "shift-position": "1",
        },
    )
    assert response.status_code == 200
    assert "The end must be after the start." in response.content.decode()
    assert not DutyShift.objects.exists()


def test_a_refused_shift_is_shown_again_beside_the_other_rota_forms_as_they_were(world):
    HelpSettings.objects.create(unit=world.unit, leader=world.coordinator, ack_minutes=7)
    response = as_(world.coordinator).post(
        "/help/rota/",
        {
            "shift-weekday": "0",
            "shift-start": "15:00",
            "shift-end": "08:00",
            "shift-staff": str(world.worker.pk),
            "shift-position": "1",
        },
    )
    assert response.status_code == 200
    assert response.context["shift_form"].is_bound
    assert response.context["shift_form"].errors
    assert not response.context["cover_form"].is_bound
    settings_form = response.context["settings_form"]
    assert not settings_form.is_bound
    assert (settings_form.initial["leader"], settings_form.initial["ack_minutes"]) == (world.coordinator.pk, 7)


def test_staff_who_are_not_coordinators_cannot_post_to_the_rota(world):
    response = as_(world.worker).post(
        "/help/rota/",
        {
            "shift-weekday": "0",
            "shift-start": "08:00",
            "shift-end": "15:30",
            "shift-staff": str(world.worker.pk),
            "shift-position": "1",
        },
    )
    assert response.status_code == 404
    assert not DutyShift.objects.exists()


def test_a_service_user_cannot_open_the_staff_pages(world):
    client = as_(world.client)
    assert client.get("/help/rota/").status_code == 302
    assert client.get("/help/requests/").status_code == 302


def test_today_reads_the_help_requests_in_a_fixed_number_of_queries(world, open_now):
    client = as_(world.worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/today/").status_code == 200
        return len(queries)

    services.help_request_create(user=world.client)
    one = count()
    for n in range(3):
        person = f.make_person(User.Role.SERVICE_USER, world.unit, f"asker{n}")
        services.help_request_create(user=person)
    assert count() == one


def test_the_person_presses_i_no_longer_need_help_and_the_request_closes(world, open_now):
    user = as_(world.client)
    user.post("/help/", {"message": ""})
    request = HelpRequest.objects.get(user=world.client)
    page = user.get("/help/").content.decode()
    assert f"/help/{request.pk}/withdraw/" in page

    response = user.post(f"/help/{request.pk}/withdraw/")

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.RESOLVED
    assert f"/help/{request.pk}/withdraw/" not in user.get("/help/").content.decode()


def test_withdrawing_someone_elses_request_on_the_web_is_a_404(world, open_now):
    as_(world.client).post("/help/", {"message": ""})
    request = HelpRequest.objects.get(user=world.client)
    assert as_(world.other_client).post(f"/help/{request.pk}/withdraw/").status_code == 404
    assert HelpRequest.objects.get(pk=request.pk).status != HelpRequest.Status.RESOLVED


def test_a_help_card_has_the_persons_number_to_call_and_a_link_to_their_page(world, open_now):
    services.help_request_create(user=world.client, message="Ring meg")

    page = as_(world.worker).get("/today/").content.decode()

    assert 'href="tel:+4740000001"' in page
    assert f'href="/people/{world.client.pk}/"' in page
    assert AccessEntry.objects.filter(actor=world.worker, subject=world.client, what="contact").exists()


def test_staff_who_may_not_open_the_person_get_the_number_but_no_link(world, open_now):
    services.help_request_create(user=world.client)
    services.help_requests_advance(now=timezone.now() + timedelta(minutes=11))
    # The second on duty does not follow the person: the card and the number, not their page.
    page = as_(world.other_worker).get("/help/requests/").content.decode()

    assert 'href="tel:+4740000001"' in page
    assert f'href="/people/{world.client.pk}/"' not in page
