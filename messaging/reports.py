"""Delivery reports from the SMS gateway: what became of a message after it was handed over."""

from django.db import transaction
from django.utils import timezone

from messaging.channels import PermanentError
from messaging.kinds import handler_for
from messaging.models import Channel, Delivery

# Statuses a gateway reports for a number that will never receive anything.
PERMANENT_STATUSES = {"undeliverable", "invalid_number", "rejected"}


def sms_status(*, provider_message_id: str, status: str, permanent: bool = False) -> bool:
    """Record a delivery report. A permanent failure reported later still reaches the row's
    handler (which stops using the number and tries another way). Returns False for an
    unknown message id."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            # Lock only the delivery: PostgreSQL refuses FOR UPDATE on the nullable side of
            # the outer join to the recipient.
            Delivery.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(provider_message_id=provider_message_id, channel=Channel.SMS)
            .first()
        )
        if row is None:
            return False
        row.delivery_status = status[:30]
        row.save(update_fields=["delivery_status", "updated_at"])
        if permanent or status in PERMANENT_STATUSES:
            reason = f"delivery report: {status}"
            try:
                handler = handler_for(row.kind)
            except LookupError:
                return True
            handler.failed(row, reason, PermanentError(reason), now)
    return True
