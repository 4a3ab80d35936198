"""Writes of the access log: the rows a request noted, and the retention purge."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.log import Row
from audit.models import AccessEntry

# One INSERT of column arrays: about a third of the time of building model objects for
# ``bulk_create`` when a page shows a caseload of 200 (``bench/bench_access_log.py``). The
# one-row subquery makes the statement's own transaction commit without waiting for the disk
# (``set_config(..., true)`` lasts until that commit): one round trip, nothing else changed.
_INSERT_ROWS = (
    "INSERT INTO audit_accessentry"
    " (subject_id, actor_id, actor_role, action, what, object_id, count, via, path, at)"
    " SELECT rows.* FROM UNNEST(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[],"
    " %s::bigint[], %s::integer[], %s::varchar[], %s::varchar[], %s::timestamptz[]) AS rows,"
    " (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous_commit"
)


def access_rows_write(rows: list[Row]) -> None:
    """Write what a request noted, in one statement.

    On PostgreSQL it commits without waiting for the disk (``synchronous_commit = off`` for
    its own transaction alone): a page that only reads would otherwise wait for a flush of the
    write-ahead log. The price: if PostgreSQL itself crashes, the rows of the last fraction of
    a second (at most three times ``wal_writer_delay``, 0.6 s by default) can be lost; never
    half a row, and nothing else. Inside a transaction that is already open (a test's), the
    setting lasts until that one ends."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        AccessEntry.objects.bulk_create([AccessEntry(**row._asdict()) for row in rows])
        return
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ROWS, [list(column) for column in zip(*rows, strict=True)])


def access_log_purge(*, now: datetime | None = None) -> int:
    """Delete entries older than ``ACCESS_LOG_KEEP_DAYS``; returns how many.

    The only deletion the log allows: on PostgreSQL its trigger refuses every UPDATE and
    DELETE unless this transaction says it is the purge (``triangel.access_log_purge``)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCESS_LOG_KEEP_DAYS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL triangel.access_log_purge = 'on'")
        deleted, _ = AccessEntry.objects.filter(at__lt=cutoff).delete()
    return deleted
