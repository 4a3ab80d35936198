"""Reads for the unit's picture (``insight``): help now, the waiting list and feedback, counted
in SQL, each count with the number of different people behind it."""

from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth, TruncTime, TruncWeek

from care.models import Feedback, HelpRequest, Idea, WaitingEntry
from config.aggregates import percentile
from people.models import OpeningHours


def _answer_time() -> ExpressionWrapper:
    return ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())


def help_requests_by_hour(*, unit_id: int, start: datetime, end: datetime, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Help requests asked in [start, end) per local hour of the day (0–23): how many, how many
    came outside opening hours, and the time to the first answer (median and 90th percentile;
    requests never answered are left out of those)."""
    answered = Q(acknowledged_at__isnull=False)
    rows = (
        HelpRequest.objects.filter(unit_id=unit_id, created_at__gte=start, created_at__lt=end)
        .annotate(
            hour=ExtractHour("created_at", tzinfo=tz),
            local_weekday=ExtractIsoWeekDay("created_at", tzinfo=tz) - 1,
            local_time=TruncTime("created_at", tzinfo=tz),
        )
        .annotate(was_open=Exists(_open_hours_subquery()))
        .values("hour")
        .annotate(
            requests=Count("id"),
            requests_people=Count("user", distinct=True),
            outside_hours=Count("id", filter=Q(was_open=False)),
            outside_hours_people=Count("user", distinct=True, filter=Q(was_open=False)),
            answered=Count("id", filter=answered),
            answered_people=Count("user", distinct=True, filter=answered),
            answer_median=percentile(_answer_time(), 0.5, filter=answered),
            answer_p90=percentile(_answer_time(), 0.9, filter=answered),
        )
        .order_by("hour")
    )
    return list(rows)


def _open_hours_subquery() -> Any:
    """The unit's opening hours that held at the request's local weekday and time."""
    return OpeningHours.objects.filter(
        unit_id=OuterRef("unit_id"),
        weekday=OuterRef("local_weekday"),
        start__lte=OuterRef("local_time"),
        end__gt=OuterRef("local_time"),
    )


def waiting_by_period(
    *, unit_id: int, start: datetime, end: datetime, by: Literal["week", "month"], tz: ZoneInfo
) -> list[dict[str, Any]]:
    """People who joined the unit's waiting lists in [start, end), per period of joining: how
    many joined, got a time, left, and the wait in days until they got a time (median, p90)."""
    got_time = Q(status=WaitingEntry.Status.BOOKED, ended_at__isnull=False)
    left = Q(status=WaitingEntry.Status.LEFT)
    wait = ExpressionWrapper(F("ended_at") - F("joined_at"), output_field=DurationField())
    trunc = (TruncWeek if by == "week" else TruncMonth)("joined_at", tzinfo=tz)
    rows = (
        WaitingEntry.objects.filter(
            meeting_type__calendar__owner__unit_id=unit_id, joined_at__gte=start, joined_at__lt=end
        )
        .annotate(period=trunc)
        .values("period")
        .annotate(
            joined=Count("id"),
            joined_people=Count("user", distinct=True),
            got_time=Count("id", filter=got_time),
            got_time_people=Count("user", distinct=True, filter=got_time),
            left=Count("id", filter=left),
            left_people=Count("user", distinct=True, filter=left),
            wait_median=percentile(wait, 0.5, filter=got_time),
            wait_p90=percentile(wait, 0.9, filter=got_time),
        )
        .order_by("period")
    )
    return list(rows)


def feedback_by_month(*, unit_id: int, first_month: date, last_month: date) -> list[dict[str, Any]]:
    """Ratings of the unit's meetings per month (feedback keeps only the month): how many and
    the average face (1–5). Anonymous ratings name nobody, so each rating counts as a person."""
    rows = (
        Feedback.objects.filter(calendar__owner__unit_id=unit_id, month__gte=first_month, month__lte=last_month)
        .values("month")
        .annotate(ratings=Count("id"), average=Avg("face"))
        .order_by("month")
    )
    return list(rows)


def ideas_by_status(*, unit_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Ideas suggested in [start, end) by what became of them, with how many people suggested
    them (an idea whose author has left counts as one person)."""
    rows = (
        Idea.objects.filter(unit_id=unit_id, created_at__gte=start, created_at__lt=end)
        .values("status")
        .annotate(
            ideas=Count("id"),
            named_people=Count("author", distinct=True),
            unnamed=Count("id", filter=Q(author__isnull=True)),
        )
        .order_by("status")
    )
    return [{**row, "ideas_people": row.pop("named_people") + row.pop("unnamed")} for row in rows]
