"""Busy time from the calendars workers already use: connecting, syncing, writing back.

A sync reads the calendar first (network, no transaction open), then writes only what changed
in one short transaction: busy rows that appeared are inserted, those that went are deleted,
and the calendar's version changes with them (migration 0008's triggers), so every cached
free time of the calendar is stale in the same commit. An unchanged calendar (304, the same
ctag, or the same events) writes no busy rows and leaves the version, and so the slot cache,
alone. Busy time that lands on a booked meeting does not cancel it: the worker gets a task.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from booking import events
from booking.availability import _local_midnight
from booking.external import SyncError, credentials, dav, parse
from booking.external.fetch import check_address, fetch_ics, normalised_url
from booking.ical import appointment_event
from booking.models import Appointment, ExternalBusy, ExternalCalendar, ExternalWrite
from booking.selectors import appointments_clashing, appointments_to_write_back
from booking.services.calendars import calendar_for
from config.errors import ApplicationError, Conflict
from people.models import User

logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    """What one sync did: busy times ``added`` and ``removed``, whether nothing had changed,
    meetings written into and taken out of the calendar, and the error code if it failed."""

    added: int = 0
    removed: int = 0
    unchanged: bool = False
    written: int = 0
    taken_out: int = 0
    clashes: list[int] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "written": self.written,
            "taken_out": self.taken_out,
            "clashing_appointments": self.clashes,
            "error": self.error,
            "error_message": SyncError.message_for(self.error) if self.error else "",
        }


# --- Connecting ------------------------------------------------------------------------------


def external_calendar_connect(
    *,
    worker: User,
    kind: str,
    url: str,
    username: str = "",
    password: str = "",
    write_back: bool = False,
    now: datetime | None = None,
) -> tuple[ExternalCalendar, SyncResult]:
    """Connect a calendar to ``worker``'s Triangel calendar and read it at once.

    A calendar that cannot be read now is not connected (400, nothing saved), so a wrong
    address or password is found while the worker is still at the form."""
    now = now or timezone.now()
    if kind not in ExternalCalendar.Kind.values:
        raise ApplicationError(
            _("Choose a subscription link (ics) or a CalDAV calendar (caldav)."),
            fields={"kind": [_("Must be 'ics' or 'caldav'.")]},
        )
    if write_back and kind != ExternalCalendar.Kind.CALDAV:
        raise ApplicationError(
            _("Triangel can write its meetings only into a CalDAV calendar; a subscription link is read only."),
            fields={"write_back": [_("Only for a CalDAV calendar.")]},
        )
    try:
        url = normalised_url(url)
        check_address(url)
    except SyncError as error:
        raise ApplicationError(
            SyncError.message_for(error.code), code=error.code, fields={"url": [SyncError.message_for(error.code)]}
        ) from None
    calendar = calendar_for(owner=worker)
    if ExternalCalendar.objects.filter(calendar=calendar, url=url).exists():
        raise Conflict(_("This calendar is already connected."), code="already_connected")
    try:
        with transaction.atomic():
            source = ExternalCalendar.objects.create(
                calendar=calendar,
                kind=kind,
                url=url,
                username=username.strip(),
                password_sealed=credentials.seal(password),
                write_back=write_back,
            )
            result = _sync(source, now=now, raise_errors=True)
    except SyncError as error:
        raise ApplicationError(
            SyncError.message_for(error.code),
            code=f"calendar_{error.code}",
            fields={"url": [SyncError.message_for(error.code)]},
        ) from None
    except IntegrityError:
        raise Conflict(_("This calendar is already connected."), code="already_connected") from None
    return source, result


def external_calendar_delete(*, source: ExternalCalendar) -> None:
    """Disconnect: its busy time stops counting at once. Meetings Triangel wrote into the
    calendar are taken out first, as far as the server lets us (a calendar that no longer
    answers must still be removable)."""
    if source.write_back:
        try:
            handle = dav.open_calendar(_connection(source))
            for uid in source.writes.values_list("event_uid", flat=True):
                dav.delete_event(handle, uid)
        except SyncError as error:
            logger.info("external calendar %s: meetings not taken out on disconnect (%s)", source.pk, error.code)
    source.delete()


# --- Syncing ---------------------------------------------------------------------------------


def external_calendar_sync(*, source_id: int, now: datetime | None = None) -> SyncResult:
    """Read one connected calendar now; errors are recorded on it, not raised."""
    source = ExternalCalendar.objects.select_related("calendar__owner").filter(pk=source_id).first()
    if source is None:
        return SyncResult(error="not_found")
    return _sync(source, now=now or timezone.now(), raise_errors=False)


def external_calendars_due(*, now: datetime | None = None) -> list[int]:
    """The connected calendars whose turn it is (not tried within the sync interval)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.EXTERNAL_CALENDAR_SYNC_SECONDS * 0.9)
    due = ExternalCalendar.objects.filter(last_attempt_at__isnull=True) | ExternalCalendar.objects.filter(
        last_attempt_at__lt=since
    )
    return list(due.order_by("last_attempt_at").values_list("pk", flat=True))


