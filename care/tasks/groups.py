"""Celery tasks for responsibility groups: thin, ids only, retry policy here."""

from smtplib import SMTPException

from celery import shared_task

from care.services import groups as services


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError, SMTPException),
    retry_backoff=True,
    max_retries=6,
)
def send_invitation_mail(mail_id: int) -> bool:
    """Send one invitation e-mail; running it twice sends it once."""
    return services.invitation_mail_send(mail_id=mail_id)


@shared_task(ignore_result=True)
def invitation_mails_sweep() -> int:
    """Periodic: send the invitation e-mails still owed (see the service)."""
    return services.invitation_mails_sweep()
