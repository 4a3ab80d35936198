"""Celery tasks for "I need help now": one periodic sweep that routes and escalates."""

from celery import shared_task

from care.services import help as services


@shared_task(acks_late=True, ignore_result=True)
def help_requests_advance() -> int:
    """Route requests waiting for the unit to open and escalate unanswered ones; safe to run twice."""
    return services.help_requests_advance()
