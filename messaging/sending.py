"""Sending claimed rows: the one path every message takes to its channel.

Each row is prepared by the handler of its kind (``messaging.kinds``), sent through the
backend of its channel (``messaging.channels``) and recorded: sent, failed for good (the
handler may try another way), or scheduled again after a temporary error, with a growing
back-off, until the handler's ``max_attempts``.
"""

import uuid
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from messaging.channels import Backend, ChannelError, PermanentError, backend_for
from messaging.kinds import Handler, Ready, Skip, handler_for
from messaging.models import Delivery


def deliveries_send(*, ids: list[int], claim_token: str, now: datetime | None = None) -> dict[str, int]:
    """Send the claimed rows. Each row is re-checked against the claim token, so a task
    that runs twice (redelivered after a crash) sends nothing the second time."""
    counts = {"sent": 0, "failed": 0, "retry": 0, "missed": 0, "cancelled": 0, "skipped": 0}
    claim_token = _take_over(ids, claim_token, now or timezone.now())
    rows = list(
        Delivery.objects.filter(pk__in=ids, claim_token=claim_token, status=Delivery.Status.SENDING).select_related(
            "recipient"
        )
    )
    counts["skipped"] = len(ids) - len(rows)
    _prefetch(rows)
    batch = _Batch(rows, claim_token)
    try:
        for index, row in enumerate(rows):
            counts[batch.send(index, row, now or timezone.now())] += 1
    finally:
        # Also when a later row raised: what was posted is recorded.
        batch.marks.flush()
    return counts


def _take_over(ids: list[int], claim_token: str, now: datetime) -> str:
    """Take the rows over under a token of this run, with a fresh lease, in one statement.

    The task may have waited in the queue past the claim's lease, and the sweeper may have
    handed rows to a new claim since: those no longer carry the claim token and are not
    taken. A copy of this task running at the same time (redelivered by the broker) finds
    nothing left to take."""
    run_token = str(uuid.uuid4())
    Delivery.objects.filter(pk__in=ids, claim_token=claim_token, status=Delivery.Status.SENDING).update(
        claim_token=run_token,
        lease_until=now + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS),
        updated_at=timezone.now(),
    )
    return run_token


