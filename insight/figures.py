"""The unit's picture: every figure of the insight page and API, from the owning apps'
selectors (all counting is done in SQL there), with small numbers hidden.

Each figure is a list of rows of plain values (``int``, ``float``, ``None`` for "nothing to
compute", or ``SUPPRESSED``) keyed as the API names them; the page, its CSV downloads and the
API all read the same rows, so none can show what another hides.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from booking import insight as booking_insight
from care.models import Idea
from care.selectors import insight as care_insight
from insight.ranges import InsightRange
from insight.suppression import count, duration, rate
from messaging import insight as messaging_insight
from people.models import User

Row = dict[str, Any]
CHANNELS = ("sms", "email")


@dataclass
class Picture:
    range: InsightRange
    periods: list[date] = field(default_factory=list)
    meetings: list[Row] = field(default_factory=list)
    meetings_by_worker: list[Row] = field(default_factory=list)
    reminders: list[Row] = field(default_factory=list)
    help_by_hour: list[Row] = field(default_factory=list)
    waiting: list[Row] = field(default_factory=list)
    feedback: list[Row] = field(default_factory=list)
    ideas: list[Row] = field(default_factory=list)


def _day(value: datetime, rng: InsightRange) -> date:
    return value.astimezone(rng.tz).date()


def meeting_cells(raw: Row) -> Row:
    """The meeting counts of one period or worker, suppressed, with the rates."""
    return {
        "booked": count(raw["booked"], raw["booked_people"]),
        "held": count(raw["held"], raw["held_people"]),
        "cancelled": count(raw["cancelled"], raw["cancelled_people"]),
        "no_show": count(raw["no_show"], raw["no_show_people"]),
        "no_show_rate": rate(raw["no_show"], raw["no_show_people"], raw["closed"], raw["closed_people"]),
        "confirmed_share": rate(raw["confirmed"], raw["confirmed_people"], raw["closed"], raw["closed_people"]),
        "no_show_rate_confirmed": rate(
            raw["confirmed_no_show"], raw["confirmed_no_show_people"], raw["confirmed"], raw["confirmed_people"]
        ),
        "no_show_rate_unconfirmed": rate(
            raw["unconfirmed_no_show"], raw["unconfirmed_no_show_people"], raw["unconfirmed"], raw["unconfirmed_people"]
        ),
    }


EMPTY_MEETINGS: Row = {key: 0 for name in booking_insight.MEETING_COUNTS for key in (name, f"{name}_people")}


def _meetings(picture: Picture, unit_id: int) -> None:
    rng = picture.range
    where = {"unit_id": unit_id, "start": rng.start, "end": rng.end}
    by_period = {
        _day(row["period"], rng): row for row in booking_insight.meetings_by_period(**where, by=rng.by, tz=rng.tz)
    }
    cancels = {
        _day(row["period"], rng): row for row in booking_insight.cancellations_by_whom(**where, by=rng.by, tz=rng.tz)
    }
    for period in picture.periods:
        raw = by_period.get(period, EMPTY_MEETINGS)
        cancel = cancels.get(period)
        picture.meetings.append({"period": period, **meeting_cells(raw), **_cancelled_by(raw, cancel)})
    for raw in booking_insight.meetings_by_worker(**where):
        picture.meetings_by_worker.append(
            {"worker": raw["worker"], "worker_name": raw["worker_name"], **meeting_cells(raw)}
        )


def _cancelled_by(raw: Row, cancel: Row | None) -> Row:
    if cancel is None:
        return {"cancelled_by_person": 0, "cancelled_by_staff": 0, "cancelled_by_system": 0}
    system = cancel["cancelled"] - cancel["by_person"] - cancel["by_staff"]
    # The people behind the rest are at most the cancelled meetings' people, less those counted.
    system_people = min(system, cancel["cancelled_people"])
    return {
        "cancelled_by_person": count(cancel["by_person"], cancel["by_person_people"]),
        "cancelled_by_staff": count(cancel["by_staff"], cancel["by_staff_people"]),
        "cancelled_by_system": count(system, system_people),
    }


def _reminders(picture: Picture, unit_id: int) -> None:
    rng = picture.range
    rows = {
        (_day(row["period"], rng), row["channel"]): row
        for row in messaging_insight.deliveries_by_period(
            unit_id=unit_id, start=rng.start, end=rng.end, by=rng.by, tz=rng.tz
        )
    }
    for period in picture.periods:
        for channel in CHANNELS:
            raw = rows.get((period, channel))
            if raw is None:
                picture.reminders.append({"period": period, "channel": channel, "sent": 0, "delivered": 0, "failed": 0})
                continue
            picture.reminders.append(
                {
                    "period": period,
                    "channel": channel,
                    "sent": count(raw["sent"], raw["sent_people"]),
                    "delivered": count(raw["delivered"], raw["delivered_people"]) if channel == "sms" else None,
                    "failed": count(raw["failed"], raw["failed_people"]),
                }
            )


def _help(picture: Picture, unit_id: int) -> None:
    rng = picture.range
    rows = {
        row["hour"]: row
        for row in care_insight.help_requests_by_hour(unit_id=unit_id, start=rng.start, end=rng.end, tz=rng.tz)
    }
    minute = timedelta(minutes=1)
    for hour in range(24):
        raw = rows.get(hour)
        if raw is None:
            picture.help_by_hour.append(
                {
                    "hour": hour,
                    "requests": 0,
                    "outside_opening_hours": 0,
                    "answer_median_minutes": None,
                    "answer_p90_minutes": None,
                }
            )
            continue
        picture.help_by_hour.append(
            {
                "hour": hour,
                "requests": count(raw["requests"], raw["requests_people"]),
                "outside_opening_hours": count(raw["outside_hours"], raw["outside_hours_people"]),
                "answer_median_minutes": duration(raw["answer_median"], raw["answered_people"], unit=minute),
                "answer_p90_minutes": duration(raw["answer_p90"], raw["answered_people"], unit=minute),
            }
        )


def _waiting(picture: Picture, unit_id: int) -> None:
    rng = picture.range
    rows = {
        _day(row["period"], rng): row
        for row in care_insight.waiting_by_period(unit_id=unit_id, start=rng.start, end=rng.end, by=rng.by, tz=rng.tz)
    }
    day = timedelta(days=1)
    for period in picture.periods:
        raw = rows.get(period)
        if raw is None:
            picture.waiting.append(
                {
                    "period": period,
                    "joined": 0,
                    "got_time": 0,
                    "left": 0,
                    "wait_median_days": None,
                    "wait_p90_days": None,
                }
            )
            continue
        picture.waiting.append(
            {
                "period": period,
                "joined": count(raw["joined"], raw["joined_people"]),
                "got_time": count(raw["got_time"], raw["got_time_people"]),
                "left": count(raw["left"], raw["left_people"]),
                "wait_median_days": duration(raw["wait_median"], raw["got_time_people"], unit=day),
                "wait_p90_days": duration(raw["wait_p90"], raw["got_time_people"], unit=day),
            }
        )


def _feedback(picture: Picture, unit_id: int) -> None:
    rng = picture.range
    first_month = rng.first.replace(day=1)
    rows = {
        row["month"]: row
        for row in care_insight.feedback_by_month(unit_id=unit_id, first_month=first_month, last_month=rng.last)
    }
    month = first_month
    while month <= rng.last:
        raw = rows.get(month, {"ratings": 0, "average": None})
        ratings = raw["ratings"]
        average = round(raw["average"], 2) if raw["average"] is not None else None
        picture.feedback.append(
            {"month": month, "ratings": count(ratings, ratings), "average": count(average, ratings)}  # type: ignore[arg-type]
        )
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    by_status = {
        row["status"]: row for row in care_insight.ideas_by_status(unit_id=unit_id, start=rng.start, end=rng.end)
    }
    for status in Idea.Status.values:
        raw = by_status.get(status, {"ideas": 0, "ideas_people": 0})
        picture.ideas.append({"status": status, "ideas": count(raw["ideas"], raw["ideas_people"])})


def unit_picture(*, coordinator: User, rng: InsightRange) -> Picture:
    """Every figure for the coordinator's own unit over ``rng`` (about nine queries).

    The unit is always the caller's: there is no parameter that names another."""
    unit_id = coordinator.unit_id
    if unit_id is None:
        raise ValueError("a coordinator without a unit has no picture")
    picture = Picture(range=rng)
    picture.periods = [
        p.date() for p in booking_insight.period_starts(start=rng.start, end=rng.end, by=rng.by, tz=rng.tz)
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The counts' estimated cost passes PostgreSQL's JIT threshold, and compiling them
            # costs more than running them (measured on the benchmark data): off for these only.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        _meetings(picture, unit_id)
        _reminders(picture, unit_id)
        _help(picture, unit_id)
        _waiting(picture, unit_id)
        _feedback(picture, unit_id)
    return picture
