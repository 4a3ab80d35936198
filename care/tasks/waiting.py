"""Celery tasks for the waiting list: thin, ids only."""

from celery import shared_task

from care.services import waiting as services


@shared_task(acks_late=True, ignore_result=True)
def slot_freed(appointment_id: int) -> None:
    """Queued on commit when an appointment is cancelled or moved; safe to run twice."""
    services.waiting_slot_freed(appointment_id=appointment_id)


@shared_task(ignore_result=True)
def offers_sweep() -> int:
    return services.waiting_offers_sweep()
