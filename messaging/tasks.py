"""Celery tasks of the outbox: thin wrappers that take ids, call one service, and own the
retry policy. The dispatcher, sweeper and purge are periodic and safe to run twice or at the
same time as another copy of themselves."""

import logging
import time

from celery import shared_task
from django.conf import settings

from messaging import dispatch, sending

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def dispatch_due() -> int:
    """Claim due rows in batches and queue their sending, until none are due, as many are
    in flight as can be sent within a lease, or the time budget is spent (the next beat
    tick continues)."""
    dispatch.dispatch_state_touch()
    deadline = time.monotonic() + settings.REMINDERS_DISPATCH_BUDGET_SECONDS
    claimed = 0
    while time.monotonic() < deadline:
        room = dispatch.dispatch_room()
        if room <= 0:
            break
        limit = min(room, settings.REMINDERS_CLAIM_BATCH)
        token, ids = dispatch.deliveries_claim(limit=limit)
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
    counts = sending.deliveries_send(ids=ids, claim_token=claim_token)
    logger.info("sent batch: %s", counts)
    return counts


@shared_task(ignore_result=True)
def sweep_stuck() -> int:
    returned = dispatch.deliveries_sweep()
    if returned:
        logger.warning("returned %d deliveries whose lease expired", returned)
    return returned


@shared_task(ignore_result=True)
def purge_old() -> int:
    return dispatch.deliveries_purge()
