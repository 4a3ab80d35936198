"""The date range and period the unit's picture is drawn for, read from a request's query."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from config.errors import ApplicationError

Period = Literal["week", "month"]
PERIODS: tuple[Period, ...] = ("week", "month")
# Two years and a day: enough for a year against the year before, small enough to stay fast.
MAX_DAYS = 731
DEFAULT_WEEKS = 12
DEFAULT_MONTHS = 11


@dataclass(frozen=True)
class InsightRange:
    first: date
    last: date  # inclusive
    by: Period
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        """Local midnight at the start of the first day."""
        return datetime.combine(self.first, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """Local midnight after the last day (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.tz)


def default_first(*, last: date, by: Period) -> date:
    """The last twelve weeks and this one (from a Monday), or the last eleven months and this one."""
    if by == "week":
        return last - timedelta(days=last.weekday(), weeks=DEFAULT_WEEKS)
    month = last.year * 12 + last.month - 1 - DEFAULT_MONTHS
    return date(month // 12, month % 12 + 1, 1)


def insight_range(*, first: date | None, last: date | None, by: str | None, today: date, tz: ZoneInfo) -> InsightRange:
    """The range asked for, with defaults for what was left out.

    Raises ApplicationError (400, with the fields named) for an unknown period, a range that
    ends before it starts, or one longer than two years."""
    by = by or "week"
    if by not in PERIODS:
        raise ApplicationError(_("Choose week or month."), fields={"by": [_("Choose week or month.")]})
    last = last or today
    first = first or default_first(last=last, by=by)  # type: ignore[arg-type]
    if first > last:
        message = _("The first day must come before the last day.")
        raise ApplicationError(message, fields={"from": [message]})
    if (last - first).days > MAX_DAYS:
        message = _("Choose at most two years at a time.")
        raise ApplicationError(message, fields={"from": [message]})
    return InsightRange(first=first, last=last, by=by, tz=tz)  # type: ignore[arg-type]
