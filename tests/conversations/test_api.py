"""The conversations API: the caller's threads only (another person's is a 404 in the one
error shape), one thread with the worker, idempotent posting, reading, and the access log."""

import pytest

from audit.models import AccessEntry
from care.services.peers import sharing_set
from conversations import services
from conversations.models import Message, Thread
from tests.care.groups_support import make_group

pytestmark = pytest.mark.django_db
URL = "/api/conversations/"


def _start(client, **body):
    return client.post(URL, body, format="json")


def test_a_person_starts_one_thread_with_their_worker_201_then_200(world, api) -> None:
    me = api.as_(world.client)
    first = _start(me, **{"with": world.worker.pk})
    assert first.status_code == 201, first.content
    again = _start(me, **{"with": world.worker.pk})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["kind"] == "worker"
    assert [p["id"] for p in first.json()["others"]] == [world.worker.pk]
    # The worker starting it with the person they follow reaches the same one thread.
    by_worker = _start(api.as_(world.worker), **{"with": world.client.pk})
    assert by_worker.status_code == 200
    assert by_worker.json()["id"] == first.json()["id"]
    assert Thread.objects.filter(client=world.client).count() == 1


@pytest.mark.parametrize("who", ["other_worker", "coordinator", "peer", "other_client"])
def test_only_the_persons_own_worker_may_start_the_thread_with_them(world, api, who) -> None:
    response = _start(api.as_(getattr(world, who)), **{"with": world.client.pk})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_person_may_not_start_a_thread_with_another_worker(world, api) -> None:
    assert _start(api.as_(world.client), **{"with": world.other_worker.pk}).status_code == 404


def test_a_peer_thread_needs_the_persons_consent(world, api) -> None:
    me = api.as_(world.client)
    refused = _start(me, **{"with": world.peer.pk})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "no_consent"
    assert _start(api.as_(world.peer), **{"with": world.client.pk}).status_code == 404
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    made = _start(api.as_(world.peer), **{"with": world.client.pk})
    assert made.status_code == 201
    assert made.json()["kind"] == "peer"
    assert _start(me, **{"with": world.peer.pk}).json()["id"] == made.json()["id"]


def test_the_group_thread_is_started_by_members_not_by_the_coordinator(world, api) -> None:
    group = make_group(world)
    assert _start(api.as_(world.coordinator), group=group.pk).status_code == 404
    assert _start(api.as_(world.other_client), group=group.pk).status_code == 404
    made = _start(api.as_(world.other_worker), group=group.pk)
    assert made.status_code == 201
    assert made.json()["kind"] == "group"
    assert _start(api.as_(world.client), group=group.pk).status_code == 200


def test_starting_needs_a_person_or_a_group(world, api) -> None:
    response = _start(api.as_(world.client))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.fixture
def thread(world) -> Thread:
    thread = services.thread_for_worker(world.client)
    services.message_post(thread=thread, author=world.client, text="Hei Kari")
    return thread


@pytest.mark.parametrize("who", ["other_worker", "coordinator", "peer", "other_client"])
def test_another_persons_thread_is_404_on_every_endpoint(world, api, thread, who) -> None:
    caller = api.as_(getattr(world, who))
    base = f"{URL}{thread.pk}/"
    answers = [
        caller.get(base),
        caller.get(f"{base}messages/"),
        caller.post(f"{base}messages/", {"text": "Hei"}, format="json"),
        caller.post(f"{base}read/", {}, format="json"),
    ]
    for response in answers:
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    assert thread.pk not in {t["id"] for t in caller.get(URL).json()}
    assert Message.objects.count() == 1


def test_anonymous_callers_are_refused_everywhere(world, api, thread) -> None:
    anonymous = api.anonymous()
    for response in (anonymous.get(URL), anonymous.get(f"{URL}{thread.pk}/messages/")):
        assert response.status_code == 401


