"""'I'd like a peer': one open request per person, the unit's peers alerted without a name,
the first peer to accept gets it, and the person hears who by SMS (first name only)."""

import pytest

from care.models import PeerRequest
from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind
from tests import factories as f

pytestmark = pytest.mark.django_db


def _ask(api, user, note: str = ""):
    return api.as_(user).post("/api/peer-requests/", {"note": note}, format="json")


def test_a_service_user_asks_for_a_peer_and_the_units_peers_are_alerted_without_a_name(world, api) -> None:
    second_peer = f.make_person(User.Role.PEER, world.unit, "peer2", phone="+4740000099")
    f.make_person(User.Role.PEER, f.make_unit("Elsewhere"), "farpeer")
    response = _ask(api, world.client, "Coffee this week?")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"

    alerts = Delivery.objects.filter(kind=MessageKind.PEER_POOL)
    assert {d.recipient_id for d in alerts} == {world.peer.pk, second_peer.pk}
    for alert in alerts:
        assert alert.context == {"what": "request"}  # nothing that names the person


def test_the_pool_alert_text_names_nobody(world) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from messaging.texts import render

    for language in ("nb", "en"):
        _subject, text = render(
            kind="peer_pool",
            language=language,
            tz=ZoneInfo("Europe/Oslo"),
            at=datetime.now(UTC),
            context={"what": "request"},
        )
        assert world.client.first_name not in text
        assert len(text) <= 160


def test_one_open_request_per_person(world, api) -> None:
    assert _ask(api, world.client).status_code == 201
    second = _ask(api, world.client)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "peer_request_open"
    assert PeerRequest.objects.filter(user=world.client).count() == 1


def test_the_database_refuses_a_second_open_request(world) -> None:
    from django.db import IntegrityError, transaction

    PeerRequest.objects.create(user=world.client)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerRequest.objects.create(user=world.client)


def test_staff_cannot_ask_for_a_peer(world, api) -> None:
    assert _ask(api, world.worker).status_code == 422


def test_the_first_peer_to_accept_gets_it_and_the_user_is_told_the_first_name(world, api) -> None:
    second_peer = f.make_person(User.Role.PEER, world.unit, "peer2", first_name="Siri")
    request_id = _ask(api, world.client).json()["id"]

    first = api.as_(world.peer).post(f"/api/peer-requests/{request_id}/accept/")
    assert first.status_code == 200, first.content
    assert first.json()["user"]["name"] == world.client.get_full_name()
    late = api.as_(second_peer).post(f"/api/peer-requests/{request_id}/accept/")
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "peer_request_taken"
    assert "allerede" in late.json()["error"]["message"]  # "already", in the peer's Norwegian

    request = PeerRequest.objects.get(pk=request_id)
    assert request.status == PeerRequest.Status.TAKEN
    assert request.peer == world.peer
    told = Delivery.objects.get(kind=MessageKind.PEER_ASSIGNED)
    assert told.recipient == world.client
    assert told.context == {"what": "request", "peer": world.peer.first_name}

    mine = api.as_(world.client).get("/api/peer-requests/").json()
    assert mine[0]["status"] == "taken"
    assert mine[0]["peer"]["first_name"] == world.peer.first_name


def test_a_peer_sees_the_units_open_requests_and_the_ones_they_took(world, api) -> None:
    far_unit = f.make_unit("Far")
    far_user = f.make_person(User.Role.SERVICE_USER, far_unit, "faruser")
    far_request = PeerRequest.objects.create(user=far_user)
    open_request = PeerRequest.objects.create(user=world.other_client)
    taken_id = _ask(api, world.client).json()["id"]
    api.as_(world.peer).post(f"/api/peer-requests/{taken_id}/accept/")

    second_peer = f.make_person(User.Role.PEER, world.unit, "peer2")
    seen = {r["id"] for r in api.as_(second_peer).get("/api/peer-requests/").json()}
    assert seen == {open_request.pk}
    seen_by_taker = {r["id"] for r in api.as_(world.peer).get("/api/peer-requests/").json()}
    assert seen_by_taker == {open_request.pk, taken_id}
    assert far_request.pk not in seen_by_taker
    assert api.as_(world.peer).post(f"/api/peer-requests/{far_request.pk}/accept/").status_code == 404


def test_a_user_sees_only_their_own_requests(world, api) -> None:
    PeerRequest.objects.create(user=world.other_client)
    _ask(api, world.client)
    assert [r["status"] for r in api.as_(world.client).get("/api/peer-requests/").json()] == ["open"]


def test_a_user_withdraws_an_open_request_and_peers_can_no_longer_take_it(world, api) -> None:
    request_id = _ask(api, world.client).json()["id"]
    withdrawn = api.as_(world.client).post(f"/api/peer-requests/{request_id}/withdraw/")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    late = api.as_(world.peer).post(f"/api/peer-requests/{request_id}/accept/")
    assert late.status_code in (404, 409)
    # A new request is possible again.
    assert _ask(api, world.client).status_code == 201


def test_someone_elses_request_cannot_be_withdrawn(world, api) -> None:
    request_id = _ask(api, world.client).json()["id"]
    assert api.as_(world.other_client).post(f"/api/peer-requests/{request_id}/withdraw/").status_code == 404


def test_pool_alerts_not_sent_yet_are_cancelled_once_a_peer_says_yes(world, api) -> None:
    request_id = _ask(api, world.client).json()["id"]
    # As if the alert were waiting for the morning.
    Delivery.objects.filter(kind=MessageKind.PEER_POOL).update(status=Delivery.Status.SCHEDULED)
    api.as_(world.peer).post(f"/api/peer-requests/{request_id}/accept/")
    statuses = set(Delivery.objects.filter(kind=MessageKind.PEER_POOL).values_list("status", flat=True))
    assert statuses == {Delivery.Status.CANCELLED}
