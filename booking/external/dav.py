"""A worker's CalDAV calendar: reading its events, and writing Triangel's meetings into it."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import caldav
import niquests
from caldav.elements.base import ValuedBaseElement
from caldav.lib import error as dav_error
from django.conf import settings

from booking.external import SyncError
from booking.external.fetch import check_address, normalised_url


class GetCtag(ValuedBaseElement):
    """The collection tag (CalendarServer extension, served by most CalDAV servers): it changes
    whenever anything in the calendar does, so an unchanged calendar costs one request."""

    tag = "{http://calendarserver.org/ns/}getctag"


@dataclass(frozen=True)
class Connection:
    url: str
    username: str
    password: str


@contextmanager
def _errors() -> Iterator[None]:
    """The library's and the HTTP client's errors, as codes the worker's page explains."""
    try:
        yield
    except SyncError:
        raise
    except dav_error.AuthorizationError as error:
        raise SyncError("auth") from error
    except dav_error.NotFoundError as error:
        raise SyncError("not_found") from error
    except niquests.exceptions.Timeout as error:
        raise SyncError("timeout") from error
    except (niquests.exceptions.ConnectionError, OSError) as error:
        raise SyncError("unreachable", type(error).__name__) from error
    except (dav_error.DAVError, niquests.exceptions.RequestException) as error:
        raise SyncError("server", type(error).__name__) from error


def open_calendar(connection: Connection) -> caldav.Calendar:
    """A handle on the calendar (no request yet); checks the address first."""
    url = normalised_url(connection.url)
    check_address(url)
    client = caldav.DAVClient(
        url=url,
        username=connection.username or None,
        password=connection.password or None,
        timeout=settings.EXTERNAL_CALENDAR_TIMEOUT,
        # The address is the calendar itself: no discovery through DNS or well-known URLs,
        # which could lead the request elsewhere than the address that was checked.
        enable_rfc6764=False,
        require_tls=False,
    )
    return client.calendar(url=url)


def ctag(calendar: caldav.Calendar) -> str:
    """The calendar's collection tag ("" if the server keeps none). Also proves the calendar
    is there and the password is right."""
    with _errors():
        value = calendar.get_property(GetCtag())
    return str(value or "")


def events_between(calendar: caldav.Calendar, first: datetime, last: datetime) -> list[Any]:
    """The icalendar objects of the events that touch first..last (recurring ones whole; the
    caller expands them)."""
    with _errors():
        found = calendar.search(start=first, end=last, event=True, expand=False)
        return [item.icalendar_instance for item in found]


def put_event(calendar: caldav.Calendar, uid: str, ical: str) -> None:
    """Write (or overwrite) the event with this UID."""
    with _errors():
        caldav.Event(calendar.client, url=calendar.url.join(f"{uid}.ics"), data=ical, parent=calendar).save()


def delete_event(calendar: caldav.Calendar, uid: str) -> None:
    """Take the event with this UID out; one already gone is fine."""
    with _errors():
        try:
            caldav.Event(calendar.client, url=calendar.url.join(f"{uid}.ics"), parent=calendar).delete()
        except dav_error.NotFoundError:
            return
