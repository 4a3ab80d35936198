"""Booking a meeting, or a weekly series of meetings, in one calendar."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import events
from booking.availability import localize
from booking.models import Appointment, AppointmentEvent, AppointmentSeries, IdempotencyKey, MeetingType
from booking.selectors import meeting_type_for_booking
from booking.services.calendars import calendars_lock
from booking.slots import (
    alternatives,
    any_hour_unavailable,
    fitting_any_hour,
    slot_taken,
    slot_unavailable,
    slots_for,
    tz_of,
)
from config import prepared
from config.errors import ApplicationError, Conflict, NotFound, Unprocessable
from people.models import User
from people.selectors import is_in_caseload


@dataclass(frozen=True)
class RepeatRule:
    """A weekly series: ``count`` occurrences, ``interval_weeks`` apart, same local time."""

    count: int
    interval_weeks: int = 1

    def as_rrule(self) -> str:
        return f"FREQ=WEEKLY;INTERVAL={self.interval_weeks};COUNT={self.count}"


class _Unavailable(Exception):
    """Raised inside the booking transaction; turned into the 400/409 answer outside it."""

    def __init__(self, taken: list[datetime]) -> None:
        super().__init__()
        self.taken = taken


@dataclass
class BookingResult:
    appointments: list[Appointment]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    series: AppointmentSeries | None = None
    replayed: bool = False


def as_utc(value: datetime, tz: ZoneInfo) -> datetime:
    """Booking arithmetic happens in UTC: adding a duration to a zone-aware local time in
    Python is wall-clock arithmetic and is an hour off across a daylight-saving change."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _resolve_client(*, actor: User, meeting_type: MeetingType, client_id: int | None, any_hour: bool) -> User:
    """Who the meeting is for. A service user books for themselves, at offered times only;
    staff book for a service user they follow (or, as coordinator, any in the unit)."""
    if actor.is_service_user and any_hour:
        raise ApplicationError(
            _("Only staff can book outside the usual hours."), fields={"start": [_("Not an offered time.")]}
        )
    if actor.is_service_user:
        if client_id not in (None, actor.pk):
            raise ApplicationError(
                _("You can only book meetings for yourself."),
                code="invalid",
                fields={"user": [_("You can only book meetings for yourself.")]},
            )
        return actor
    if client_id is None:
        raise ApplicationError(
            _("Choose the service user the meeting is for."),
            fields={"user": [_("This field is required when staff book on someone's behalf.")]},
        )
    owner = meeting_type.calendar.owner
    client = User.objects.filter(pk=client_id, role=User.Role.SERVICE_USER, is_active=True).first()
    allowed = False
    if client is not None:
        if actor.is_coordinator:
            allowed = client.unit_id == actor.unit_id == owner.unit_id
        elif actor.pk == owner.pk:
            in_caseload = is_in_caseload(worker=owner, client=client)
            unit_wide = meeting_type.audience == MeetingType.Audience.UNIT and client.unit_id == owner.unit_id
            allowed = in_caseload or unit_wide
    if not allowed:
        # Same answer whether the person exists or not, so nothing leaks.
        raise ApplicationError(
            _("You can only book for service users you follow."),
            fields={"user": [_("You can only book for service users you follow.")]},
        )
    return client


def _occurrences(*, start: datetime, tz: ZoneInfo, repeat: RepeatRule | None) -> list[datetime]:
    if repeat is None:
        return [start.astimezone(UTC)]
    local = start.astimezone(tz)
    result = []
    for k in range(repeat.count):
        day = local.date() + timedelta(weeks=k * repeat.interval_weeks)
        # Same wall-clock time every week, whatever the daylight-saving offset is then.
        aware = localize(day, local.time().replace(tzinfo=None), tz)
        if aware is not None:
            result.append(aware.astimezone(UTC))
    return result


