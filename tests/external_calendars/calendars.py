"""Calendar text as Outlook, Google and CalDAV servers publish it, for the tests."""

from datetime import date, datetime

import icalendar


def event(
    uid: str,
    start: datetime | date,
    end: datetime | date | None = None,
    *,
    summary: str = "Privat avtale",
    rrule: dict | None = None,
    transparent: bool = False,
    status: str = "",
) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", uid)
    item.add("dtstamp", datetime(2026, 1, 1, 12, 0))
    item.add("dtstart", start)
    if end is not None:
        item.add("dtend", end)
    item.add("summary", summary)
    item.add("attendee", "mailto:someone@example.org")
    if rrule:
        item.add("rrule", rrule)
    if transparent:
        item.add("transp", "TRANSPARENT")
    if status:
        item.add("status", status)
    return item


def calendar_text(*events: icalendar.Event) -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kommunen//Outlook//NO")
    cal.add("version", "2.0")
    for item in events:
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical().decode()
