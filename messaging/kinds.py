"""Who prepares each kind of message for sending.

The outbox knows how to claim, send, retry and record a message, not what it says or where
it goes: that belongs to the app that wrote the row. Each app registers one handler for its
kinds when it is ready — reminders for the notices to a person, care for the invitations to
people outside the service, people for sign-in messages — and the sender asks the handler of
each row's kind.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from messaging.channels import Message, PermanentError
from messaging.models import Delivery


@dataclass(frozen=True)
class Ready:
    """A row ready to go: the message, whose ``to`` is recorded as the row's ``sent_to``."""

    message: Message


@dataclass(frozen=True)
class Skip:
    """A row that is not sent: it ends ``status`` (cancelled, failed or missed), for ``reason``.
    A failed row is passed to its handler's ``failed`` (another way to reach the person)."""

    status: str
    reason: str


class Handler(Protocol):
    """What the sender needs from the app that owns a kind of message."""

    # Attempts before a temporary failure (a gateway or mail server down) becomes final.
    max_attempts: int

    def prefetch(self, rows: Sequence[Delivery]) -> None:
        """Load what ``prepare`` will need for these rows, in a few queries for the batch."""

    def prepare(self, row: Delivery, now: datetime) -> Ready | Skip:
        """The message for ``row`` (address, text, subject), or why it is not sent."""

    def failed(self, row: Delivery, reason: str, error: PermanentError | None, now: datetime) -> None:
        """``row`` has just been marked failed, in this transaction: ``error`` is the channel's
        permanent refusal (None when ``prepare`` found no address). A handler may stop using a
        dead address or write a fallback row."""


_handlers: dict[str, Handler] = {}


def register(handler: Handler, *kinds: str) -> None:
    """Make ``handler`` the one that prepares messages of ``kinds``."""
    for kind in kinds:
        _handlers[kind] = handler


def handler_for(kind: str) -> Handler:
    """The handler of ``kind``. ``LookupError`` for a kind nobody registered."""
    try:
        return _handlers[kind]
    except KeyError:
        raise LookupError(f"no handler for messages of kind {kind!r}") from None
