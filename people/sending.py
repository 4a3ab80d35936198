"""How sign-in messages are sent: the outbox handler of their kinds (``messaging.kinds``).

A code or a link is secret, so the outbox never stores it: the request that asked sends the
message at once (``messaging.sending.delivery_send_now``) with the secret and the address in
the row's ``transient`` values. A row found later without them (its request died) is
cancelled, never sent without its secret.
"""

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from messaging.channels import Message, PermanentError
from messaging.kinds import Ready, Skip
from messaging.models import Delivery
from messaging.texts import render


class SignInMessages:
    # The person is waiting and is told at once when it fails; they ask again.
    max_attempts = 1

    def prefetch(self, rows: Sequence[Delivery]) -> None:
        """Nothing to load: the row's recipient comes with it."""

    def prepare(self, row: Delivery, now: datetime) -> Ready | Skip:
        transient = getattr(row, "transient", None)
        if not transient or row.recipient is None:
            return Skip(Delivery.Status.CANCELLED, "a sign-in message goes only from the request that asked for it")
        user = row.recipient
        values = {key: value for key, value in transient.items() if key != "to"}
        subject, text = render(
            kind=row.kind, language=user.language, tz=ZoneInfo(user.timezone), at=now, context=values
        )
        return Ready(Message(to=transient["to"], text=text, subject=subject, idempotency_key=str(row.idempotency_key)))

    def failed(self, row: Delivery, reason: str, error: PermanentError | None, now: datetime) -> None:
        """Nothing to do: the person is told at once and asks again."""
