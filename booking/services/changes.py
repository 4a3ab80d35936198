"""Changing one booked meeting: cancel, move, mark as held or not attended, and hand it to
another calendar at the same time."""

from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import events
from booking.models import Appointment, AppointmentEvent, Calendar, MeetingType
from booking.selectors import appointment_get
from booking.services.book import as_utc
from booking.services.calendars import calendars_lock
from booking.slots import fits_at, slot_taken, slot_unavailable, slots_for, tz_of
from config.errors import ApplicationError, Conflict, NotFound
from people.models import User


class _NotOffered(Exception):
    """Raised inside the transaction; turned into the 400/409 answer outside it."""


def _refuse_joint_part(appointment: Appointment) -> None:
    """A joint meeting (a responsibility-group meeting) holds one appointment in every
    participant's calendar and changes as a whole from its own page; cancelling or moving one
    calendar's part would leave the others booked."""
    if appointment.joint is not None:
        raise ApplicationError(
            _(
                "This is a responsibility group meeting. Change or cancel it from the group meeting's page, "
                "so it changes for everyone."
            ),
            code="group_meeting",
        )


def _may_manage(*, actor: User, appointment: Appointment) -> bool:
    owner = appointment.calendar.owner
    if actor.is_superuser:
        return True
    return actor.pk == owner.pk or (
        actor.is_coordinator and actor.unit_id is not None and actor.unit_id == owner.unit_id
    )


def mark_cancelled(appointment: Appointment, *, actor: User, reason: str, note: str | None = None) -> None:
    """Write the cancellation of a locked, booked appointment and its history row."""
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancel_reason = reason
    appointment.sequence += 1
    appointment.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=AppointmentEvent.Action.CANCELLED,
        actor=actor,
        note=reason if note is None else note,
    )


def appointment_cancel(
    *, actor: User, appointment_id: int, reason: str, note: str | None = None, now: datetime | None = None
) -> Appointment:
    """Cancel a booked appointment; the time becomes free at once. ``note`` goes into the
    history instead of ``reason`` when the two differ (a handover says why it re-offers).

    Raises NotFound for appointments the actor cannot see, ApplicationError if it cannot be
    cancelled (not booked, already started for a service user, part of a joint meeting).
    Publishes ``AppointmentCancelled`` in the transaction."""
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
        _refuse_joint_part(appointment)
        if actor.is_service_user and appointment.start <= now:
            raise ApplicationError(
                _("This meeting has already started. Contact your social worker."), code="not_cancellable"
            )
        mark_cancelled(appointment, actor=actor, reason=reason, note=note)
        events.publish(events.AppointmentCancelled(appointments=(appointment,), actor=actor, now=now, reason=reason))
    return appointment


def appointment_reschedule(
    *, actor: User, appointment_id: int, start: datetime, now: datetime | None = None
) -> Appointment:
    """Move a booked appointment to another offered time. Same UID, SEQUENCE bumped, and
    the old time kept in the history. Raises like ``appointment_book``. Publishes
    ``AppointmentRescheduled`` in the transaction."""
    now = now or timezone.now()
    appointment = appointment_get(user=actor, appointment_id=appointment_id)
    if appointment is None:
        raise NotFound(_("Appointment not found."))
    meeting_type = appointment.meeting_type
    meeting_type.calendar = appointment.calendar
    start = as_utc(start, tz_of(appointment.calendar.owner))
    try:
        with transaction.atomic():
            calendars_lock(appointment.calendar_id)
            appointment = appointment_get(user=actor, appointment_id=appointment_id, for_update=True)
            if appointment is None:
                raise NotFound(_("Appointment not found."))
            _check_movable(appointment, actor=actor, now=now)
            # A service user moving their own meeting follows the same rules as when booking it.
            day = start.astimezone(tz_of(appointment.calendar.owner)).date()
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
                raise _NotOffered
            previous = _move(appointment, meeting_type=meeting_type, start=start, actor=actor)
            events.publish(
                events.AppointmentRescheduled(appointments=(appointment,), previous=previous, actor=actor, now=now)
            )
    except _NotOffered:
        raise slot_unavailable(
            meeting_type=meeting_type, actor=actor, start=start, now=now, exclude=appointment_id
        ) from None
    except IntegrityError as exc:
        if "appointment_no_overlap" in str(exc):
            raise slot_taken(meeting_type=meeting_type, actor=actor, start=start, exclude=appointment_id) from exc
        raise
    return appointment


def _check_movable(appointment: Appointment, *, actor: User, now: datetime) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise ApplicationError(_("Only a booked appointment can be moved."), code="not_movable")
    _refuse_joint_part(appointment)
    if actor.is_service_user and appointment.start <= now:
        raise ApplicationError(_("This meeting has already started. Contact your social worker."), code="not_movable")


