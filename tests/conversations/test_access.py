"""Who reads a thread: the person, their current worker, a peer while the person shares with
them, the group's members. Everyone else (the other worker, a coordinator, a peer without
consent, an anonymous caller) finds no such thread. Decided in the query."""

import pytest
from django.contrib.auth.models import AnonymousUser

from care.services import continuity
from care.services.peers import sharing_set
from config.errors import NotFound
from conversations import selectors, services
from conversations.models import Thread
from tests.care.groups_support import make_group

pytestmark = pytest.mark.django_db


def _sees(user, thread: Thread) -> bool:
    visible = thread.pk in set(selectors.threads_of(user).values_list("pk", flat=True))
    try:
        selectors.thread_get(user, thread.pk)
        got = True
    except NotFound:
        got = False
    assert visible == got
    return got


@pytest.fixture
def worker_thread(world) -> Thread:
    return services.thread_for_worker(world.client)


def test_the_worker_thread_is_read_by_the_person_and_their_worker_only(world, worker_thread) -> None:
    assert _sees(world.client, worker_thread)
    assert _sees(world.worker, worker_thread)
    for outsider in (world.other_worker, world.other_client, world.peer, world.coordinator):
        assert not _sees(outsider, worker_thread), outsider
    assert not _sees(AnonymousUser(), worker_thread)
    assert selectors.participants(worker_thread) == [world.client, world.worker]


def test_someone_not_taking_part_cannot_post_or_mark_read(world, worker_thread) -> None:
    for outsider in (world.other_worker, world.peer, world.coordinator):
        with pytest.raises(NotFound):
            services.message_post(thread=worker_thread, author=outsider, text="Hei")
        with pytest.raises(NotFound):
            services.thread_read(thread=worker_thread, user=outsider)


def test_a_handover_moves_the_thread_with_its_history_to_the_new_worker(world, worker_thread) -> None:
    services.message_post(thread=worker_thread, author=world.client, text="Kan vi flytte møtet?")
    services.message_post(thread=worker_thread, author=world.worker, text="Ja, det går fint.")
    continuity.handover_run(
        actor=world.coordinator,
        from_worker_id=world.worker.pk,
        to_worker_id=world.other_worker.pk,
        client_id=world.client.pk,
    )
    assert not _sees(world.worker, worker_thread)
    assert _sees(world.other_worker, worker_thread)
    assert [m.text for m in selectors.messages_after(worker_thread)] == ["Kan vi flytte møtet?", "Ja, det går fint."]
    assert selectors.participants(worker_thread) == [world.client, world.other_worker]
    with pytest.raises(NotFound):
        services.message_post(thread=worker_thread, author=world.worker, text="Hei igjen")
    # Still one worker thread for the person.
    assert services.thread_for_worker(world.client) == worker_thread


def test_a_peer_thread_needs_consent_and_closes_when_it_is_revoked(world) -> None:
    with pytest.raises(Exception) as refused:
        services.thread_with_peer(world.client, world.peer)
    assert getattr(refused.value, "status_code", None) == 422
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    thread = services.thread_with_peer(world.client, world.peer)
    assert _sees(world.peer, thread)
    assert _sees(world.client, thread)
    assert not _sees(world.worker, thread)  # the worker does not read the person's talk with a peer
    services.message_post(thread=thread, author=world.peer, text="Hvordan går det?")

    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert not _sees(world.peer, thread)
    assert _sees(world.client, thread)  # the person keeps their own words
    assert selectors.participants(thread) == [world.client]
    with pytest.raises(NotFound):
        services.message_post(thread=thread, author=world.peer, text="Er du der?")
    assert selectors.unread_count(world.peer) == 0


def test_the_group_thread_is_read_by_its_members_and_the_worker_not_by_the_coordinator(world) -> None:
    group = make_group(world)
    thread = services.thread_for_group(group)
    for member in (world.client, world.worker, world.other_worker, world.peer):
        assert _sees(member, thread), member
    assert not _sees(world.coordinator, thread)
    assert not _sees(world.other_client, thread)
    names = {u.pk for u in selectors.participants(thread)}
    assert names == {world.client.pk, world.worker.pk, world.other_worker.pk, world.peer.pk}
    # The peer sits in the group on the person's word only.
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert not _sees(world.peer, thread)
    assert world.peer.pk not in {u.pk for u in selectors.participants(thread)}


def test_threads_of_filters_in_one_query(world, worker_thread, django_assert_num_queries) -> None:
    services.thread_for_worker(world.other_client)
    with django_assert_num_queries(1):
        threads = list(selectors.threads_of(world.worker))
    assert threads == [worker_thread]
