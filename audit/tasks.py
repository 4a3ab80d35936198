"""Celery task of the access log: the periodic retention purge (safe to run twice)."""

from celery import shared_task

from audit import services


@shared_task(ignore_result=True)
def purge_access_log() -> int:
    return services.access_log_purge()
