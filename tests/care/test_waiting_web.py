"""The waiting list in the web app: offered on the booking page exactly when nothing is
free, joined and left without JavaScript, and an open offer taken from the person's page."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from booking.models import Appointment, CalendarOverride
from care.models import WaitingEntry, WaitingOffer
from care.services import waiting
from tests import factories as f

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def full(world):
    world.calendar.working_hours.all().delete()
    start = f.local(f.next_weekday(3, 3), 9)
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="extra", start=start, end=start + timedelta(minutes=45)
    )
    return world, f.make_appointment(world.meeting_type, world.other_client, start)


def test_the_booking_page_offers_the_waiting_list_only_when_nothing_is_free(world):
    page = signed_in(world.client).get(f"/book/{world.meeting_type.pk}/").content.decode()
    assert "Put me on the waiting list" not in page


def test_joining_and_leaving_from_the_booking_page(full):
    world, _held = full
    client = signed_in(world.client)
    page = client.get(f"/book/{world.meeting_type.pk}/").content.decode()
    assert "Put me on the waiting list" in page

    response = client.post(f"/waiting/join/{world.meeting_type.pk}/")
    assert response.status_code == 302
    entry = WaitingEntry.objects.get(user=world.client)
    page = client.get(f"/book/{world.meeting_type.pk}/").content.decode()
    assert "You are on the waiting list" in page
    assert "Put me on the waiting list" not in page

    client.post(f"/waiting/{entry.pk}/leave/")
    entry.refresh_from_db()
    assert entry.status == WaitingEntry.Status.LEFT


def test_an_open_offer_is_shown_and_taken_on_the_web(full, settings):
    settings.WAITING_OFFER_FROM_HOUR, settings.WAITING_OFFER_UNTIL_HOUR = 0, 24
    world, held = full
    waiting.waiting_entry_join(user=world.client, meeting_type_id=world.meeting_type.pk)
    held.status = Appointment.Status.CANCELLED
    held.save(update_fields=["status"])
    offer = waiting.waiting_slot_freed(appointment_id=held.pk)
    assert offer is not None
    client = signed_in(world.client)
    for url in ("/my-day/", "/waiting/"):
        assert "A time has freed up for you" in client.get(url).content.decode()
    # Someone else's offer does not exist for them (the project-wide 404), and stays open.
    assert signed_in(world.other_client).post(f"/waiting/offers/{offer.pk}/accept/").status_code == 404
    assert WaitingOffer.objects.get().status == WaitingOffer.Status.OPEN

    response = client.post(f"/waiting/offers/{offer.pk}/accept/")
    booked = Appointment.objects.get(client=world.client)
    assert response.url == f"/meetings/{booked.pk}/booked/"
    assert booked.start == held.start
    assert timezone.now() < booked.start


def test_leaving_or_answering_something_that_is_not_yours_is_a_404(world):
    client = signed_in(world.client)
    assert client.post("/waiting/999999/leave/").status_code == 404
    assert client.post("/waiting/offers/999999/accept/").status_code == 404
