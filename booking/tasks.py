"""Celery tasks of booking: reading the calendars workers connected (safe to run twice: a sync
writes only differences, one sync of a calendar at a time)."""

from celery import shared_task

from booking.services import external


@shared_task(ignore_result=True)
def external_calendars_sync_due() -> int:
    """Every few minutes (beat): one sync task per connected calendar whose turn it is."""
    due = external.external_calendars_due()
    for source_id in due:
        external_calendar_sync.delay(source_id)
    return len(due)


@shared_task(ignore_result=True)
def external_calendar_sync(source_id: int) -> None:
    external.external_calendar_sync(source_id=source_id)
