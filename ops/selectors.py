"""The figures an operator alerts on, read when Prometheus scrapes: each one query, each on an
index (or a small table), none touching a person's name, number or words."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from booking.models import ExternalCalendar
from care.models import HelpRequest
from messaging.models import Delivery


@dataclass(frozen=True)
class HelpFigures:
    waiting: dict[str, int]  # open, unanswered requests by status (waiting: the unit is closed)
    oldest: dict[str, datetime | None]  # when the oldest of each was asked
    escalation_due: datetime | None  # the oldest next step of the escalation that is due
    unanswered_after_chain: int  # everyone on the chain was alerted and nobody answered


def deliveries_by_status_and_channel() -> dict[tuple[str, str], int]:
    """Rows of the outbox by status and channel (one GROUP BY; see docs/operations.md for its cost)."""
    rows = Delivery.objects.order_by().values_list("status", "channel").annotate(n=Count("id"))
    return {(status, channel): n for status, channel, n in rows}


def deliveries_oldest_due(*, now: datetime) -> datetime | None:
    """The due time of the oldest message due and not yet claimed (the dispatcher's index)."""
    return (
        Delivery.objects.filter(status=Delivery.Status.SCHEDULED, due_at__lte=now)
        .order_by()
        .aggregate(oldest=Min("due_at"))["oldest"]
    )


def help_figures(*, now: datetime) -> HelpFigures:
    unanswered = [HelpRequest.Status.WAITING, HelpRequest.Status.ALERTING]
    rows = (
        HelpRequest.objects.filter(status__in=unanswered)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"), oldest=Min("created_at"))
    )
    waiting = {status: 0 for status in unanswered}
    oldest: dict[str, datetime | None] = {status: None for status in unanswered}
    for status, n, first in rows:
        waiting[status], oldest[status] = n, first
    # The escalation sweep's own index (help_due_idx): a step due long ago means it is not running.
    escalation = (
        HelpRequest.objects.filter(status__in=unanswered, due_at__lte=now).order_by().aggregate(due=Min("due_at"))
    )
    # The last person on the chain was alerted (no next step) and still nobody has answered.
    after_chain = HelpRequest.objects.filter(status=HelpRequest.Status.ALERTING, due_at__isnull=True).count()
    return HelpFigures(
        waiting={str(k): v for k, v in waiting.items()},
        oldest={str(k): v for k, v in oldest.items()},
        escalation_due=escalation["due"],
        unanswered_after_chain=after_chain,
    )


def external_calendars() -> tuple[int, int]:
    """(connected, failing now): a calendar fails from its first failed read until one succeeds."""
    figures = ExternalCalendar.objects.order_by().aggregate(
        total=Count("id"), failing=Count("id", filter=Q(failing_since__isnull=False))
    )
    return figures["total"], figures["failing"]
