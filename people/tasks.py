"""Celery task of people: the daily purge of expired API tokens (safe to run twice)."""

from celery import shared_task

from people import services


@shared_task(ignore_result=True)
def purge_api_tokens() -> int:
    return services.api_tokens_purge()
