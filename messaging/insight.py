"""Reads for the unit's picture (``insight``): what became of the messages to a unit's people."""

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek

from messaging.models import Delivery
from messaging.reports import PERMANENT_STATUSES

# What the SMS gateway reports for a message that reached the phone.
DELIVERED_STATUSES = ("delivered",)

SENT = Q(status=Delivery.Status.SENT)
DELIVERED = SENT & Q(delivery_status__in=DELIVERED_STATUSES)
FAILED = Q(status=Delivery.Status.FAILED) | Q(delivery_status__in=sorted(PERMANENT_STATUSES))


def deliveries_by_period(
    *, unit_id: int, start: datetime, end: datetime, by: Literal["week", "month"], tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Messages to the unit's people due in [start, end), per period and channel: sent (handed
    to the gateway or mail server), delivered (the gateway reported it reached the phone; e-mail
    has no such report) and failed, each with the number of different recipients behind it."""
    trunc = (TruncWeek if by == "week" else TruncMonth)("due_at", tzinfo=tz)
    rows = (
        Delivery.objects.filter(recipient__unit_id=unit_id, due_at__gte=start, due_at__lt=end)
        .annotate(period=trunc)
        .values("period", "channel")
        .annotate(
            sent=Count("id", filter=SENT),
            sent_people=Count("recipient", distinct=True, filter=SENT),
            delivered=Count("id", filter=DELIVERED),
            delivered_people=Count("recipient", distinct=True, filter=DELIVERED),
            failed=Count("id", filter=FAILED),
            failed_people=Count("recipient", distinct=True, filter=FAILED),
        )
        .order_by("period", "channel")
    )
    return list(rows)
