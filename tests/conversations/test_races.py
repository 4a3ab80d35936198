"""Pressed many times at once on PostgreSQL, each press on a connection of its own: the same
Idempotency-Key posts one message (one 201, the rest 200 with it), and starting the worker
thread makes one thread (one 201, the rest 200)."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from conversations import services
from conversations.models import Message, Thread

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PRESSES = 6


def _race(press: Callable[[int], int]) -> list[int | None]:
    barrier = threading.Barrier(PRESSES, timeout=30)
    codes: list[int | None] = [None] * PRESSES
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            codes[index] = press(index)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(PRESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return codes


def test_the_same_key_pressed_at_once_posts_one_message(world, api) -> None:
    thread = services.thread_for_worker(world.client)
    clients = [api.as_(world.client) for _ in range(PRESSES)]
    url = f"/api/conversations/{thread.pk}/messages/"
    codes = _race(
        lambda i: clients[i].post(url, {"text": "Hei"}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code
    )
    assert sorted(codes) == [200] * (PRESSES - 1) + [201]
    assert Message.objects.filter(thread=thread).count() == 1


def test_starting_the_worker_thread_at_once_makes_one(world, api) -> None:
    clients = [api.as_(world.client) for _ in range(PRESSES)]
    codes = _race(
        lambda i: clients[i].post("/api/conversations/", {"with": world.worker.pk}, format="json").status_code
    )
    assert sorted(codes) == [200] * (PRESSES - 1) + [201]
    assert Thread.objects.filter(client=world.client).count() == 1
