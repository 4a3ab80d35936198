"""Celery tasks of reminders: thin wrappers that call one service. Periodic, and safe to run
twice or at the same time as another copy of themselves. Sending is the outbox's
(``messaging.tasks``)."""

from celery import shared_task

from reminders import services


@shared_task(ignore_result=True)
def materialize_plans() -> int:
    created = services.plans_materialize_all()
    created += services.summaries_materialize()
    return created


@shared_task(ignore_result=True)
def medication_followups() -> int:
    return services.medication_followups()
