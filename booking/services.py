"""Writes for booking. Each service validates, writes inside one transaction, and
returns what it wrote. Rules live here, not in views or models."""

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.availability import Interval, SlotRules, _local_midnight, free_slots, localize, nearest
from booking.models import (
    Appointment,
    AppointmentEvent,
    AppointmentSeries,
    Calendar,
    CalendarOverride,
    FeedToken,
    IdempotencyKey,
    MeetingType,
    WorkingHours,
)
from booking.selectors import (
    appointment_get,
    calendar_state,
    calendar_version,
    feed_token_active,
    meeting_type_for_booking,
)
from care.models import GroupMeetingAppointment
from care.services import peers as care_peers
from config import prepared
from config.errors import ApplicationError, Conflict, NotFound, Unprocessable
from people.models import User
from people.selectors import is_in_caseload
from reminders import services as reminders


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


def _tz_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone)


def slot_rules_for(*, meeting_type: MeetingType, actor: User) -> SlotRules:
    """Service users get the meeting type's notice and horizon; staff booking on someone's
    behalf may book at short notice and further ahead (a series, a meeting set in person)."""
    staff = not actor.is_service_user
    return SlotRules(
        duration=meeting_type.duration,
        buffer_before=meeting_type.buffer_before,
        buffer_after=meeting_type.buffer_after,
        step=timedelta(minutes=meeting_type.slot_step_minutes),
        min_notice=timedelta(0) if staff else timedelta(minutes=meeting_type.min_notice_minutes),
        horizon_days=settings.BOOKING_STAFF_HORIZON_DAYS if staff else meeting_type.horizon_days,
    )


def slots_for(
    *,
    meeting_type: MeetingType,
    actor: User,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    exclude_appointment_id: int | None = None,
) -> list[Interval]:
    calendar = meeting_type.calendar
    tz = _tz_of(calendar.owner)
    state = calendar_state(
        calendar=calendar, tz=tz, first_day=first_day, last_day=last_day, exclude_appointment_id=exclude_appointment_id
    )
    return free_slots(
        state=state,
        rules=slot_rules_for(meeting_type=meeting_type, actor=actor),
        first_day=first_day,
        last_day=last_day,
        now=now or timezone.now(),
    )


def slots_offered(
    *, meeting_type: MeetingType, actor: User, first_day: date, last_day: date, now: datetime | None = None
) -> list[dict[str, str]]:
    """The free times ``slots_for`` gives, as local ISO strings (``{"start", "end"}``).

    Served from the ``slots`` cache while the calendar's version (``calendar_version``) is
    the one the answer was computed at; the version changes in the same transaction as any
    appointment, working hours or override of the calendar, whoever writes it. The version
    must be read before the calendar state (``meeting_type_for_booking`` does), so a cached
    answer is never older than its version. What depends on the clock is kept out of the
    cached answer: it is computed from the start of the local day (the horizon counts from
    that day, which is part of the key) and the minimum notice is applied on every read.
    """
    now = now or timezone.now()
    tz = _tz_of(meeting_type.calendar.owner)
    rules = slot_rules_for(meeting_type=meeting_type, actor=actor)
    earliest = (now + rules.min_notice).timestamp()
    token = calendar_version(calendar=meeting_type.calendar)
    today = now.astimezone(tz).date()
    key = (
        f"slots:2:{meeting_type.calendar_id}:{token}:{tz.key}:{today}:{first_day}:{last_day}:"
        f"{rules.duration}:{rules.buffer_before}:{rules.buffer_after}:{rules.step}:{rules.horizon_days}:"
        f"{settings.PUBLIC_HOLIDAYS_COUNTRY}"
    )
    cache = caches["slots"]
    entries = cache.get(key) if token else None
    if entries is None:
        state = calendar_state(calendar=meeting_type.calendar, tz=tz, first_day=first_day, last_day=last_day)
        # From local midnight with no notice: every slot of today and later; the notice is
        # applied below, so the same answer serves every moment of the day.
        day_rules = SlotRules(**{**rules.__dict__, "min_notice": timedelta(0)})
        slots = free_slots(
            state=state, rules=day_rules, first_day=first_day, last_day=last_day, now=_local_midnight(today, tz)
        )
        entries = [
            (s.start.timestamp(), s.start.astimezone(tz).isoformat(), s.end.astimezone(tz).isoformat()) for s in slots
        ]
        if token:
            cache.set(key, entries)
    return [{"start": start, "end": end} for stamp, start, end in entries if stamp >= earliest]


