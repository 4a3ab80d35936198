"""The messages sent to a person, in what Triangel holds about them (``audit.records``). Erased,
they go, and the notices about them to staff keep no trace of them (initials, an id)."""

from datetime import datetime
from typing import Any

from audit.records import Record, iso
from messaging.models import Delivery


def export(person: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": row.kind,
            "channel": row.channel,
            "status": row.status,
            "due": iso(row.due_at),
            "sent": iso(row.sent_at),
            "to": row.sent_to,
            "delivery_report": row.delivery_status,
        }
        for row in Delivery.objects.filter(recipient=person).order_by("due_at")
    ]


def erase(person: Any, now: datetime) -> None:
    Delivery.objects.filter(recipient=person).delete()
    Delivery.objects.filter(context__client_id=person.pk).update(context={})


RECORD = Record(name="messages", export=export, erase=erase)