def _prefetch(rows: list[Delivery]) -> None:
    by_kind: dict[str, list[Delivery]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    handlers: dict[int, tuple[Handler, list[Delivery]]] = {}
    for kind, same in by_kind.items():
        try:
            handler = handler_for(kind)
        except LookupError:
            continue  # failed when its turn comes
        handlers.setdefault(id(handler), (handler, []))[1].extend(same)
    for handler, own in handlers.values():
        handler.prefetch(own)


class _Batch:
    """The rows of one send task, sent one after another under one lease."""

    def __init__(self, rows: list[Delivery], token: str) -> None:
        self.rows = rows
        self.token = token
        self.backends: dict[str, Backend] = {}
        self.held = {row.pk for row in rows}
        self.marks = _SentMarks(token)
        self.renew_at = monotonic() + settings.REMINDERS_LEASE_SECONDS / 2

    def send(self, index: int, row: Delivery, now: datetime) -> str:
        """Send one row; returns what became of it (a key of ``deliveries_send``'s counts)."""
        if row.expires_at <= now:
            _finish(row, self.token, status=Delivery.Status.MISSED, last_error="too late to be useful")
            return "missed"
        try:
            handler = handler_for(row.kind)
        except LookupError as exc:
            _finish(row, self.token, status=Delivery.Status.FAILED, last_error=str(exc)[:300])
            return "failed"
        prepared = handler.prepare(row, now)
        if isinstance(prepared, Skip):
            return _skipped(row, self.token, prepared, handler, now)
        # Each row is posted only under a lease with at least half its length left, renewed
        # for the rest of the batch when half has passed (a slow gateway, a long batch); the
        # marks still pending are written first, so no posted row outlives its lease
        # unmarked. A row whose lease ran out meanwhile may have gone to a new claim: it is
        # skipped, so two live tasks never both post it. A re-post remains only after a
        # crash between the provider's answer and the flush of its mark, and carries the
        # same idempotency key.
        if monotonic() >= self.renew_at:
            self.marks.flush()
            self.held = _hold([r.pk for r in self.rows[index:]], self.token, now)
            self.renew_at = monotonic() + settings.REMINDERS_LEASE_SECONDS / 2
        if row.pk not in self.held:
            return "skipped"
        return self._post(row, prepared, handler, now)

    def _post(self, row: Delivery, prepared: Ready, handler: Handler, now: datetime) -> str:
        message = prepared.message
        try:
            backend = self.backends.get(row.channel)
            if backend is None:
                backend = self.backends[row.channel] = backend_for(row.channel)
            provider_id = backend.send(message)
        except PermanentError as exc:
            _fail(row, self.token, handler, str(exc), exc, now, sent_to=message.to)
            return "failed"
        except ChannelError as exc:
            return _retry_or_fail(row, self.token, handler, exc, now)
        self.marks.add(row.pk, message.to, provider_id)
        return "sent"


def _skipped(row: Delivery, token: str, skip: Skip, handler: Handler, now: datetime) -> str:
    if skip.status == Delivery.Status.FAILED:
        _fail(row, token, handler, skip.reason, None, now)
        return "failed"
    _finish(row, token, status=skip.status, last_error=skip.reason[:300])
    return str(skip.status)


def _fail(
    row: Delivery,
    token: str,
    handler: Handler,
    reason: str,
    error: PermanentError | None,
    now: datetime,
    **values: Any,
) -> None:
    """Mark the row failed and, if this claim still held it, let its handler react in the
    same transaction (another number, e-mail instead of SMS)."""
    with transaction.atomic():
        if _finish(row, token, status=Delivery.Status.FAILED, last_error=reason[:300], **values):
            handler.failed(row, reason, error, now)


def _retry_or_fail(row: Delivery, token: str, handler: Handler, error: ChannelError, now: datetime) -> str:
    if row.attempts >= handler.max_attempts:
        _finish(row, token, status=Delivery.Status.FAILED, last_error=str(error)[:300])
        return "failed"
    # Back off: 30 s, 2 min, 8 min … and try again with the same idempotency key.
    backoff = timedelta(seconds=30 * 4 ** (row.attempts - 1))
    _finish(
        row,
        token,
        status=Delivery.Status.SCHEDULED,
        claim_token=None,
        lease_until=None,
        due_at=min(now + backoff, row.expires_at),
        last_error=str(error)[:300],
    )
    return "retry"


def _finish(row: Delivery, token: str, **values: Any) -> bool:
    """Change a row this claim still holds; False when it no longer does."""
    values.setdefault("updated_at", timezone.now())
    return bool(Delivery.objects.filter(pk=row.pk, claim_token=token, status=Delivery.Status.SENDING).update(**values))


class _SentMarks:
    """Rows posted under one run's token and not yet marked sent, written together.

    One UPDATE … FROM (VALUES …) per flush instead of one statement and one commit per
    message: the commit (an fsync) and building the statement cost more than the send. It
    keeps _finish's condition, so a row passed to a newer claim (its token changed) or
    finished otherwise is never overwritten. A flush happens every
    ``REMINDERS_MARK_SENT_EVERY`` rows and at least once a second, before a lease is renewed
    and when the batch ends: a crash can leave at most that many posted rows of a thread to
    be posted again after their lease, with the same idempotency key."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.pending: list[tuple[int, str, str]] = []
        self.since = 0.0

    def add(self, row_id: int, sent_to: str, provider_id: str) -> None:
        if not self.pending:
            self.since = monotonic()
        self.pending.append((row_id, sent_to[:254], provider_id[:100]))
        if len(self.pending) >= settings.REMINDERS_MARK_SENT_EVERY or monotonic() - self.since >= 1.0:
            self.flush()

    def flush(self) -> int:
        """Write the pending marks; returns how many rows this run still held and marked."""
        if not self.pending:
            return 0
        marks, self.pending = self.pending, []
        return mark_sent(marks, self.token)


def mark_sent(marks: list[tuple[int, str, str]], token: str) -> int:
    """_finish(status=SENT, …) for many rows in one statement, written directly because
    compiling the ORM update cost more CPU than running it. ``marks`` are (row id, address
    sent to, provider message id). Same condition as _finish: only rows still carrying this
    token and sending. Returns the number of rows marked."""
    opts = Delivery._meta

    def prep(name: str, value: Any) -> Any:
        # The backend's representation (a UUID is 32 hex characters on SQLite, for one).
        return opts.get_field(name).get_db_prep_value(value, connection)

    now = timezone.now()
    values = ", ".join(["(%s, %s, %s)"] * len(marks))
    if connection.vendor == "postgresql":
        source = f"(VALUES {values}) AS v (id, sent_to, provider_id)"
    else:
        # SQLite names a VALUES list's columns column1, column2 …
        source = f"(SELECT column1 AS id, column2 AS sent_to, column3 AS provider_id FROM (VALUES {values})) AS v"  # noqa: S608
    # UPDATE … FROM reads the same on both (SQLite 3.33+). Only placeholders go into the
    # text; every value is a parameter.
    sql = (
        "UPDATE messaging_delivery SET status = %s, sent_to = v.sent_to, "  # noqa: S608
        "provider_message_id = v.provider_id, sent_at = %s, last_error = %s, updated_at = %s "
        f"FROM {source} WHERE messaging_delivery.id = v.id AND messaging_delivery.claim_token = %s "
        "AND messaging_delivery.status = %s"
    )
    params: list[Any] = [Delivery.Status.SENT.value, prep("sent_at", now), "", prep("updated_at", now)]
    params += [value for mark in marks for value in mark]
    params += [prep("claim_token", token), Delivery.Status.SENDING.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _hold(ids: list[int], token: str, now: datetime) -> set[int]:
    """Extend the lease of those rows this claim still holds; returns their ids.

    While a row's lease runs nobody else can touch it: the sweeper returns only rows whose
    lease ran out, and every other writer needs the token."""
    held = Delivery.objects.filter(pk__in=ids, claim_token=token, status=Delivery.Status.SENDING)
    held.update(lease_until=now + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS), updated_at=timezone.now())
    return set(held.values_list("pk", flat=True))


def delivery_send_now(row: Delivery, *, transient: dict[str, str], now: datetime | None = None) -> bool:
    """Write ``row`` and send it at once, from the request that made it: a person is waiting
    for it (a sign-in code). Returns whether it was sent.

    The row is written already claimed (status sending, one attempt, a lease), so the
    dispatcher never takes it while this request sends it. ``transient`` joins the row's
    context for this one rendering (``row.transient``) and is never stored: a row this call
    could not send is failed, not retried, and the person asks again."""
    now = now or timezone.now()
    token = str(uuid.uuid4())
    row.status, row.attempts, row.claim_token = Delivery.Status.SENDING, 1, token
    row.lease_until = now + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS)
    row.save(force_insert=True)
    row.transient = transient
    handler = handler_for(row.kind)
    prepared = handler.prepare(row, now)
    if isinstance(prepared, Skip):
        _skipped(row, token, prepared, handler, now)
        return False
    message = prepared.message
    try:
        provider_id = backend_for(row.channel).send(message)
    except PermanentError as exc:
        _fail(row, token, handler, str(exc), exc, now, sent_to=message.to)
        return False
    except ChannelError as exc:
        _finish(row, token, status=Delivery.Status.FAILED, last_error=str(exc)[:300], sent_to=message.to)
        return False
    return bool(mark_sent([(row.pk, message.to, provider_id)], token))