def _alternatives(*, meeting_type: MeetingType, actor: User, around: datetime, exclude: int | None = None) -> list:
    tz = _tz_of(meeting_type.calendar.owner)
    day = around.astimezone(tz).date()
    slots = slots_for(
        meeting_type=meeting_type,
        actor=actor,
        first_day=day - timedelta(days=7),
        last_day=day + timedelta(days=14),
        exclude_appointment_id=exclude,
    )
    return [
        {"start": s.start.astimezone(tz).isoformat(), "end": s.end.astimezone(tz).isoformat()}
        for s in nearest(slots, around, settings.BOOKING_ALTERNATIVES)
    ]


def _resolve_client(*, actor: User, meeting_type: MeetingType, client_id: int | None) -> User:
    """Who the meeting is for. A service user books for themselves; staff book for a
    service user they follow (or, as coordinator, any in the unit)."""
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


def _as_utc(value: datetime, tz: ZoneInfo) -> datetime:
    """Booking arithmetic happens in UTC: adding a duration to a zone-aware local time in
    Python is wall-clock arithmetic and is an hour off across a daylight-saving change."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def appointment_book(
    *,
    actor: User,
    worker_id: int,
    meeting_type_id: int,
    start: datetime,
    client_id: int | None = None,
    repeat: RepeatRule | None = None,
    skip_conflicts: bool = False,
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
    """
    now = now or timezone.now()
    meeting_type = meeting_type_for_booking(user=actor, worker_id=worker_id, meeting_type_id=meeting_type_id)
    if meeting_type is None:
        raise NotFound(_("That meeting type is not available to you."))
    client = _resolve_client(actor=actor, meeting_type=meeting_type, client_id=client_id)
    calendar = meeting_type.calendar
    tz = _tz_of(calendar.owner)
    start = _as_utc(start, tz)
    occurrences = _occurrences(start=start, tz=tz, repeat=repeat)
    fingerprint = _fingerprint(
        {
            "worker": worker_id,
            "meeting_type": meeting_type_id,
            "start": start.isoformat(),
            "user": client.pk,
            "repeat": repeat and repeat.as_rrule(),
            "skip": skip_conflicts,
        }
    )

    try:
        with transaction.atomic():
            # The race this lock closes: two requests both compute the slot as free, then
            # both insert. Holding the calendar row makes check-then-insert one step per
            # calendar; the exclusion constraint below is the last line of defence.
            _lock_calendar(calendar.pk)

            if idempotency_key:
                previous = IdempotencyKey.objects.filter(user=actor, key=idempotency_key).first()
                if previous is not None:
                    return _replay(previous, fingerprint=fingerprint)

            first_day = occurrences[0].astimezone(tz).date()
            last_day = occurrences[-1].astimezone(tz).date()
            offered = {
                slot.start.astimezone(UTC)
                for slot in slots_for(
                    meeting_type=meeting_type, actor=actor, first_day=first_day, last_day=last_day, now=now
                )
            }
            free = [occ for occ in occurrences if occ in offered]
            taken = [occ for occ in occurrences if occ not in offered]

            if (repeat is None and taken) or (taken and (not skip_conflicts or not free)):
                raise _Unavailable(taken)

            series = None
            if repeat is not None:
                series = AppointmentSeries.objects.create(rule=repeat.as_rrule(), created_by=actor)
            appointments = [
                Appointment(
                    calendar=calendar,
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
                [
                    AppointmentEvent(appointment=a, action=AppointmentEvent.Action.BOOKED, actor=actor)
                    for a in appointments
                ]
            )
            reminders.appointments_booked(appointments=appointments, now=now)
            skipped = [_conflict_entry(meeting_type=meeting_type, actor=actor, start=occ) for occ in taken]
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=actor,
                    key=idempotency_key,
                    request_fingerprint=fingerprint,
                    result={"appointments": [a.pk for a in appointments], "skipped": skipped},
                )
    except _Unavailable as unavailable:
        # The answer (with free alternatives) is worked out after the calendar lock is
        # released, so people losing a race do not hold up the next booking.
        if repeat is None:
            raise _slot_not_offered(meeting_type=meeting_type, actor=actor, start=start, now=now) from None
        raise Conflict(
            _("Some of the dates in the series are not free. Nothing was booked."),
            code="series_conflict",
            conflicts=[_conflict_entry(meeting_type=meeting_type, actor=actor, start=occ) for occ in unavailable.taken],
        ) from None
    except IntegrityError as exc:
        if "appointment_no_overlap" in str(exc):
            raise _slot_taken(meeting_type=meeting_type, actor=actor, start=start) from exc
        if "idempotency_key_unique_per_user" in str(exc):
            raise Conflict(
                _("The same request is already being handled. Try again in a moment."), code="request_in_progress"
            ) from exc
        raise
    return BookingResult(appointments=appointments, skipped=skipped, series=series)


