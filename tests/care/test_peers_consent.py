"""A peer sees a service user's meetings only while the user shares them: in the API, on the
pages and in the calendar feed. Consent is checked in the query, so anything else is a 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment
from booking.services import feed_token_get_or_create
from care.services.peers import sharing_set
from tests.factories import local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(world) -> Appointment:
    return make_appointment(world.meeting_type, world.client, local(next_weekday(1), 10))


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()}


def test_a_peer_without_consent_gets_404_for_the_users_meetings(world, api, meeting) -> None:
    peer = api.as_(world.peer)
    assert meeting.pk not in _ids(peer.get("/api/appointments/"))
    response = peer.get(f"/api/appointments/{meeting.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_peer_sees_the_meetings_while_shared_and_not_after_revoking(world, api, meeting) -> None:
    peer = api.as_(world.peer)
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    assert meeting.pk in _ids(peer.get("/api/appointments/"))
    assert peer.get(f"/api/appointments/{meeting.pk}/").status_code == 200

    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert meeting.pk not in _ids(peer.get("/api/appointments/"))
    assert peer.get(f"/api/appointments/{meeting.pk}/").status_code == 404


def test_sharing_only_the_plan_does_not_show_meetings(world, api, meeting) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=True)
    assert api.as_(world.peer).get(f"/api/appointments/{meeting.pk}/").status_code == 404


def test_sharing_with_one_peer_shows_nothing_to_another(world, api, meeting) -> None:
    from people.models import User
    from tests import factories as f

    other_peer = f.make_person(User.Role.PEER, world.unit, "otherpeer")
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    assert api.as_(other_peer).get(f"/api/appointments/{meeting.pk}/").status_code == 404


def test_a_peer_with_consent_cannot_cancel_or_move_the_meeting(world, api, meeting) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    peer = api.as_(world.peer)
    cancel = peer.post(f"/api/appointments/{meeting.pk}/cancel/", {"reason": "x"}, format="json")
    assert cancel.status_code == 404
    move = peer.post(
        f"/api/appointments/{meeting.pk}/reschedule/",
        {"start": local(next_weekday(1), 13).isoformat()},
        format="json",
    )
    assert move.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.BOOKED
    assert meeting.start == local(next_weekday(1), 10)


def test_the_peers_calendar_feed_follows_consent(world, client, meeting) -> None:
    secret = feed_token_get_or_create(user=world.peer).secret
    url = f"/api/calendar/feed/{secret}.ics"
    assert str(meeting.uid).encode() not in client.get(url).content
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    assert str(meeting.uid).encode() in client.get(url).content
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert str(meeting.uid).encode() not in client.get(url).content


def test_the_sharing_api_sets_and_stops_sharing(world, api) -> None:
    user = api.as_(world.client)
    response = user.post("/api/sharing/", {"peer": world.peer.pk, "appointments": True, "plan": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["appointments"] is True
    assert [s["peer"]["id"] for s in user.get("/api/sharing/").json()] == [world.peer.pk]
    assert [s["user"]["id"] for s in api.as_(world.peer).get("/api/sharing/").json()] == [world.client.pk]

    stop = user.post("/api/sharing/", {"peer": world.peer.pk, "appointments": False, "plan": False}, format="json")
    assert stop.status_code == 204
    assert user.get("/api/sharing/").json() == []
    assert world.client.sharings.count() == 1  # the history is kept
    assert world.client.sharings.get().revoked_at is not None


def test_sharing_with_a_worker_is_refused(world, api) -> None:
    response = api.as_(world.client).post(
        "/api/sharing/", {"peer": world.worker.pk, "appointments": True, "plan": False}, format="json"
    )
    assert response.status_code == 404


def test_an_invited_peer_sees_that_one_meeting_only(world, api, meeting) -> None:
    from care.services.peers import invitation_create

    other = make_appointment(world.meeting_type, world.client, local(next_weekday(2), 10))
    # Inviting needs a peer the user shares with; stop sharing afterwards to isolate the invitation.
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    invitation_create(user=world.client, appointment_id=meeting.pk, peer_id=world.peer.pk)
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)

    peer = api.as_(world.peer)
    assert peer.get(f"/api/appointments/{meeting.pk}/").status_code == 200
    assert peer.get(f"/api/appointments/{other.pk}/").status_code == 404


def test_past_meetings_also_follow_consent(world, api) -> None:
    past = make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(days=3))
    peer = api.as_(world.peer)
    assert past.pk not in _ids(peer.get("/api/appointments/"))
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    assert past.pk in _ids(peer.get("/api/appointments/"))


def test_a_peer_reads_time_and_place_but_not_what_the_user_wrote_to_the_worker(world, api, meeting) -> None:
    from booking.services import appointment_cancel

    appointment_cancel(actor=world.client, appointment_id=meeting.pk, reason="Ikke i form")
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    body = api.as_(world.peer).get(f"/api/appointments/{meeting.pk}/").json()
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == ""
    assert body["history"] == []
    assert body["meeting_type"]["place"] == world.meeting_type.place
    # The worker still reads it all.
    assert api.as_(world.worker).get(f"/api/appointments/{meeting.pk}/").json()["cancel_reason"] == "Ikke i form"


def test_a_change_that_waited_behind_a_newer_one_is_recorded_after_it(world) -> None:
    from care.models import Sharing

    later = timezone.now()
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False, now=later)
    earlier = later - timedelta(seconds=1)
    row = sharing_set(user=world.client, peer=world.peer, appointments=True, plan=True, now=earlier)

    old = Sharing.objects.get(user=world.client, peer=world.peer, revoked_at__isnull=False)
    assert old.revoked_at == later
    assert row.plan
    assert row.granted_at == later
