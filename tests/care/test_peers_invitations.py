"""Inviting a peer to a meeting with the social worker: the invitation is consent for that one
meeting; the peer is told, answers yes or no, and the worker sees that a peer is coming."""

import pytest
from django.conf import settings
from django.test import Client

from booking.models import Appointment
from care.models import PeerInvitation
from care.services.peers import sharing_set
from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind
from tests import factories as f
from tests.factories import local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(world):
    return make_appointment(world.meeting_type, world.client, local(next_weekday(1), 10))


def _invite(api, world, meeting, peer_id):
    return api.as_(world.client).post(
        "/api/peer-invitations/", {"appointment": meeting.pk, "peer": peer_id}, format="json"
    )


def test_a_user_invites_a_peer_they_share_with_and_the_peer_is_told(world, api, meeting) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=True)
    response = _invite(api, world, meeting, world.peer.pk)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "invited"
    notice = Delivery.objects.get(kind=MessageKind.PEER_POOL)
    assert notice.recipient == world.peer
    assert notice.context == {"what": "invitation"}
    assert notice.occurrence_at == meeting.start


def test_a_peer_the_user_does_not_share_with_cannot_be_picked(world, api, meeting) -> None:
    response = _invite(api, world, meeting, world.peer.pk)
    assert response.status_code == 400
    assert "peer" in response.json()["error"]["fields"]
    assert not PeerInvitation.objects.exists()


def test_any_peer_goes_to_the_pool_and_the_first_yes_takes_it(world, api, meeting) -> None:
    second = f.make_person(User.Role.PEER, world.unit, "peer2")
    response = _invite(api, world, meeting, None)
    assert response.status_code == 201, response.content
    invitation_id = response.json()["id"]
    assert {d.recipient_id for d in Delivery.objects.filter(kind=MessageKind.PEER_POOL)} == {
        world.peer.pk,
        second.pk,
    }
    # Both see it in the pool (time and place of that one meeting).
    assert [i["id"] for i in api.as_(second).get("/api/peer-invitations/").json()] == [invitation_id]

    assert api.as_(second).post(f"/api/peer-invitations/{invitation_id}/accept/").status_code == 200
    late = api.as_(world.peer).post(f"/api/peer-invitations/{invitation_id}/accept/")
    assert late.status_code in (404, 409)
    invitation = PeerInvitation.objects.get()
    assert (invitation.status, invitation.peer) == (PeerInvitation.Status.ACCEPTED, second)
    told = Delivery.objects.get(kind=MessageKind.PEER_ASSIGNED)
    assert told.recipient == world.client
    assert told.context["peer"] == second.first_name
    # The one who said yes sees the meeting; the other does not.
    assert api.as_(second).get(f"/api/appointments/{meeting.pk}/").status_code == 200
    assert api.as_(world.peer).get(f"/api/appointments/{meeting.pk}/").status_code == 404


def test_a_peer_declines_and_no_longer_sees_the_meeting(world, api, meeting) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=True)
    invitation_id = _invite(api, world, meeting, world.peer.pk).json()["id"]
    peer = api.as_(world.peer)
    assert peer.get(f"/api/appointments/{meeting.pk}/").status_code == 200
    assert peer.post(f"/api/peer-invitations/{invitation_id}/decline/").json()["status"] == "declined"
    assert peer.get(f"/api/appointments/{meeting.pk}/").status_code == 404
    # The user may invite again after a no.
    assert _invite(api, world, meeting, None).status_code == 201


def test_one_live_invitation_per_meeting(world, api, meeting) -> None:
    assert _invite(api, world, meeting, None).status_code == 201
    second = _invite(api, world, meeting, None)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "peer_already_invited"


def test_someone_elses_meeting_cannot_take_an_invitation(world, api) -> None:
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(1), 10))
    assert _invite(api, world, theirs, None).status_code == 404


def test_a_withdrawn_invitation_hides_the_meeting_again(world, api, meeting) -> None:
    invitation_id = _invite(api, world, meeting, None).json()["id"]
    api.as_(world.peer).post(f"/api/peer-invitations/{invitation_id}/accept/")
    assert api.as_(world.peer).get(f"/api/appointments/{meeting.pk}/").status_code == 200
    assert api.as_(world.client).post(f"/api/peer-invitations/{invitation_id}/withdraw/").status_code == 200
    assert api.as_(world.peer).get(f"/api/appointments/{meeting.pk}/").status_code == 404