def _lock_calendar(calendar_id: int) -> None:
    """Hold the calendar's row until the transaction ends (SELECT … FOR UPDATE)."""
    prepared.rows(
        "lock-calendar",
        lambda pk: Calendar.objects.select_for_update().filter(pk=pk).values_list("pk"),
        [calendar_id],
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
    tz = _tz_of(meeting_type.calendar.owner)
    return {
        "start": start.astimezone(tz).isoformat(),
        "alternatives": _alternatives(meeting_type=meeting_type, actor=actor, around=start),
    }


def _slot_taken(*, meeting_type: MeetingType, actor: User, start: datetime, exclude: int | None = None) -> Conflict:
    return Conflict(
        _("That time is no longer free. Here are the nearest free times."),
        code="slot_taken",
        alternatives=_alternatives(meeting_type=meeting_type, actor=actor, around=start, exclude=exclude),
    )


def _slot_not_offered(
    *, meeting_type: MeetingType, actor: User, start: datetime, now: datetime, exclude: int | None = None
) -> ApplicationError:
    """Tell apart a time that was never offered (400) from one someone else took (409)."""
    tz = _tz_of(meeting_type.calendar.owner)
    day = start.astimezone(tz).date()
    rules = slot_rules_for(meeting_type=meeting_type, actor=actor)
    state_without_bookings = replace(
        calendar_state(calendar=meeting_type.calendar, tz=tz, first_day=day, last_day=day), busy=()
    )
    would_be_offered = any(
        s.start.astimezone(UTC) == start.astimezone(UTC)
        for s in free_slots(state=state_without_bookings, rules=rules, first_day=day, last_day=day, now=now)
    )
    if would_be_offered:
        return _slot_taken(meeting_type=meeting_type, actor=actor, start=start, exclude=exclude)
    return ApplicationError(
        _("That time is not one of the offered times. Pick one of the free times listed for this meeting type."),
        code="slot_not_offered",
        fields={"start": [_("Not an offered time.")]},
        alternatives=_alternatives(meeting_type=meeting_type, actor=actor, around=start, exclude=exclude),
    )


def _may_manage(*, actor: User, appointment: Appointment) -> bool:
    owner = appointment.calendar.owner
    if actor.is_superuser:
        return True
    return actor.pk == owner.pk or (
        actor.is_coordinator and actor.unit_id is not None and actor.unit_id == owner.unit_id
    )


def _bump(appointment: Appointment) -> None:
    appointment.sequence += 1


def _refuse_part_of_group_meeting(appointment: Appointment) -> None:
    """A responsibility-group meeting holds one appointment in every participant's calendar and
    changes as a whole from its own page; cancelling or moving one calendar's part would leave
    the others booked."""
    if GroupMeetingAppointment.objects.filter(appointment_id=appointment.pk).exists():
        raise ApplicationError(
            _(
                "This is a responsibility group meeting. Change or cancel it from the group meeting's page, "
                "so it changes for everyone."
            ),
            code="group_meeting",
        )


def appointment_cancel(*, actor: User, appointment_id: int, reason: str, now: datetime | None = None) -> Appointment:
    """Cancel a booked appointment; the time becomes free at once. Raises NotFound for
    appointments the actor cannot see, ApplicationError if it cannot be cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = appointment_get(user=actor, appointment_id=appointment_id, for_update=True)
        if appointment is None:
            raise NotFound(_("Appointment not found."))
        if appointment.status != Appointment.Status.BOOKED:
            raise ApplicationError(
                _("Only a booked appointment can be cancelled; this one is %(status)s.")
                % {"status": appointment.get_status_display()},
                code="not_cancellable",
            )
        _refuse_part_of_group_meeting(appointment)
        if actor.is_service_user and appointment.start <= now:
            raise ApplicationError(
                _("This meeting has already started. Contact your social worker."), code="not_cancellable"
            )
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancel_reason = reason
        _bump(appointment)
        appointment.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
        AppointmentEvent.objects.create(
            appointment=appointment, action=AppointmentEvent.Action.CANCELLED, actor=actor, note=reason
        )
        reminders.appointment_reminders_cancelled(appointment=appointment, actor=actor, now=now)
        care_peers.invitations_meeting_changed(appointment=appointment, cancelled=True, now=now)
        # The freed time goes to the waiting list (care builds on booking, hence the late import).
        from care.tasks.waiting import slot_freed

        transaction.on_commit(lambda: slot_freed.delay(appointment_id), robust=True)
    return appointment


def appointment_reschedule(
    *, actor: User, appointment_id: int, start: datetime, now: datetime | None = None
) -> Appointment:
    """Move a booked appointment to another offered time. Same UID, SEQUENCE bumped, and
    the old time kept in the history. Raises like ``appointment_book``."""
    now = now or timezone.now()
    appointment = appointment_get(user=actor, appointment_id=appointment_id)
    if appointment is None:
        raise NotFound(_("Appointment not found."))
    meeting_type = appointment.meeting_type
    meeting_type.calendar = appointment.calendar
    tz = _tz_of(appointment.calendar.owner)
    start = _as_utc(start, tz)
    # A service user moving their own meeting follows the same rules as when booking it.
    try:
        with transaction.atomic():
            Calendar.objects.select_for_update().filter(pk=appointment.calendar_id).first()
            appointment = appointment_get(user=actor, appointment_id=appointment_id, for_update=True)
            if appointment is None:
                raise NotFound(_("Appointment not found."))
            if appointment.status != Appointment.Status.BOOKED:
                raise ApplicationError(_("Only a booked appointment can be moved."), code="not_movable")
            _refuse_part_of_group_meeting(appointment)
            if actor.is_service_user and appointment.start <= now:
                raise ApplicationError(
                    _("This meeting has already started. Contact your social worker."), code="not_movable"
                )
            day = start.astimezone(tz).date()
            offered = {
                s.start.astimezone(UTC)
                for s in slots_for(
                    meeting_type=meeting_type,
                    actor=actor,
                    first_day=day,
                    last_day=day,
                    now=now,
                    exclude_appointment_id=appointment.pk,
                )
            }
            if start not in offered:
                raise _Unavailable([start])
            previous_start, previous_end = appointment.start, appointment.end
            appointment.start = start
            appointment.end = start + meeting_type.duration
            appointment.blocked_start = start - meeting_type.buffer_before
            appointment.blocked_end = appointment.end + meeting_type.buffer_after
            _bump(appointment)
            appointment.save(update_fields=["start", "end", "blocked_start", "blocked_end", "sequence", "updated_at"])
            AppointmentEvent.objects.create(
                appointment=appointment,
                action=AppointmentEvent.Action.RESCHEDULED,
                actor=actor,
                previous_start=previous_start,
                previous_end=previous_end,
            )
            reminders.appointment_reminders_moved(appointment=appointment, actor=actor, now=now)
            care_peers.invitations_meeting_changed(appointment=appointment, cancelled=False, now=now)
            from care.tasks.waiting import slot_freed  # the old time goes to the waiting list

            transaction.on_commit(lambda: slot_freed.delay(appointment_id), robust=True)
    except _Unavailable:
        raise _slot_not_offered(
            meeting_type=meeting_type, actor=actor, start=start, now=now, exclude=appointment_id
        ) from None
    except IntegrityError as exc:
        if "appointment_no_overlap" in str(exc):
            raise _slot_taken(meeting_type=meeting_type, actor=actor, start=start, exclude=appointment_id) from exc
        raise
    return appointment


def appointment_close(*, actor: User, appointment_id: int, outcome: str, now: datetime | None = None) -> Appointment:
    """Mark a meeting that has started as completed or no-show. Staff of the calendar only."""
    now = now or timezone.now()
    if outcome not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        raise ApplicationError(_("Unknown outcome."), fields={"outcome": [_("Use completed or no_show.")]})
    with transaction.atomic():
        appointment = appointment_get(user=actor, appointment_id=appointment_id, for_update=True)
        if appointment is None:
            raise NotFound(_("Appointment not found."))
        if not _may_manage(actor=actor, appointment=appointment):
            raise NotFound(_("Appointment not found."))
        if appointment.status not in (
            Appointment.Status.BOOKED,
            Appointment.Status.COMPLETED,
            Appointment.Status.NO_SHOW,
        ):
            raise ApplicationError(_("A cancelled appointment cannot be marked."), code="not_closable")
        if appointment.start > now:
            raise ApplicationError(_("A meeting can be marked only after it has started."), code="not_started")
        if appointment.status == outcome:
            return appointment
        appointment.status = outcome
        _bump(appointment)
        appointment.save(update_fields=["status", "sequence", "updated_at"])
        AppointmentEvent.objects.create(appointment=appointment, action=outcome, actor=actor)
        if outcome == Appointment.Status.NO_SHOW:
            care_peers.no_show_outreach_open(appointment=appointment)
    return appointment


# --- Calendar set-up ---------------------------------------------------------------------


def calendar_for(*, owner: User) -> Calendar:
    """The owner's calendar, created on first use. Only workers and peers have one."""
    if not owner.has_calendar_role:
        raise NotFound(_("Only social workers and peers have a calendar."))
    calendar, _created = Calendar.objects.get_or_create(owner=owner)
    return calendar


def _check_no_overlap(intervals: list[tuple[int, time, time]]) -> None:
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in intervals:
        by_day.setdefault(weekday, []).append((start, end))
    for spans in by_day.values():
        spans.sort()
        for (s1, e1), (s2, e2) in pairwise(spans):
            if s2 < e1:
                raise ApplicationError(
                    _("Working hours on the same day overlap (%(a)s–%(b)s and %(c)s–%(d)s).")
                    % {"a": f"{s1:%H:%M}", "b": f"{e1:%H:%M}", "c": f"{s2:%H:%M}", "d": f"{e2:%H:%M}"},
                    code="overlapping_hours",
                    fields={"intervals": [_("Intervals on the same day must not overlap.")]},
                )


def working_hours_replace(*, owner: User, intervals: list[tuple[int, time, time]]) -> list[WorkingHours]:
    """Replace the whole weekly pattern at once (what a week editor submits)."""
    for weekday, start, end in intervals:
        if not 0 <= weekday <= 6 or end <= start:
            raise ApplicationError(
                _("Each interval needs a weekday 0–6 and an end after its start."),
                fields={"intervals": [_("Each interval needs a weekday 0–6 and an end after its start.")]},
            )
    _check_no_overlap(intervals)
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=calendar_for(owner=owner).pk)
        calendar.working_hours.all().delete()
        return WorkingHours.objects.bulk_create(
            [WorkingHours(calendar=calendar, weekday=w, start=s, end=e) for w, s, e in intervals]
        )


