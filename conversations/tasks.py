"""Celery task of conversations: the periodic retention purge (safe to run twice)."""

from celery import shared_task

from conversations import services


@shared_task(ignore_result=True)
def purge_old_messages() -> int:
    return services.messages_purge()
