"""One interface for every way a message leaves Triangel.

A backend either returns the provider's message id or raises ``TemporaryError``
(try again later) or ``PermanentError`` (this destination will never work). Backends
are chosen by settings (``SMS_BACKEND``; e-mail uses Django's ``EMAIL_BACKEND``).
"""

import json
import logging
import smtplib
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

logger = logging.getLogger(__name__)


class ChannelError(Exception):
    pass


class TemporaryError(ChannelError):
    """Worth retrying: a timeout, a 5xx, a rate limit, a refused connection."""


class PermanentError(ChannelError):
    """Retrying cannot help. ``destination_dead`` means this number or address is unusable."""

    def __init__(self, message: str, *, destination_dead: bool = True) -> None:
        super().__init__(message)
        self.destination_dead = destination_dead


@dataclass(frozen=True)
class Message:
    to: str
    text: str
    subject: str
    idempotency_key: str


class Backend(Protocol):
    def send(self, message: Message) -> str: ...


class ConsoleSmsBackend:
    """Development: prints the SMS to standard output (never to the log)."""

    def send(self, message: Message) -> str:
        sys.stdout.write(f"[SMS to {message.to}] {message.text}\n")
        sys.stdout.flush()
        return f"console-{message.idempotency_key}"


class FileSmsBackend:
    """Development and tests: appends one JSON line per message to ``SMS_FILE_PATH``."""

    _lock = threading.Lock()

    def send(self, message: Message) -> str:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": message.to, "text": message.text, "idempotency_key": message.idempotency_key}, ensure_ascii=False
        )
        with self._lock, path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return f"file-{message.idempotency_key}"


class HttpSmsBackend:
    """A generic HTTP gateway: JSON POST with the idempotency key as a header.

    Request: ``{"to": "+47…", "text": "…", "reference": key}``, headers
    ``Authorization: Bearer SMS_HTTP_TOKEN`` and ``Idempotency-Key: key``.
    Response 2xx with ``{"id": "…"}``. 400/404/410/422 mean the number is unusable;
    401/403 are our configuration (temporary, so nothing is lost while it is fixed);
    408/429/5xx and network errors are temporary.
    """

    _client: httpx.Client | None = None
    _client_lock = threading.Lock()

    @classmethod
    def client(cls) -> httpx.Client:
        # One pooled client per process: keeps connections to the gateway open between sends.
        with cls._client_lock:
            if cls._client is None:
                cls._client = httpx.Client(
                    timeout=httpx.Timeout(settings.SMS_HTTP_TIMEOUT),
                    limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
                )
            return cls._client

    def send(self, message: Message) -> str:
        headers = {"Idempotency-Key": message.idempotency_key}
        if settings.SMS_HTTP_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
        body = {"to": message.to, "text": message.text, "reference": message.idempotency_key}
        if settings.SMS_SENDER:
            body["from"] = settings.SMS_SENDER
        try:
            response = self.client().post(settings.SMS_HTTP_URL, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryError(f"gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code in (400, 404, 410, 422):
            raise PermanentError(f"gateway refused the number ({response.status_code})")
        if response.status_code >= 300:
            raise TemporaryError(f"gateway answered {response.status_code}")
        try:
            return str(response.json().get("id") or message.idempotency_key)
        except ValueError:
            return message.idempotency_key


class EmailBackend:
    """E-mail through Django's configured backend (SMTP in production)."""

    def send(self, message: Message) -> str:
        message_id = f"<{message.idempotency_key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            # A stable Message-ID lets a mail system drop a copy re-sent after a crash.
            headers={"Message-ID": message_id, "X-Idempotency-Key": message.idempotency_key},
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError("recipient address refused") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryError(f"mail server: {type(exc).__name__}") from exc
        return message_id


_SMS_BACKENDS: dict[str, type] = {"console": ConsoleSmsBackend, "file": FileSmsBackend, "http": HttpSmsBackend}


def sms_backend() -> Backend:
    name = settings.SMS_BACKEND
    try:
        return _SMS_BACKENDS[name]()
    except KeyError as exc:
        raise ChannelError(f"unknown SMS_BACKEND {name!r}; use one of {sorted(_SMS_BACKENDS)}") from exc


def backend_for(channel: str) -> Backend:
    return sms_backend() if channel == "sms" else EmailBackend()
