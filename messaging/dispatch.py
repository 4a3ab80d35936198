"""Claiming due rows for sending, and the periodic upkeep of the outbox: returning rows a
crashed worker left behind, and purging old history. Each is safe to run twice or at the
same time as another copy of itself."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from messaging.models import Delivery, DispatchState


def deliveries_claim(*, limit: int, now: datetime | None = None) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due rows for sending; returns (claim token, ids).

    Exclusive: on PostgreSQL the rows are locked with SKIP LOCKED, so two dispatchers
    never get the same row; on SQLite the write transaction is serialised. The update
    is conditional on the row still being scheduled either way.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.SCHEDULED, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return str(token), []
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SCHEDULED).update(
            status=Delivery.Status.SENDING,
            # The attempt is recorded here, before any provider is called.
            attempts=F("attempts") + 1,
            claim_token=token,
            lease_until=now + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS),
            updated_at=now,
        )
        ids = list(Delivery.objects.filter(pk__in=ids, claim_token=token).values_list("pk", flat=True))
    return str(token), ids


def dispatch_room() -> int:
    """How many more rows a dispatcher may claim now.

    A claimed row must be sent within its lease, or the sweeper returns it and it is claimed
    again (one more attempt counted) while its send task still waits in the queue. So no
    more rows are in flight than the workers send in half a lease at
    ``REMINDERS_SEND_RATE`` per second; the next dispatch tops up."""
    limit = max(settings.REMINDERS_SEND_BATCH, int(settings.REMINDERS_SEND_RATE * settings.REMINDERS_LEASE_SECONDS / 2))
    in_flight = Delivery.objects.filter(status=Delivery.Status.SENDING).count()
    return max(0, limit - in_flight)


def dispatch_state_touch(*, now: datetime | None = None) -> None:
    """Record that a dispatch sweep ran (the health endpoint reports it)."""
    DispatchState.objects.update_or_create(name="dispatch", defaults={"last_run_at": now or timezone.now()})


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Return rows stuck in 'sending' after their lease (a worker died) to 'scheduled'."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__lt=now).update(
        status=Delivery.Status.SCHEDULED, claim_token=None, lease_until=None, updated_at=now
    )


def deliveries_purge(*, now: datetime | None = None) -> int:
    """Delete finished rows older than REMINDERS_KEEP_DAYS (the history a person can see)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REMINDERS_KEEP_DAYS)
    finished = [Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.CANCELLED, Delivery.Status.MISSED]
    deleted, _ = Delivery.objects.filter(status__in=finished, due_at__lt=cutoff).delete()
    return deleted