def _fingerprint(**request: Any) -> str:
    """A hash of what was asked: the same idempotency key with another request is refused."""
    if not request.get("any_hour"):
        # Left out when not set, so a key kept from before the option existed still matches.
        request.pop("any_hour", None)
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def appointment_book(
    *,
    actor: User,
    worker_id: int,
    meeting_type_id: int,
    start: datetime,
    client_id: int | None = None,
    repeat: RepeatRule | None = None,
    skip_conflicts: bool = False,
    any_hour: bool = False,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> BookingResult:
    """Book one appointment, or a weekly series, for ``actor`` or someone they act for.

    Guarantees: every booked start was an offered slot at the moment of booking, and no
    two occupying appointments of a calendar overlap (buffers included). Raises
    ``NotFound`` for a calendar or meeting type the actor may not use, ``ApplicationError``
    for bad input, ``Conflict`` (with ``alternatives`` or ``conflicts``) when a time is
    taken, ``Unprocessable`` when an idempotency key is reused for another request.
    A repeated request with the same idempotency key returns the first result.
    ``any_hour`` (staff) lifts only opening hours, grid and holidays: overlaps with buffers,
    time off, notice and horizon are checked as for any booking, under the same lock.
    Publishes ``AppointmentBooked`` (or ``AppointmentSeriesBooked``) in the transaction.
    """
    now = now or timezone.now()
    meeting_type = meeting_type_for_booking(user=actor, worker_id=worker_id, meeting_type_id=meeting_type_id)
    if meeting_type is None:
        raise NotFound(_("That meeting type is not available to you."))
    client = _resolve_client(actor=actor, meeting_type=meeting_type, client_id=client_id, any_hour=any_hour)
    start = as_utc(start, tz_of(meeting_type.calendar.owner))
    fingerprint = _fingerprint(
        worker=worker_id, meeting_type=meeting_type_id, start=start.isoformat(), user=client.pk,
        repeat=repeat and repeat.as_rrule(), skip=skip_conflicts, any_hour=any_hour,
    )  # fmt: skip
    try:
        with transaction.atomic():
            calendars_lock(meeting_type.calendar_id)
            previous = (
                IdempotencyKey.objects.filter(user=actor, key=idempotency_key).first() if idempotency_key else None
            )
            if previous is not None:
                return _replay(previous, fingerprint=fingerprint)
            result = _book_free_times(
                meeting_type=meeting_type, actor=actor, client=client, start=start,
                repeat=repeat, skip=skip_conflicts, any_hour=any_hour, now=now,
            )  # fmt: skip
            if idempotency_key:
                _remember(actor=actor, key=idempotency_key, fingerprint=fingerprint, result=result)
    except _Unavailable as unavailable:
        # The answer (with free alternatives) is worked out after the calendar lock is
        # released, so people losing a race do not hold up the next booking.
        raise _refusal(meeting_type=meeting_type, actor=actor, start=start, repeat=repeat, any_hour=any_hour,
                       now=now, error=unavailable) from None  # fmt: skip
    except IntegrityError as exc:
        refusal = _refusal_by_database(exc, meeting_type=meeting_type, actor=actor, start=start)
        if refusal is None:
            raise
        raise refusal from exc
    return result


def _refusal_by_database(
    exc: IntegrityError, *, meeting_type: MeetingType, actor: User, start: datetime
) -> ApplicationError | None:
    """What the database's last line of defence refused, as an answer; None for anything else."""
    if "appointment_no_overlap" in str(exc):
        return slot_taken(meeting_type=meeting_type, actor=actor, start=start)
    if "idempotency_key_unique_per_user" in str(exc):
        return Conflict(
            _("The same request is already being handled. Try again in a moment."), code="request_in_progress"
        )
    return None


def _book_free_times(
    *,
    meeting_type: MeetingType,
    actor: User,
    client: User,
    start: datetime,
    repeat: RepeatRule | None,
    skip: bool,
    any_hour: bool,
    now: datetime,
) -> BookingResult:
    """Inside the booking transaction, with the calendar locked: write the occurrences that
    are offered times (``any_hour``: that fit the calendar at any hour), or raise
    ``_Unavailable`` when the request cannot be met (``skip``: a series skips the taken dates
    if some are free)."""
    tz = tz_of(meeting_type.calendar.owner)
    occurrences = _occurrences(start=start, tz=tz, repeat=repeat)
    offered = _offered(meeting_type=meeting_type, actor=actor, occurrences=occurrences, any_hour=any_hour, now=now)
    free = [occ for occ in occurrences if occ in offered]
    taken = [occ for occ in occurrences if occ not in offered]
    if (repeat is None and taken) or (taken and (not skip or not free)):
        raise _Unavailable(taken)
    _within_limit(meeting_type=meeting_type, actor=actor, client=client, adding=len(free), now=now)

    series = None if repeat is None else AppointmentSeries.objects.create(rule=repeat.as_rrule(), created_by=actor)
    appointments = [
        Appointment(
            calendar=meeting_type.calendar,
            meeting_type=meeting_type,
            client=client,
            booked_by=actor,
            series=series,
            start=occ,
            end=occ + meeting_type.duration,
            blocked_start=occ - meeting_type.buffer_before,
            blocked_end=occ + meeting_type.duration + meeting_type.buffer_after,
        )
        for occ in free
    ]
    prepared.insert(appointments)
    prepared.insert(
        [AppointmentEvent(appointment=a, action=AppointmentEvent.Action.BOOKED, actor=actor) for a in appointments]
    )
    if series is None:
        events.publish(events.AppointmentBooked(appointments=tuple(appointments), actor=actor, now=now))
    else:
        events.publish(
            events.AppointmentSeriesBooked(appointments=tuple(appointments), series=series, actor=actor, now=now)
        )
    skipped = [_conflict_entry(meeting_type=meeting_type, actor=actor, start=occ) for occ in taken]
    return BookingResult(appointments=appointments, skipped=skipped, series=series)


def _within_limit(*, meeting_type: MeetingType, actor: User, client: User, adding: int, now: datetime) -> None:
    """A person booking for themselves holds at most ``max_ahead_per_person`` meetings of the
    type ahead (counted under the calendar lock, so two requests at once cannot pass it
    together); staff may book more on their behalf."""
    limit = meeting_type.max_ahead_per_person
    if limit is None or not actor.is_service_user:
        return
    held = Appointment.objects.filter(
        client=client, meeting_type=meeting_type, status=Appointment.Status.BOOKED, end__gt=now
    ).count()
    if held + adding > limit:
        raise Conflict(
            _(
                "You already have %(held)s of these meetings booked ahead, and can have at most %(limit)s "
                "at a time. Move one of them instead, or ask your social worker to book another."
            )
            % {"held": held, "limit": limit},
            code="meeting_limit_reached",
            limit=limit,
        )


def _offered(
    *, meeting_type: MeetingType, actor: User, occurrences: list[datetime], any_hour: bool, now: datetime
) -> set[datetime]:
    """Which occurrences may be booked now (as UTC instants): offered times, or with
    ``any_hour`` times that fit the calendar at any hour."""
    if any_hour:
        return fitting_any_hour(meeting_type=meeting_type, actor=actor, starts=occurrences, now=now)
    tz = tz_of(meeting_type.calendar.owner)
    return {
        slot.start.astimezone(UTC)
        for slot in slots_for(
            meeting_type=meeting_type,
            actor=actor,
            first_day=occurrences[0].astimezone(tz).date(),
            last_day=occurrences[-1].astimezone(tz).date(),
            now=now,
        )
    }


def _refusal(
    *,
    meeting_type: MeetingType,
    actor: User,
    start: datetime,
    repeat: RepeatRule | None,
    any_hour: bool,
    now: datetime,
    error: _Unavailable,
) -> ApplicationError:
    if repeat is None and any_hour:
        return any_hour_unavailable(meeting_type=meeting_type, actor=actor, start=start, now=now)
    if repeat is None:
        return slot_unavailable(meeting_type=meeting_type, actor=actor, start=start, now=now)
    return Conflict(
        _("Some of the dates in the series are not free. Nothing was booked."),
        code="series_conflict",
        conflicts=[_conflict_entry(meeting_type=meeting_type, actor=actor, start=occ) for occ in error.taken],
    )


def _remember(*, actor: User, key: str, fingerprint: str, result: BookingResult) -> None:
    """Keep the answer for the idempotency key, so a retried request gets the same one."""
    IdempotencyKey.objects.create(
        user=actor,
        key=key,
        request_fingerprint=fingerprint,
        result={"appointments": [a.pk for a in result.appointments], "skipped": result.skipped},
    )


def _replay(previous: IdempotencyKey, *, fingerprint: str) -> BookingResult:
    if previous.request_fingerprint != fingerprint:
        raise Unprocessable(
            _("This Idempotency-Key was already used for a different request. Use a new key."),
            code="idempotency_key_reused",
        )
    ids = previous.result.get("appointments", [])
    appointments = list(
        Appointment.objects.select_related("meeting_type", "calendar__owner", "client").filter(pk__in=ids)
    )
    series = appointments[0].series if appointments and appointments[0].series_id else None
    return BookingResult(
        appointments=appointments, skipped=previous.result.get("skipped", []), series=series, replayed=True
    )


def _conflict_entry(*, meeting_type: MeetingType, actor: User, start: datetime) -> dict[str, Any]:
    tz = tz_of(meeting_type.calendar.owner)
    return {
        "start": start.astimezone(tz).isoformat(),
        "alternatives": alternatives(meeting_type=meeting_type, actor=actor, around=start),
    }
