"""Writes of the access log beyond the notes of a request: the retention purge."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AccessEntry


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
