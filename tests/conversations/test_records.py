"""Messages are part of what Triangel holds about the person: in their export, gone when they
are erased, and purged after the retention period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations import services
from conversations.models import Message, ReadState, Thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(world) -> Thread:
    thread = services.thread_for_worker(world.client)
    services.message_post(thread=thread, author=world.client, text="Jeg gruer meg til tirsdag")
    services.message_post(thread=thread, author=world.worker, text="Vi tar det rolig")
    return thread


def test_the_persons_export_holds_their_conversations(world, api, thread) -> None:
    body = api.as_(world.client).get("/api/me/export/").json()
    conversations = body["conversations"]
    assert conversations[0]["with"] == "worker"
    assert [(m["written_by"], m["text"]) for m in conversations[0]["messages"]] == [
        ("me", "Jeg gruer meg til tirsdag"),
        ("Kari Nordmann", "Vi tar det rolig"),
    ]


def test_erasing_the_person_removes_their_threads_and_words(world, api, thread) -> None:
    response = api.as_(world.coordinator).post(
        f"/api/people/{world.client.pk}/erase/", {"reason": "Asked to be forgotten"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert not Thread.objects.filter(client=world.client).exists()
    assert not Message.objects.exists()
    assert not ReadState.objects.exists()


def test_messages_older_than_the_retention_period_are_purged(world, thread, settings) -> None:
    settings.CONVERSATIONS_KEEP_DAYS = 30
    old, _ = services.message_post(
        thread=thread, author=world.client, text="Gammel", now=timezone.now() - timedelta(days=31)
    )
    assert services.messages_purge() == 1
    assert not Message.objects.filter(pk=old.pk).exists()
    assert Message.objects.count() == 2
    assert Thread.objects.filter(pk=thread.pk).exists()