def _move(
    appointment: Appointment,
    *,
    meeting_type: MeetingType,
    start: datetime,
    actor: User,
    duration: timedelta | None = None,
    calendar: Calendar | None = None,
    note: str = "",
) -> dict[int, tuple[datetime, datetime]]:
    """Write a locked appointment's new time (and calendar) and its history row; returns its
    old time. One UPDATE, so the exclusion constraint only ever sees the new range."""
    previous = {appointment.pk: (appointment.start, appointment.end)}
    fields = ["start", "end", "blocked_start", "blocked_end", "sequence", "updated_at"]
    if calendar is not None:
        appointment.calendar, appointment.meeting_type = calendar, meeting_type
        fields += ["calendar", "meeting_type"]
    appointment.start = start
    appointment.end = start + (duration or meeting_type.duration)
    appointment.blocked_start = start - meeting_type.buffer_before
    appointment.blocked_end = appointment.end + meeting_type.buffer_after
    appointment.sequence += 1
    appointment.save(update_fields=fields)
    old_start, old_end = previous[appointment.pk]
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=AppointmentEvent.Action.RESCHEDULED,
        actor=actor,
        previous_start=old_start,
        previous_end=old_end,
        note=note,
    )
    return previous


def appointment_close(*, actor: User, appointment_id: int, outcome: str, now: datetime | None = None) -> Appointment:
    """Mark a meeting that has started as completed or no-show. Staff of the calendar only.
    Publishes ``AppointmentHeld`` or ``AppointmentNoShow`` when the outcome changes."""
    now = now or timezone.now()
    if outcome not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        raise ApplicationError(_("Unknown outcome."), fields={"outcome": [_("Use completed or no_show.")]})
    with transaction.atomic():
        appointment = appointment_get(user=actor, appointment_id=appointment_id, for_update=True)
        if appointment is None or not _may_manage(actor=actor, appointment=appointment):
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
        appointment.sequence += 1
        appointment.save(update_fields=["status", "sequence", "updated_at"])
        AppointmentEvent.objects.create(appointment=appointment, action=outcome, actor=actor)
        event = events.AppointmentNoShow if outcome == Appointment.Status.NO_SHOW else events.AppointmentHeld
        events.publish(event(appointments=(appointment,), actor=actor, now=now))
    return appointment


def close_undo_deadline(*, appointment: Appointment, marked_at: datetime) -> datetime:
    """When a held/no-show mark made at ``marked_at`` can no longer be undone: the end of that
    day in the calendar owner's time zone. A slip of the finger is put right the same day; by the
    next day the mark may already have been acted on (the no-show call made)."""
    tz = tz_of(appointment.calendar.owner)
    day = marked_at.astimezone(tz).date()
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)


def appointment_close_undo(*, actor: User, appointment_id: int, now: datetime | None = None) -> Appointment:
    """Take back a held or no-show mark: the meeting is booked again. Staff who may manage the
    meeting only (anyone else: ``NotFound``), until the end of the calendar owner's local day on
    which the mark was made (after that: ``ApplicationError`` with code ``undo_too_late``).

    A meeting that is booked already is returned unchanged, so undoing twice is harmless.
    Publishes ``AppointmentCloseUndone`` with the outcome taken back; the history gets a row."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = appointment_get(user=actor, appointment_id=appointment_id, for_update=True)
        if appointment is None or not _may_manage(actor=actor, appointment=appointment):
            raise NotFound(_("Appointment not found."))
        if appointment.status == Appointment.Status.BOOKED:
            return appointment
        if appointment.status not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
            raise ApplicationError(_("Only a meeting marked as held or not attended can be undone."), code="not_closed")
        mark = (
            AppointmentEvent.objects.filter(appointment=appointment, action=appointment.status)
            .order_by("-at", "-id")
            .first()
        )
        # A mark without its history row (written before history was kept) has no day to undo it on.
        if mark is None or now >= close_undo_deadline(appointment=appointment, marked_at=mark.at):
            raise ApplicationError(
                _("The mark can only be undone on the day it was made. Ask a coordinator to correct it."),
                code="undo_too_late",
            )
        outcome = appointment.status
        appointment.status = Appointment.Status.BOOKED
        appointment.sequence += 1
        appointment.save(update_fields=["status", "sequence", "updated_at"])
        AppointmentEvent.objects.create(
            appointment=appointment, action=AppointmentEvent.Action.CLOSE_UNDONE, actor=actor
        )
        undone = events.AppointmentCloseUndone(appointments=(appointment,), actor=actor, now=now, outcome=outcome)
        events.publish(undone)
    return appointment


def appointment_reassign(
    *, actor: User, appointment: Appointment, calendar: Calendar, meeting_type: MeetingType, note: str, now: datetime
) -> Appointment:
    """Hand a booked meeting to another calendar at the same time (a handover to another
    worker), with that calendar's ``meeting_type``. Same UID, SEQUENCE bumped, history kept.

    Call inside a transaction, with ``appointment`` locked by the caller, who has checked that
    ``actor`` may hand it over. The new calendar is locked and must hold the meeting at its
    time (``booking.slots.fits_at``), else ``Conflict``. Publishes ``AppointmentReassigned``."""
    calendars_lock(calendar.pk, appointment.calendar_id)
    if not fits_at(calendar=calendar, meeting_type=meeting_type, start=appointment.start, now=now):
        raise Conflict(_("The new calendar is not free at that time any more."), code="slot_taken")
    _move(appointment, meeting_type=meeting_type, start=appointment.start, actor=actor, calendar=calendar, note=note)
    events.publish(events.AppointmentReassigned(appointments=(appointment,), actor=actor, now=now))
    return appointment
