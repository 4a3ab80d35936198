"""Posting: trimmed text of 1–2,000 characters, once per idempotency key, with the thread's
last message time and read marks kept; danger words mark the message."""

import pytest
from django.db import IntegrityError, transaction

from config.errors import Conflict, Unprocessable
from conversations import selectors, services
from conversations.models import Message, ReadState, Thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(world) -> Thread:
    return services.thread_for_worker(world.client)


def test_the_same_key_posts_once_and_returns_the_first_message(world, thread) -> None:
    first, created = services.message_post(thread=thread, author=world.client, text="Hei", idempotency_key="k1")
    again, created_again = services.message_post(thread=thread, author=world.client, text="Hei", idempotency_key="k1")
    assert created
    assert not created_again
    assert again.pk == first.pk
    assert Message.objects.count() == 1


def test_a_key_is_the_writers_own(world, thread) -> None:
    services.message_post(thread=thread, author=world.client, text="Hei", idempotency_key="k1")
    _, created = services.message_post(thread=thread, author=world.worker, text="Hei", idempotency_key="k1")
    assert created


def test_a_key_used_in_another_thread_is_a_conflict(world, thread) -> None:
    from care.services.peers import sharing_set

    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    peer_thread = services.thread_with_peer(world.client, world.peer)
    services.message_post(thread=thread, author=world.client, text="Hei", idempotency_key="k1")
    with pytest.raises(Conflict):
        services.message_post(thread=peer_thread, author=world.client, text="Hei", idempotency_key="k1")


def test_text_is_trimmed_and_must_be_one_to_2000_characters(world, thread) -> None:
    message, _ = services.message_post(thread=thread, author=world.client, text="  Hei  \n")
    assert message.text == "Hei"
    with pytest.raises(Unprocessable) as empty:
        services.message_post(thread=thread, author=world.client, text="   \n ")
    assert "text" in empty.value.fields
    with pytest.raises(Unprocessable):
        services.message_post(thread=thread, author=world.client, text="x" * 2001)
    longest, _ = services.message_post(thread=thread, author=world.client, text="x" * 2000)
    assert len(longest.text) == 2000


def test_the_database_refuses_an_empty_or_too_long_text(world, thread) -> None:
    for text in ("", "x" * 2001):
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(thread=thread, author=world.client, text=text)


def test_the_database_keeps_one_worker_thread_per_person_and_each_kind_to_its_fields(world, thread) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.create(kind=Thread.Kind.WORKER, client=world.client)
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.create(kind=Thread.Kind.PEER, client=world.other_client)  # a peer thread without a peer
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.create(kind=Thread.Kind.WORKER, client=world.other_client, peer=world.peer)
    Thread.objects.create(kind=Thread.Kind.PEER, client=world.other_client, peer=world.peer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.create(kind=Thread.Kind.PEER, client=world.other_client, peer=world.peer)


def test_the_database_refuses_a_second_message_with_the_same_key(world, thread) -> None:
    Message.objects.create(thread=thread, author=world.client, text="a", idempotency_key="same")
    Message.objects.create(thread=thread, author=world.client, text="b")
    Message.objects.create(thread=thread, author=world.client, text="c")  # blank keys never clash
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(thread=thread, author=world.client, text="d", idempotency_key="same")


def test_thread_for_worker_is_one_thread_whoever_asks(world, thread) -> None:
    assert services.thread_for_worker(world.client) == thread
    assert Thread.objects.filter(client=world.client).count() == 1


def test_posting_updates_last_message_and_unread_counts(world, thread) -> None:
    message, _ = services.message_post(thread=thread, author=world.client, text="Hei")
    thread.refresh_from_db()
    assert thread.last_message_at == message.created_at
    assert selectors.unread_count(world.worker) == 1
    assert selectors.unread_count(world.client) == 0  # one's own message is read
    assert selectors.unread_by_thread(world.worker) == {thread.pk: 1}
    services.thread_read(thread=thread, user=world.worker)
    assert selectors.unread_count(world.worker) == 0
    assert ReadState.objects.get(thread=thread, user=world.worker).last_read_id == message.pk


def test_reading_never_moves_the_mark_back(world, thread) -> None:
    first, _ = services.message_post(thread=thread, author=world.client, text="En")
    second, _ = services.message_post(thread=thread, author=world.client, text="To")
    services.thread_read(thread=thread, user=world.worker)
    services.thread_read(thread=thread, user=world.worker, up_to=first.pk)
    assert ReadState.objects.get(thread=thread, user=world.worker).last_read_id == second.pk


def test_messages_after_pages_from_an_id(world, thread) -> None:
    ids = [services.message_post(thread=thread, author=world.client, text=str(i))[0].pk for i in range(5)]
    assert [m.pk for m in selectors.messages_after(thread, ids[1], limit=2)] == ids[2:4]
    assert selectors.last_message_id(thread.pk) == ids[-1]


@pytest.mark.parametrize(
    ("text", "danger"),
    [
        ("Jeg tenker på selvmord", True),
        ("Jeg vil ta livet mitt", True),
        ("I want to kill myself", True),
        ("Kan vi møtes på tirsdag?", False),
        ("Jeg har tatt en overdose", True),
        ("Selvmordstanker i natt", True),
    ],
)
def test_words_that_suggest_danger_mark_the_message(world, thread, text, danger) -> None:
    message, _ = services.message_post(thread=thread, author=world.client, text=text)
    assert message.danger is danger


def test_the_danger_words_are_a_setting(world, thread, settings) -> None:
    settings.CONVERSATION_DANGER_WORDS = ["brannfare"]
    message, _ = services.message_post(thread=thread, author=world.client, text="Det er brannfare her")
    assert message.danger