def _connection(source: ExternalCalendar) -> dav.Connection:
    return dav.Connection(source.url, source.username, credentials.unseal(source.password_sealed))


def _window(source: ExternalCalendar, now: datetime) -> tuple[date, datetime, datetime]:
    tz = ZoneInfo(source.calendar.owner.timezone)
    today = now.astimezone(tz).date()
    last = _local_midnight(today + timedelta(days=settings.EXTERNAL_CALENDAR_DAYS), tz)
    return today, _local_midnight(today, tz), last


def _read(source: ExternalCalendar, now: datetime) -> tuple[list[parse.Busy] | None, dict[str, str]]:
    """The calendar's busy times, or None when it has not changed since the last sync; and
    what to remember of this read (etag, last_modified, content_hash)."""
    today, first, last = _window(source, now)
    same_window = source.window_start == today
    tz = ZoneInfo(source.calendar.owner.timezone)
    if source.kind == ExternalCalendar.Kind.ICS:
        # A new day moves the window: read the whole calendar again, not "not modified".
        fetched = fetch_ics(
            source.url,
            etag=source.etag if same_window else "",
            last_modified=source.last_modified if same_window else "",
        )
        if fetched.body is None:
            return None, {}
        content_hash = hashlib.sha256(fetched.body + today.isoformat().encode()).hexdigest()
        remember = {"etag": fetched.etag, "last_modified": fetched.last_modified, "content_hash": content_hash}
        if content_hash == source.content_hash:
            return None, remember
        return parse.busy_times(parse.calendars_from_text(fetched.body), tz=tz, first=first, last=last), remember
    handle = dav.open_calendar(_connection(source))
    tag = dav.ctag(handle)
    if tag and same_window and tag == source.etag:
        return None, {}
    calendars = []
    for item in dav.events_between(handle, first, last):
        if isinstance(item, icalendar.Calendar):
            calendars.append(item)
    busy = parse.busy_times(calendars, tz=tz, first=first, last=last)
    remember = {"etag": tag, "last_modified": "", "content_hash": parse.set_hash(busy, salt=today.isoformat())}
    if remember["content_hash"] == source.content_hash:
        return None, remember
    return busy, remember


def _sync(source: ExternalCalendar, *, now: datetime, raise_errors: bool) -> SyncResult:
    today = _window(source, now)[0]
    try:
        busy, remember = _read(source, now)
    except SyncError as error:
        if raise_errors:
            raise
        return _failed(source, error, now)
    result = SyncResult(unchanged=busy is None)
    with transaction.atomic():
        # One sync of a calendar at a time: a second one waits here and then finds nothing to do.
        locked = ExternalCalendar.objects.select_for_update().filter(pk=source.pk).first()
        if locked is None:  # disconnected meanwhile
            return SyncResult(error="not_found")
        if busy is not None:
            result.added, result.removed, result.clashes = _apply(source, busy, now)
        updates = {
            "last_attempt_at": now,
            "last_success_at": now,
            "last_error": "",
            "failing_since": None,
            "failure_told_at": None,
            "window_start": today,
            **remember,
        }
        ExternalCalendar.objects.filter(pk=source.pk).update(**updates)
        for name, value in updates.items():
            setattr(source, name, value)
    if source.write_back:
        try:
            result.written, result.taken_out = _write_back(source, now)
        except SyncError as error:
            if raise_errors:
                raise
            return _failed(source, SyncError("write_back", error.code), now, partial=result)
    return result