def test_the_worker_sees_on_today_that_a_peer_is_coming(world, api) -> None:
    from django.utils import timezone

    from booking.models import Appointment

    soon = timezone.now() + __import__("datetime").timedelta(minutes=30)
    meeting = make_appointment(world.meeting_type, world.client, soon)
    if meeting.start.astimezone(f.OSLO).date() != timezone.now().astimezone(f.OSLO).date():
        pytest.skip("the test runs too close to midnight for a meeting later today")
    invitation_id = _invite(api, world, meeting, None).json()["id"]
    api.as_(world.peer).post(f"/api/peer-invitations/{invitation_id}/accept/")

    web = Client()
    web.force_login(world.worker)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    page = web.get("/today/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Peer coming: {world.peer.first_name}" in page
    assert Appointment.objects.get(pk=meeting.pk).status == "booked"


def test_the_meeting_page_lets_the_user_invite_a_peer(world, meeting) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    web = Client()
    web.force_login(world.client)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    page = web.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'action="/meetings/{meeting.pk}/invite-peer/"' in page
    response = web.post(f"/meetings/{meeting.pk}/invite-peer/", {"peer": str(world.peer.pk)})
    assert response.status_code == 302
    invitation = PeerInvitation.objects.get()
    assert invitation.peer == world.peer
    assert invitation.appointment == meeting

    peer_web = Client()
    peer_web.force_login(world.peer)
    peer_web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    assert peer_web.get(f"/peer/meetings/{meeting.pk}/").status_code == 200
    assert peer_web.post(f"/peer/invitations/{invitation.pk}/accept/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == PeerInvitation.Status.ACCEPTED


def test_the_worker_sees_in_the_week_view_that_a_peer_is_coming(world, api, meeting) -> None:
    invitation_id = _invite(api, world, meeting, None).json()["id"]
    api.as_(world.peer).post(f"/api/peer-invitations/{invitation_id}/accept/")
    web = Client()
    web.force_login(world.worker)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    week = meeting.start.astimezone(f.OSLO).date().isoformat()
    page = web.get(f"/calendar/?week={week}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Peer coming: {world.peer.first_name}" in page


def test_the_coming_peer_is_told_when_the_meeting_moves_and_when_it_is_cancelled(world, api, meeting) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=True)
    invitation_id = _invite(api, world, meeting, world.peer.pk).json()["id"]
    assert api.as_(world.peer).post(f"/api/peer-invitations/{invitation_id}/accept/").status_code == 200
    new_start = local(next_weekday(1), 13)

    moved = api.as_(world.worker).post(
        f"/api/appointments/{meeting.pk}/reschedule/", {"start": new_start.isoformat()}, format="json"
    )
    assert moved.status_code == 200, moved.content
    told = Delivery.objects.filter(recipient=world.peer, context__what="moved")
    assert [(d.occurrence_at, d.channel) for d in told] == [(new_start, "sms")]
    assert PeerInvitation.objects.get(pk=invitation_id).status == PeerInvitation.Status.ACCEPTED

    cancelled = api.as_(world.worker).post(f"/api/appointments/{meeting.pk}/cancel/", {"reason": "sick"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert Delivery.objects.filter(recipient=world.peer, context__what="cancelled").count() == 1
    assert PeerInvitation.objects.get(pk=invitation_id).status == PeerInvitation.Status.WITHDRAWN
    # The cancel reason stays between the person and the worker.
    assert all("sick" not in str(d.context) for d in Delivery.objects.filter(recipient=world.peer))


def test_a_withdrawn_or_cancelled_invitation_leaves_the_peers_api_list(world, api, meeting) -> None:
    invitation_id = _invite(api, world, meeting, None).json()["id"]
    peer = api.as_(world.peer)
    peer.post(f"/api/peer-invitations/{invitation_id}/accept/")
    assert [i["id"] for i in peer.get("/api/peer-invitations/").json()] == [invitation_id]

    api.as_(world.client).post(f"/api/peer-invitations/{invitation_id}/withdraw/")
    assert peer.get("/api/peer-invitations/").json() == []

    again = _invite(api, world, meeting, None).json()["id"]
    peer.post(f"/api/peer-invitations/{again}/accept/")
    meeting.status = Appointment.Status.CANCELLED
    meeting.save(update_fields=["status"])
    assert peer.get("/api/peer-invitations/").json() == []
    # The person still sees their own history.
    assert {i["id"] for i in api.as_(world.client).get("/api/peer-invitations/").json()} == {invitation_id, again}
