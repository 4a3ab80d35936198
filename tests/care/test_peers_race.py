"""First peer wins, under a real race on PostgreSQL: every peer presses Accept at once, each
on a connection of its own; exactly one wins and every other hears 409."""

import threading

import pytest
from django.db import connection

from care.models import PeerRequest
from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind
from tests import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PEERS = 12


def test_exactly_one_of_many_peers_accepting_at_once_wins(world, api) -> None:
    peers = [world.peer] + [f.make_person(User.Role.PEER, world.unit, f"racepeer{i}") for i in range(PEERS - 1)]
    request = PeerRequest.objects.create(user=world.client)
    clients = [api.as_(peer) for peer in peers]  # tokens made before the race
    barrier = threading.Barrier(len(clients), timeout=30)
    results: list[tuple[int, dict, int] | None] = [None] * len(clients)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            barrier.wait()
            response = clients[index].post(f"/api/peer-requests/{request.pk}/accept/")
            results[index] = (response.status_code, response.json(), pid)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert all(r is not None for r in results)
    assert len({r[2] for r in results}) == len(clients)  # a connection each

    codes = sorted(r[0] for r in results)
    assert codes == [200] + [409] * (len(clients) - 1)
    assert all(r[1]["error"]["code"] == "peer_request_taken" for r in results if r[0] == 409)
    winner = next(peers[i] for i, r in enumerate(results) if r[0] == 200)
    request.refresh_from_db()
    assert request.status == PeerRequest.Status.TAKEN
    assert request.peer == winner
    # The person is told once, about the winner.
    told = Delivery.objects.filter(kind=MessageKind.PEER_ASSIGNED, recipient=world.client)
    assert [d.context["peer"] for d in told] == [winner.first_name]