def working_hours_add(*, owner: User, weekday: int, start: time, end: time) -> WorkingHours:
    with transaction.atomic():
        calendar = Calendar.objects.select_for_update().get(pk=calendar_for(owner=owner).pk)
        existing = list(calendar.working_hours.values_list("weekday", "start", "end"))
        _check_no_overlap([*existing, (weekday, start, end)])
        return WorkingHours.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)


def working_hours_delete(*, owner: User, working_hours_id: int) -> None:
    deleted, _counts = WorkingHours.objects.filter(pk=working_hours_id, calendar__owner=owner).delete()
    if not deleted:
        raise NotFound(_("Working hours not found."))


def override_create(*, owner: User, kind: str, start: datetime, end: datetime, note: str = "") -> CalendarOverride:
    if end <= start:
        raise ApplicationError(_("The end must be after the start."), fields={"end": [_("Must be after the start.")]})
    calendar = calendar_for(owner=owner)
    return CalendarOverride.objects.create(calendar=calendar, kind=kind, start=start, end=end, note=note)


def override_delete(*, owner: User, override_id: int) -> None:
    deleted, _counts = CalendarOverride.objects.filter(pk=override_id, calendar__owner=owner).delete()
    if not deleted:
        raise NotFound(_("Time off or extra hours not found."))


def whole_days(*, owner: User, first: date, last: date) -> tuple[datetime, datetime]:
    """Local midnight of ``first`` to local midnight after ``last``, in the owner's zone."""
    tz = _tz_of(owner)
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def feed_token_get_or_create(*, user: User) -> FeedToken:
    token = feed_token_active(user=user)
    if token is None:
        try:
            with transaction.atomic():
                token = FeedToken.objects.create(user=user)
        except IntegrityError:  # created by a concurrent request
            token = FeedToken.objects.get(user=user, revoked_at__isnull=True)
    return token


def feed_token_rotate(*, user: User) -> FeedToken:
    """Revoke the current feed link and make a new one; the old URL stops working at once."""
    with transaction.atomic():
        FeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        return FeedToken.objects.create(user=user)
