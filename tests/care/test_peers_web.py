"""The peer pages: "I'd like a peer" from My day, a peer accepting from the pool, choosing
what to share, and consent holding on the pages as in the API."""

import pytest
from django.conf import settings
from django.test import Client

from care.models import PeerRequest, Sharing
from care.services.peers import sharing_set
from tests.factories import local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def _web(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    return client


def test_a_user_asks_from_my_day_a_peer_accepts_and_the_user_sees_who(world) -> None:
    me = _web(world.client)
    assert "/peers/ask/" in me.get("/my-day/").content.decode()
    response = me.post("/peers/ask/", {"note": "", "next": "/my-day/"})
    assert response.status_code == 302
    assert response.url == "/my-day/"
    assert "Waiting for a peer" in me.get("/my-day/").content.decode()

    peer = _web(world.peer)
    request = PeerRequest.objects.get()
    pool = peer.get("/peer/").content.decode()
    assert f'action="/peer/requests/{request.pk}/accept/"' in pool
    assert world.client.get_full_name() not in pool  # the pool names nobody
    assert peer.post(f"/peer/requests/{request.pk}/accept/").status_code == 302
    assert world.client.get_full_name() in peer.get("/peer/").content.decode()

    assert f"{world.peer.first_name} will contact you." in me.get("/my-day/").content.decode()


def test_a_user_withdraws_from_the_peers_page(world) -> None:
    me = _web(world.client)
    me.post("/peers/ask/", {"note": "Kaffe?"})
    request = PeerRequest.objects.get()
    me.post(f"/peers/ask/{request.pk}/withdraw/")
    request.refresh_from_db()
    assert request.status == PeerRequest.Status.WITHDRAWN


def test_the_sharing_page_sets_and_stops_sharing(world) -> None:
    me = _web(world.client)
    page = me.get("/peers/sharing/").content.decode()
    assert world.peer.first_name in page
    prefix = f"p{world.peer.pk}"
    me.post("/peers/sharing/", {"peer": world.peer.pk, f"{prefix}-appointments": "on"})
    active = Sharing.objects.get(revoked_at__isnull=True)
    assert (active.appointments, active.plan) == (True, False)
    me.post("/peers/sharing/", {"peer": world.peer.pk, "stop": "1"})
    assert not Sharing.objects.filter(revoked_at__isnull=True).exists()


def test_the_peers_page_shows_shared_meetings_only_with_consent(world) -> None:
    meeting = make_appointment(world.meeting_type, world.client, local(next_weekday(1), 10))
    peer = _web(world.peer)
    assert peer.get(f"/peer/meetings/{meeting.pk}/").status_code == 404
    assert f"/peer/meetings/{meeting.pk}/" not in peer.get("/peer/").content.decode()
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    assert peer.get(f"/peer/meetings/{meeting.pk}/").status_code == 200
    assert f"/peer/meetings/{meeting.pk}/" in peer.get("/peer/").content.decode()
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert peer.get(f"/peer/meetings/{meeting.pk}/").status_code == 404


def test_service_users_and_workers_do_not_reach_the_peer_page(world) -> None:
    assert _web(world.client).get("/peer/").status_code == 302
    assert _web(world.worker).get("/peer/").status_code == 302


def test_a_next_address_on_another_site_is_ignored(world) -> None:
    response = _web(world.client).post("/peers/ask/", {"note": "", "next": "https://elsewhere.example/"})
    assert response.status_code == 302
    assert response.url == "/peers/"
