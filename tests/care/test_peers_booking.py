"""Peers as partners: a service user books a peer's meeting type like their worker's."""

import pytest
from django.test import Client

from booking.models import Appointment
from booking.slots import slots_for
from tests.factories import next_weekday

pytestmark = pytest.mark.django_db


def _first_free(world):
    day = next_weekday(1)
    return slots_for(meeting_type=world.peer_meeting_type, actor=world.client, first_day=day, last_day=day)[0]


def test_a_service_user_books_a_peers_meeting_type_in_the_api(world, api) -> None:
    user = api.as_(world.client)
    assert world.peer.pk in {w["id"] for w in user.get("/api/workers/").json()}
    types = user.get(f"/api/workers/{world.peer.pk}/meeting-types/").json()
    assert [t["name"] for t in types] == ["Kaffe og en prat"]
    slot = _first_free(world)
    response = user.post(
        "/api/appointments/",
        {"worker": world.peer.pk, "meeting_type": world.peer_meeting_type.pk, "start": slot.start.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Appointment.objects.get().calendar == world.peer_calendar


def test_the_web_booking_offers_the_worker_and_the_peer(world) -> None:
    web = Client()
    web.force_login(world.client)
    my_day = web.get("/my-day/").content.decode()
    assert f'href="/book/{world.meeting_type.pk}/"' in my_day  # still one tap to the worker's times
    assert f'href="/book/{world.peer_meeting_type.pk}/"' in my_day
    choose = web.get("/book/").content.decode()
    assert f'href="/book/{world.peer_meeting_type.pk}/"' in choose

    slot = _first_free(world)
    response = web.post(
        f"/book/{world.peer_meeting_type.pk}/confirm/", {"start": slot.start.isoformat(), "token": "t-1"}
    )
    assert response.status_code == 302
    assert Appointment.objects.get().calendar == world.peer_calendar


def test_the_peers_page_lists_what_can_be_booked_with_a_peer(world) -> None:
    web = Client()
    web.force_login(world.client)
    page = web.get("/peers/").content.decode()
    assert f'href="/book/{world.peer_meeting_type.pk}/"' in page
    assert f'href="/book/{world.meeting_type.pk}/"' not in page
