"""Urgent help under real concurrency (PostgreSQL): one winner when two staff acknowledge at
once, one request when a user presses twice at once, no double escalation from two sweeps."""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection

from care.models import HelpAlert, HelpRequest
from care.services import help as services
from config.errors import Conflict
from tests.care.help_support import arrange_rota, open_weekdays, oslo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = oslo(2026, 12, 7, 10)


def at_once(actions: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(len(actions), timeout=30)
    results: list[object] = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = actions[index]()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results, errors


@pytest.fixture
def rota(world):
    open_weekdays(world.unit)
    return arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator)


def test_two_staff_acknowledging_at_once_one_wins_the_other_is_told(world, rota):
    request, _ = services.help_request_create(user=world.client, now=T0)
    services.help_requests_advance(now=T0 + timedelta(minutes=10))

    _results, errors = at_once(
        [
            lambda: services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=T0),
            lambda: services.help_request_acknowledge(actor=world.other_worker, request_id=request.pk, now=T0),
        ]
    )
    assert len(errors) == 1
    assert isinstance(errors[0], Conflict)
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ACKNOWLEDGED
    assert request.acknowledged_by in (world.worker, world.other_worker)


def test_pressing_twice_at_once_makes_one_request(world, rota):
    results, errors = at_once([lambda: services.help_request_create(user=world.client, now=T0) for _ in range(3)])
    assert not errors, errors
    assert HelpRequest.objects.count() == 1
    assert sorted(created for _request, created in results) == [False, False, True]
    assert HelpAlert.objects.count() == 1


def test_two_sweeps_at_once_escalate_once(world, rota):
    services.help_request_create(user=world.client, now=T0)
    results, errors = at_once(
        [lambda: services.help_requests_advance(now=T0 + timedelta(minutes=10)) for _ in range(2)]
    )
    assert not errors, errors
    assert sum(results) == 1
    assert HelpAlert.objects.count() == 2
