"""The proposed times on a group's page and on a group meeting's move page: how many days
they cover and from which day, grouped by day, and the start a proposal's button posts."""

from datetime import date, datetime, timedelta
from itertools import groupby

from django.http import HttpRequest

from care.services import groups as services
from config.fields import moment_from_text

PROPOSAL_DAYS = 14
FAR_AHEAD = timedelta(days=services.FAR_DAYS)


def first_proposal_day(asked: date | None, today: date) -> date:
    """The first day to propose times from: the day asked for, not before today and not so
    far ahead that the date arithmetic could overflow (nothing is proposed there anyway)."""
    return min(max(asked or today, today), today + FAR_AHEAD)


def starts_by_day(starts: list[datetime]) -> list[tuple[date, list[datetime]]]:
    return [(day, list(items)) for day, items in groupby(starts, key=lambda s: s.date())]


def posted_start(request: HttpRequest) -> datetime | None:
    """The aware start a proposal's button posted, or None."""
    return moment_from_text(request.POST.get("start", ""))
