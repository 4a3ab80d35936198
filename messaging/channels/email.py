"""E-mail through Django's configured backend (SMTP in production, files in a local run)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from messaging.channels import register
from messaging.channels.base import Backend, Message, PermanentError, TemporaryError


class EmailBackend:
    def send(self, message: Message) -> str:
        # A stable Message-ID lets a mail system drop a copy re-sent after a crash.
        message_id = message.message_id or f"<{message.idempotency_key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={**message.headers, "Message-ID": message_id, "X-Idempotency-Key": message.idempotency_key},
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
        for attachment in message.attachments:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError("recipient address refused") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryError(f"mail server: {type(exc).__name__}") from exc
        return message_id


@register("email")
def email_backend() -> Backend:
    return EmailBackend()
