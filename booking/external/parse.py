"""Busy intervals from calendar text: only start, end and a hash of each event occurrence.

Recurring events are expanded in their own time zones (recurring-ical-events), so a weekly
10:00 meeting stays at 10:00 local time on both sides of a daylight-saving change. Free
("transparent") and cancelled events are not busy. Events Triangel wrote itself (write-back)
are recognised by their UID and skipped, or a meeting would block its own time.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from booking.external import SyncError

# The UID of every event Triangel writes into a worker's calendar ends with this.
OWN_UID_SUFFIX = "@triangel"


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime
    event_hash: str


def calendars_from_text(body: bytes) -> list[icalendar.Calendar]:
    """Parse one or more VCALENDARs; anything else is ``SyncError("invalid")``."""
    try:
        calendars = icalendar.Calendar.from_ical(body, multiple=True)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise SyncError("invalid", type(error).__name__) from error
    if not calendars or any(c.name != "VCALENDAR" for c in calendars):
        raise SyncError("invalid")
    return list(calendars)


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    # A date is a whole day in the worker's time zone; a floating time is the worker's too.
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def busy_times(calendars: Iterable[icalendar.Calendar], *, tz: ZoneInfo, first: datetime, last: datetime) -> list[Busy]:
    """Every busy occurrence between ``first`` and ``last``, one per distinct occurrence."""
    found: dict[str, Busy] = {}
    for calendar in calendars:
        single, series = _split(calendar)
        # Most events of a working calendar happen once: those are read directly, and only
        # series (with their moved or cancelled occurrences) go through the expansion, which
        # costs several times more per event.
        for event in single:
            busy = _busy_of(event, tz)
            if busy is not None and busy.start < last and busy.end > first:
                found[busy.event_hash] = busy
        if series is None:
            continue
        try:
            occurrences = recurring_ical_events.of(series, skip_bad_series=True).between(first, last)
        except (ValueError, TypeError, KeyError) as error:
            raise SyncError("invalid", type(error).__name__) from error
        for event in occurrences:
            busy = _busy_of(event, tz)
            if busy is not None:
                found[busy.event_hash] = busy
    return list(found.values())


def _split(calendar: icalendar.Calendar) -> tuple[list[icalendar.Event], icalendar.Calendar | None]:
    """The calendar's one-off events, and a calendar of its series (every event sharing a UID
    with one that repeats or is an exception to a series), with the time zones they use."""
    events = calendar.walk("VEVENT")
    repeating = {str(e.get("UID", "")) for e in events if "RRULE" in e or "RDATE" in e or "RECURRENCE-ID" in e}
    single = [e for e in events if str(e.get("UID", "")) not in repeating]
    if not repeating:
        return single, None
    series = icalendar.Calendar()
    for name, value in calendar.property_items(recursive=False):
        if name not in ("BEGIN", "END"):
            series.add(name, value, encode=False)
    for timezone_component in calendar.walk("VTIMEZONE"):
        series.add_component(timezone_component)
    for event in events:
        if str(event.get("UID", "")) in repeating:
            series.add_component(event)
    return single, series


def _busy_of(event: icalendar.Event, tz: ZoneInfo) -> Busy | None:
    uid = str(event.get("UID", ""))
    if uid.endswith(OWN_UID_SUFFIX):
        return None
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if "DTSTART" not in event:
        return None
    raw_start = event["DTSTART"].dt
    start = _instant(raw_start, tz)
    if "DTEND" in event:
        end = _instant(event["DTEND"].dt, tz)
    elif "DURATION" in event:
        end = start + event["DURATION"].dt
    else:
        # RFC 5545: a date without an end lasts the day; a time without one takes no time.
        end = _instant(raw_start + timedelta(days=1), tz) if not isinstance(raw_start, datetime) else start
    if end <= start:
        return None
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    digest = hashlib.sha256(f"{uid}|{start_utc.isoformat()}|{end_utc.isoformat()}".encode()).hexdigest()
    return Busy(start_utc, end_utc, digest)


def set_hash(busy: Iterable[Busy], *, salt: str = "") -> str:
    """One hash of a whole set of busy times (and ``salt``): equal sets, equal hashes."""
    return hashlib.sha256("\n".join([salt, *sorted(b.event_hash for b in busy)]).encode()).hexdigest()
