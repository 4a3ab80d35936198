"""Sharing with a peer, pressed twice at once on PostgreSQL: each press on a connection of its
own; both answer, and one active sharing row is left."""

import threading

import pytest
from django.db import connection

from care.models import Sharing

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PRESSES = 6


def test_sharing_pressed_many_times_at_once_leaves_one_active_row(world, api) -> None:
    clients = [api.as_(world.client) for _ in range(PRESSES)]  # tokens made before the race
    barrier = threading.Barrier(PRESSES, timeout=30)
    codes: list[int | None] = [None] * PRESSES
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            body = {"peer": world.peer.pk, "appointments": True, "plan": index % 2 == 0}
            codes[index] = clients[index].post("/api/sharing/", body, format="json").status_code
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
    assert codes == [200] * PRESSES
    assert Sharing.objects.filter(user=world.client, peer=world.peer, revoked_at__isnull=True).count() == 1
