"""How messages to a supporter outside the service are sent: the outbox handler of the kind
``supporter`` (``messaging.kinds``).

The text is made when it is sent, from the supporter as they are then: a question no longer
open, or an alert to someone who has since stopped, is not sent. The texts name the owner by
the first name they use here, and nothing else about them.
"""

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings

from messaging.channels import Message, PermanentError
from messaging.kinds import Ready, Skip
from messaging.models import Delivery
from messaging.texts import render
from reminders.models import Supporter
from reminders.services.notices import tz_of

# The supporter's state a message still needs when it is sent (answers go whatever the state).
_NEEDS = {"ask": Supporter.Status.PENDING, "alert": Supporter.Status.AGREED}


class SupporterMessages:
    @property
    def max_attempts(self) -> int:
        return settings.REMINDERS_MAX_ATTEMPTS

    def prefetch(self, rows: Sequence[Delivery]) -> None:
        found = Supporter.objects.select_related("owner").in_bulk([row.about_id for row in rows])
        for row in rows:
            row.supporter = found.get(row.about_id)

    def prepare(self, row: Delivery, now: datetime) -> Ready | Skip:
        if not hasattr(row, "supporter"):
            self.prefetch([row])
        supporter: Supporter | None = row.supporter
        what = row.context.get("what", "")
        if supporter is None or not supporter.owner.is_active:
            return Skip(Delivery.Status.CANCELLED, "the supporter is gone")
        needed = _NEEDS.get(what)
        if needed is not None and supporter.status != needed:
            return Skip(Delivery.Status.CANCELLED, f"supporter {supporter.status}")
        owner = supporter.owner
        subject, text = render(
            kind="supporter",
            language=owner.language,
            tz=tz_of(owner),
            at=row.occurrence_at,
            context={"what": what, "person": owner.short_name},
        )
        return Ready(
            Message(to=str(supporter.number), text=text, subject=subject, idempotency_key=str(row.idempotency_key))
        )

    def failed(self, row: Delivery, reason: str, error: PermanentError | None, now: datetime) -> None:
        """Nothing more to do: the owner's page shows the supporter has not answered."""