def _apply(source: ExternalCalendar, busy: list[parse.Busy], now: datetime) -> tuple[int, int, list[int]]:
    """Write the difference between the stored busy times and ``busy``; tell of clashes."""
    stored = dict(ExternalBusy.objects.filter(source=source).values_list("event_hash", "pk"))
    wanted = {b.event_hash: b for b in busy}
    gone = [pk for event_hash, pk in stored.items() if event_hash not in wanted]
    new = [b for event_hash, b in wanted.items() if event_hash not in stored]
    if gone:
        ExternalBusy.objects.filter(pk__in=gone).delete()
    if new:
        ExternalBusy.objects.bulk_create(
            [
                ExternalBusy(
                    source=source, calendar_id=source.calendar_id, start=b.start, end=b.end, event_hash=b.event_hash
                )
                for b in new
            ],
            batch_size=2000,
        )
        clashing = appointments_clashing(
            calendar_id=source.calendar_id, intervals=[(b.start, b.end) for b in new], now=now
        )
        if clashing:
            events.publish(
                events.AppointmentsClashWithBusyTime(appointments=tuple(clashing), actor=source.calendar.owner, now=now)
            )
            return len(new), len(gone), [a.pk for a in clashing]
    return len(new), len(gone), []


def _failed(source: ExternalCalendar, error: SyncError, now: datetime, partial: SyncResult | None = None) -> SyncResult:
    """Record the failure; a calendar failing for EXTERNAL_CALENDAR_TELL_AFTER_HOURS is told
    to its worker once (until it works again)."""
    logger.info("external calendar %s failed: %s", source.pk, error)
    with transaction.atomic():
        locked = ExternalCalendar.objects.select_for_update().filter(pk=source.pk).first()
        if locked is not None:
            locked.last_attempt_at = now
            locked.last_error = error.code
            locked.failing_since = locked.failing_since or now
            tell_after = timedelta(hours=settings.EXTERNAL_CALENDAR_TELL_AFTER_HOURS)
            tell = locked.failure_told_at is None and locked.failing_since <= now - tell_after
            if tell:
                locked.failure_told_at = now
            locked.save(update_fields=["last_attempt_at", "last_error", "failing_since", "failure_told_at"])
            if tell:
                events.publish(
                    events.ExternalCalendarFailing(
                        appointments=(),
                        actor=source.calendar.owner,
                        now=now,
                        source_id=source.pk,
                        since=locked.failing_since,
                    )
                )
    result = partial or SyncResult()
    result.error = error.code
    return result


# --- Writing Triangel's meetings into the calendar ------------------------------------------------


def _written_text(appointment: Appointment, owner: User) -> tuple[str, str]:
    """The event as written (initials only, like the feed) and a hash of it without its stamps."""
    with translation.override(owner.language):
        event = appointment_event(appointment, owner)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Triangel//Booking//NB")
    cal.add("version", "2.0")
    cal.add_component(event)
    cal.add_missing_timezones()
    text = cal.to_ical().decode()
    fingerprint = "|".join(
        [
            appointment.start.astimezone(UTC).isoformat(),
            appointment.end.astimezone(UTC).isoformat(),
            str(event.get("summary")),
            str(event.get("location", "")),
            appointment.status,
        ]
    )
    return text, hashlib.sha256(fingerprint.encode()).hexdigest()


def _write_back(source: ExternalCalendar, now: datetime) -> tuple[int, int]:
    """Make the calendar hold exactly Triangel's booked meetings of the window: write new and
    changed ones, take out those cancelled, closed early or moved out of the window."""
    _, first, last = _window(source, now)
    owner = source.calendar.owner
    meetings = appointments_to_write_back(calendar=source.calendar, since=first, until=last)
    wanted = {str(a.uid) + parse.OWN_UID_SUFFIX: a for a in meetings}
    written = {w.event_uid: w for w in ExternalWrite.objects.filter(source=source).select_related("appointment")}
    handle = None
    count_written = count_taken_out = 0
    for uid, appointment in wanted.items():
        text, fingerprint = _written_text(appointment, owner)
        previous = written.get(uid)
        if previous is not None and previous.written_hash == fingerprint:
            continue
        handle = handle or dav.open_calendar(_connection(source))
        dav.put_event(handle, uid, text)
        ExternalWrite.objects.update_or_create(
            source=source, event_uid=uid, defaults={"appointment": appointment, "written_hash": fingerprint}
        )
        count_written += 1
    for uid, write in written.items():
        # Meetings of days gone by stay where they are; a cancelled one, one moved out of
        # the window or one no longer there is taken out.
        past = write.appointment is not None and write.appointment.end <= first
        if uid in wanted or (past and write.appointment.status != Appointment.Status.CANCELLED):
            continue
        handle = handle or dav.open_calendar(_connection(source))
        dav.delete_event(handle, uid)
        write.delete()
        count_taken_out += 1
    return count_written, count_taken_out
