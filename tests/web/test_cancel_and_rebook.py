"""Cancelling needs no explanation, says who would see one, and offers a new time right away."""

import pytest

from booking.models import Appointment
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(world):
    return f.make_appointment(world.meeting_type, world.client, f.local(f.next_weekday(1), 10))


def test_a_meeting_is_cancelled_without_a_reason_and_new_times_are_offered(world, web_client, meeting):
    client = web_client(world.client)
    form = client.get(f"/meetings/{meeting.pk}/cancel/").content.decode()
    assert "(valgfritt)" in form
    assert "bare de ansatte som følger deg opp som ser det" in form
    response = client.post(f"/meetings/{meeting.pk}/cancel/", {"reason": ""}, follow=True)
    page = response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.CANCELLED
    assert meeting.cancel_reason == ""
    assert "Møtet er avlyst" in page
    assert "Vil du ha en ny tid?" in page
    assert page.count(f'href="/book/{world.meeting_type.pk}/confirm/?start=') == 3


def test_the_offered_time_leads_to_the_confirmation_in_one_tap(world, web_client, meeting):
    client = web_client(world.client)
    page = client.post(f"/meetings/{meeting.pk}/cancel/", {"reason": "Syk"}, follow=True).content.decode()
    link = page.split(f'href="/book/{world.meeting_type.pk}/confirm/?start=', 1)[1].split('"', 1)[0]
    confirm = client.get(f"/book/{world.meeting_type.pk}/confirm/?start={link}")
    assert confirm.status_code == 200
    assert "Bekreft" in confirm.content.decode() or "bekreft" in confirm.content.decode()


def test_the_cancelled_page_of_a_meeting_still_booked_goes_back_to_the_meeting(world, web_client, meeting):
    response = web_client(world.client).get(f"/meetings/{meeting.pk}/cancelled/")
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"


def test_another_persons_cancelled_page_is_not_found(world, web_client, meeting):
    other = web_client(world.other_client)
    assert other.get(f"/meetings/{meeting.pk}/cancelled/").status_code == 404


def test_the_api_cancels_without_a_reason(world, api, meeting):
    response = api.as_(world.client).post(f"/api/appointments/{meeting.pk}/cancel/", {}, format="json")
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.CANCELLED
