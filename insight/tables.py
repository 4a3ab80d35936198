"""The figures of the unit's picture as tables: a title, the columns in order with their
labels, and which columns the plot draws. The page, its SVG plots and the CSV downloads are
all drawn from these, so a table beside a plot always holds the plot's numbers."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from care.models import Idea
from insight.figures import Picture, Row


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    # "count", "percent", "minutes", "days", "average", or "label" (the row's name).
    kind: str = "count"


@dataclass(frozen=True)
class Figure:
    key: str
    title: str | Promise
    description: str | Promise
    columns: tuple[Column, ...]
    # The columns drawn in the plot (all of one kind, so they share an axis).
    plotted: tuple[str, ...]
    rows: Callable[[Picture], list[Row]]


def _reminder_rows(picture: Picture) -> list[Row]:
    """One row per period, the channels side by side (the API gives one row per channel)."""
    wide: dict[date, Row] = {}
    for row in picture.reminders:
        target = wide.setdefault(row["period"], {"period": row["period"]})
        for key in ("sent", "delivered", "failed"):
            target[f"{row['channel']}_{key}"] = row[key]
    return list(wide.values())


def _idea_rows(picture: Picture) -> list[Row]:
    labels = dict(Idea.Status.choices)
    return [{"status": labels[row["status"]], "ideas": row["ideas"]} for row in picture.ideas]


PERIOD = Column("period", _("Period"), "label")

FIGURES: tuple[Figure, ...] = (
    Figure(
        "meetings",
        _("Meetings"),
        _("Meetings by the time they were set for: held, did not come, and cancelled (and by whom)."),
        (
            PERIOD,
            Column("booked", _("Booked")),
            Column("held", _("Held")),
            Column("no_show", _("Did not come")),
            Column("no_show_rate", _("Did not come (%)"), "percent"),
            Column("cancelled", _("Cancelled")),
            Column("cancelled_by_person", _("Cancelled by the person")),
            Column("cancelled_by_staff", _("Cancelled by staff")),
            Column("cancelled_by_system", _("Cancelled otherwise")),
        ),
        ("held", "no_show", "cancelled"),
        lambda p: p.meetings,
    ),
    Figure(
        "confirmations",
        _("Confirmed reminders"),
        _(
            "Meetings held or missed: how many were confirmed, and how often people did not come "
            "with and without a confirmation."
        ),
        (
            PERIOD,
            Column("confirmed_share", _("Confirmed (%)"), "percent"),
            Column("no_show_rate_confirmed", _("Did not come, confirmed (%)"), "percent"),
            Column("no_show_rate_unconfirmed", _("Did not come, not confirmed (%)"), "percent"),
        ),
        ("no_show_rate_confirmed", "no_show_rate_unconfirmed"),
        lambda p: p.meetings,
    ),
    Figure(
        "workers",
        _("Meetings per worker"),
        _("The whole chosen period, per social worker or peer."),
        (
            Column("worker_name", _("Worker"), "label"),
            Column("booked", _("Booked")),
            Column("held", _("Held")),
            Column("no_show", _("Did not come")),
            Column("no_show_rate", _("Did not come (%)"), "percent"),
            Column("cancelled", _("Cancelled")),
            Column("confirmed_share", _("Confirmed (%)"), "percent"),
        ),
        ("held", "no_show", "cancelled"),
        lambda p: p.meetings_by_worker,
    ),
    Figure(
        "reminders",
        _("Reminders and notices"),
        _("Messages to the unit's people by when they were due: sent, delivered to the phone (SMS only), and failed."),
        (
            PERIOD,
            Column("sms_sent", _("SMS sent")),
            Column("sms_delivered", _("SMS delivered")),
            Column("sms_failed", _("SMS failed")),
            Column("email_sent", _("E-mails sent")),
            Column("email_failed", _("E-mails failed")),
        ),
        ("sms_sent", "sms_failed", "email_sent", "email_failed"),
        _reminder_rows,
    ),
    Figure(
        "help",
        _("Help requests by hour of the day"),
        _("When people asked for help now, how many came outside opening hours, and how long until someone answered."),
        (
            Column("hour", _("Hour"), "label"),
            Column("requests", _("Requests")),
            Column("outside_opening_hours", _("Outside opening hours")),
            Column("answer_median_minutes", _("First answer, median (minutes)"), "minutes"),
            Column("answer_p90_minutes", _("First answer, 9 of 10 within (minutes)"), "minutes"),
        ),
        ("requests", "outside_opening_hours"),
        lambda p: p.help_by_hour,
    ),
    Figure(
        "waiting",
        _("Waiting list"),
        _(
            "People who joined a waiting list, by when they joined: how many got a time or left, "
            "and how long they waited."
        ),
        (
            PERIOD,
            Column("joined", _("Joined")),
            Column("got_time", _("Got a time")),
            Column("left", _("Left the list")),
            Column("wait_median_days", _("Wait, median (days)"), "days"),
            Column("wait_p90_days", _("Wait, 9 of 10 within (days)"), "days"),
        ),
        ("joined", "got_time", "left"),
        lambda p: p.waiting,
    ),
    Figure(
        "feedback",
        _("Feedback after meetings"),
        _("Ratings per month (feedback keeps only the month) and the average of 1 to 5."),
        (
            Column("month", _("Month"), "label"),
            Column("ratings", _("Ratings")),
            Column("average", _("Average (1–5)"), "average"),
        ),
        ("ratings",),
        lambda p: p.feedback,
    ),
    Figure(
        "ideas",
        _("Ideas by status"),
        _("Ideas suggested in the chosen period, by what became of them."),
        (Column("status", _("Status"), "label"), Column("ideas", _("Ideas"))),
        ("ideas",),
        _idea_rows,
    ),
)

BY_KEY = {figure.key: figure for figure in FIGURES}


def figure_rows(figure: Figure, picture: Picture) -> list[Row]:
    return figure.rows(picture)


def value_of(row: Row, column: Column) -> Any:
    return row.get(column.key)
