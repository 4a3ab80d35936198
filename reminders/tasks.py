"""Celery tasks: thin wrappers that take ids, call one service, and own the retry policy.

The dispatcher, sweeper, materialiser and purge are periodic and safe to run twice or
at the same time as another copy of themselves.
"""

import logging
import time

from celery import shared_task
from django.conf import settings
from django.db import transaction

from reminders import services
from reminders.kick import Coalescer

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def dispatch_due() -> int:
    """Claim due rows in batches and queue their sending, until none are due, as many are
    in flight as can be sent within a lease, or the time budget is spent (the next beat
    tick continues)."""
    services.dispatch_state_touch()
    deadline = time.monotonic() + settings.REMINDERS_DISPATCH_BUDGET_SECONDS
    claimed = 0
    while time.monotonic() < deadline:
        room = services.dispatch_room()
        if room <= 0:
            break
        limit = min(room, settings.REMINDERS_CLAIM_BATCH)
        token, ids = services.deliveries_claim(limit=limit)
        claimed += len(ids)
        size = settings.REMINDERS_SEND_BATCH
        for start in range(0, len(ids), size):
            send_deliveries.delay(ids[start : start + size], token)
        if len(ids) < limit:
            # Everything due is claimed. Rows falling due from now on wait for the next
            # tick: claiming them one by one as they come would cost a claim and a task each.
            break
    return claimed


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def send_deliveries(ids: list[int], claim_token: str) -> dict[str, int]:
    counts = services.deliveries_send(ids=ids, claim_token=claim_token)
    logger.info("sent batch: %s", counts)
    return counts


@shared_task(ignore_result=True)
def sweep_stuck() -> int:
    returned = services.deliveries_sweep()
    if returned:
        logger.warning("returned %d deliveries whose lease expired", returned)
    return returned


@shared_task(ignore_result=True)
def materialize_plans() -> int:
    created = services.plans_materialize_all()
    created += services.summaries_materialize()
    return created


@shared_task(ignore_result=True)
def medication_followups() -> int:
    return services.medication_followups()


@shared_task(ignore_result=True)
def purge_old() -> int:
    return services.deliveries_purge()


_dispatch_soon = Coalescer(lambda: dispatch_due.delay(), settings.REMINDERS_DISPATCH_KICK_DELAY_MS / 1000)


def queue_dispatch_on_commit() -> None:
    """Ask for a dispatch soon after the current transaction commits, so a reminder due now
    does not wait for the next beat tick (folded with this process's other requests of the
    same moment; see reminders.kick)."""
    if settings.REMINDERS_DISPATCH_ON_COMMIT:
        transaction.on_commit(_dispatch_soon.request)
