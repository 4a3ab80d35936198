"""A person's saved services in what Triangel holds about them (``audit.records``)."""

from datetime import datetime
from typing import Any

from audit.records import Record, iso
from services.models import SavedService


def export(person: Any) -> list[dict[str, Any]]:
    rows = SavedService.objects.filter(user=person).select_related("service").order_by("created_at")
    return [
        {
            "service": row.service.name,
            "saved": iso(row.created_at),
            "suggested_by_worker": row.suggested_by_id is not None,
        }
        for row in rows
    ]


def erase(person: Any, now: datetime) -> None:
    SavedService.objects.filter(user=person).delete()
    SavedService.objects.filter(suggested_by=person).update(suggested_by=None)


RECORD = Record(name="services", export=export, erase=erase)