def test_the_same_idempotency_key_answers_200_with_the_same_message(world, api, thread) -> None:
    worker = api.as_(world.worker)
    url = f"{URL}{thread.pk}/messages/"
    first = worker.post(url, {"text": "Hei Anna"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201, first.content
    again = worker.post(url, {"text": "Hei Anna"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Message.objects.filter(author=world.worker).count() == 1
    assert first.json()["via"] == "api"


def test_messages_after_an_id_and_the_unread_count(world, api, thread) -> None:
    worker = api.as_(world.worker)
    listed = worker.get(URL).json()
    assert listed[0]["unread"] == 1
    first_id = worker.get(f"{URL}{thread.pk}/messages/").json()[0]["id"]
    assert worker.get(f"{URL}{thread.pk}/messages/?after={first_id}").json() == []
    services.message_post(thread=thread, author=world.client, text="Er du der?")
    newer = worker.get(f"{URL}{thread.pk}/messages/?after={first_id}").json()
    assert [m["text"] for m in newer] == ["Er du der?"]
    assert newer[0]["mine"] is False
    read = worker.post(f"{URL}{thread.pk}/read/", {}, format="json")
    assert read.status_code == 200
    assert read.json() == {"last_read": newer[0]["id"], "unread": 0}


@pytest.mark.parametrize("after", ["x", "-1", "99999999999999999999999"])
def test_a_bad_after_is_a_400_in_the_one_error_shape(world, api, thread, after) -> None:
    response = api.as_(world.client).get(f"{URL}{thread.pk}/messages/?after={after}")
    assert response.status_code == 400
    assert "after" in response.json()["error"]["fields"]


def test_empty_and_too_long_texts_are_refused_with_a_message(world, api, thread) -> None:
    me = api.as_(world.client)
    url = f"{URL}{thread.pk}/messages/"
    empty = me.post(url, {"text": "   "}, format="json")
    assert empty.status_code == 422
    assert "text" in empty.json()["error"]["fields"]
    long = me.post(url, {"text": "x" * 2001}, format="json")
    assert long.status_code in (400, 422)
    assert me.post(url, {"text": "x" * 2000}, format="json").status_code == 201


def test_staff_reading_a_persons_messages_is_in_the_access_log(world, api, thread) -> None:
    api.as_(world.worker).get(f"{URL}{thread.pk}/messages/")
    entry = AccessEntry.objects.get(actor=world.worker, what="conversation")
    assert entry.subject_id == world.client.pk
    # The person reading their own words is not noted.
    api.as_(world.client).get(f"{URL}{thread.pk}/messages/")
    assert not AccessEntry.objects.filter(actor=world.client).exists()


def test_each_own_message_is_sent_then_delivered_then_read(world, api, thread) -> None:
    me = api.as_(world.client)
    url = f"{URL}{thread.pk}/messages/"

    def state() -> str:
        return me.get(url).json()[0]["state"]

    assert state() == "sent"
    worker = api.as_(world.worker)
    assert worker.get(url).json()[0]["state"] is None  # not the worker's own
    assert state() == "delivered"  # the worker's app fetched it
    worker.post(f"{URL}{thread.pk}/read/", {}, format="json")
    assert state() == "read"


def test_a_group_member_and_a_peer_with_consent_reach_their_threads(world, api) -> None:
    group = make_group(world)
    group_thread = services.thread_for_group(group)
    services.message_post(thread=group_thread, author=world.worker, text="Velkommen")
    peer_thread = services.thread_with_peer(world.client, world.peer)  # make_group shared with the peer
    for who, thread in ((world.other_worker, group_thread), (world.peer, group_thread), (world.peer, peer_thread)):
        caller = api.as_(who)
        assert caller.get(f"{URL}{thread.pk}/messages/").status_code == 200
        assert caller.post(f"{URL}{thread.pk}/messages/", {"text": "Hei"}, format="json").status_code == 201
    assert api.as_(world.coordinator).get(f"{URL}{group_thread.pk}/messages/").status_code == 404
