"""Writing to the outbox, and taking back what is no longer needed.

Rows are written in the same transaction as their cause (a booking, a plan, a request for
help), each with a dedupe key, so writing the same message twice writes it once. A row due
now asks for a dispatch right after the commit (``messaging.kick``); otherwise the periodic
dispatcher finds it when it falls due.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from config import prepared
from messaging.kick import dispatch_soon_on_commit
from messaging.models import Delivery

# A row due this soon asks for a dispatch after the commit instead of waiting for a sweep.
DUE_NOW = timedelta(seconds=5)


def deliveries_create(rows: Sequence[Delivery], *, now: datetime) -> int:
    """Insert outbox rows, skipping any whose dedupe key exists (idempotent).

    Returns how many rows were offered to the insert; rows already there are skipped by the
    database and still counted."""
    if not rows:
        return 0
    if len(rows) <= 16:
        prepared.insert(rows, ignore_conflicts=True)  # a booking's few rows, SQL built once
    else:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    if any(row.due_at <= now + DUE_NOW for row in rows):
        dispatch_soon_on_commit()
    return len(rows)


def deliveries_about(about: str, about_id: int) -> QuerySet[Delivery]:
    """The messages written about one thing (an appointment, a plan, an invitee)."""
    return Delivery.objects.filter(about=about, about_id=about_id)


def deliveries_cancel(rows: QuerySet[Delivery], reason: str) -> int:
    """Cancel those of ``rows`` not claimed for sending yet; returns how many."""
    return rows.filter(status=Delivery.Status.SCHEDULED).update(
        status=Delivery.Status.CANCELLED, last_error=reason, updated_at=timezone.now()
    )


def deliveries_retime(
    rows: QuerySet[Delivery], when: Callable[[Delivery], datetime | None], *, now: datetime, reason: str
) -> tuple[int, int]:
    """Give each of ``rows`` not claimed for sending yet the time ``when`` says, or cancel it
    (for ``reason``) where ``when`` says None. Returns (moved, cancelled).

    Call inside a transaction: the rows are locked first, and the dispatcher claims with SKIP
    LOCKED, so a row is either moved here or sent as it was, never both. A row claimed,
    sent or finished is never touched."""
    pending = list(rows.select_for_update().filter(status=Delivery.Status.SCHEDULED, expires_at__gt=now))
    moved: list[Delivery] = []
    dropped: list[int] = []
    for row in pending:
        due = when(row)
        if due is None:
            dropped.append(row.pk)
        elif due != row.due_at:
            row.due_at, row.updated_at = max(due, now), now
            moved.append(row)
    if moved:
        Delivery.objects.bulk_update(moved, ["due_at", "updated_at"], batch_size=500)
        if any(row.due_at <= now + DUE_NOW for row in moved):
            dispatch_soon_on_commit()
    cancelled = deliveries_cancel(Delivery.objects.filter(pk__in=dropped), reason) if dropped else 0
    return len(moved), cancelled
