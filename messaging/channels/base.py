"""What every channel has in common: the message handed to it, and how it fails.

A backend either returns the provider's message id or raises ``TemporaryError`` (try again
later) or ``PermanentError`` (this destination will never work).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


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
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Message:
    """One message to one address. ``idempotency_key`` goes to the provider with every
    attempt, so a copy re-sent after a crash is recognised and dropped. E-mail only:
    ``attachments``, extra ``headers`` and a ``message_id`` of the sender's own (else one is
    made from the idempotency key)."""

    to: str
    text: str
    subject: str
    idempotency_key: str
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    message_id: str = ""


class Backend(Protocol):
    def send(self, message: Message) -> str: ...
