"""Joint meetings: one meeting held in several calendars at once (a responsibility-group meeting).

Each calendar gets an appointment of its own, all with the same ``joint`` key; one of them
is the service user's copy (the one they see and are reminded of). The parts are booked,
moved and cancelled together, in one transaction, or not at all; one part alone cannot be
changed (``appointment_cancel`` and ``appointment_reschedule`` refuse it).

The caller decides who may do this and writes its own rows (the group meeting) in the same
transaction, so these functions are called inside it. When a calendar does not offer the
time they raise ``TimeNotFree``, which the caller lets leave its transaction: nothing is
written, and the caller answers with times that are free.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from booking import events
from booking.models import Appointment, AppointmentEvent, Calendar, MeetingType
from booking.services.calendars import calendars_lock
from booking.services.changes import _move, mark_cancelled
from booking.slots import joint_rules, offers_start
from people.models import User


class TimeNotFree(Exception):
    """A calendar does not offer the time asked for: taken meanwhile, or never offered."""


@dataclass(frozen=True)
class JointPart:
    """One calendar's place in a joint meeting, and the meeting type it is held under there."""

    calendar: Calendar
    meeting_type: MeetingType


def appointments_place(
    *,
    actor: User,
    client: User,
    parts: Sequence[JointPart],
    client_copy: Calendar,
    start: datetime,
    duration: timedelta,
    step: timedelta,
    now: datetime,
) -> list[Appointment]:
    """Book one meeting of ``duration`` at ``start`` into every calendar of ``parts``, or none.

    Every calendar is locked (``calendars_lock``) and must offer ``start`` under its own rules
    (``booking.slots.joint_rules``), else ``TimeNotFree``. The part in ``client_copy`` is the
    service user's copy. Publishes ``AppointmentBooked`` with every part."""
    calendars_lock(*(part.calendar.pk for part in parts))
    for part in parts:
        rules = joint_rules(meeting_type=part.meeting_type, duration=duration, step=step)
        if not offers_start(calendar=part.calendar, rules=rules, start=start, now=now):
            raise TimeNotFree
    joint = uuid.uuid4()
    appointments = [
        Appointment(
            calendar=part.calendar,
            meeting_type=part.meeting_type,
            client=client,
            booked_by=actor,
            start=start,
            end=start + duration,
            blocked_start=start - part.meeting_type.buffer_before,
            blocked_end=start + duration + part.meeting_type.buffer_after,
            joint=joint,
            client_copy=part.calendar.pk == client_copy.pk,
        )
        for part in parts
    ]
    _insert_or_refuse(appointments)
    AppointmentEvent.objects.bulk_create(
        [AppointmentEvent(appointment=a, action=AppointmentEvent.Action.BOOKED, actor=actor) for a in appointments]
    )
    events.publish(events.AppointmentBooked(appointments=tuple(appointments), actor=actor, now=now))
    return appointments


def _insert_or_refuse(appointments: list[Appointment]) -> None:
    # A savepoint: the exclusion constraint's refusal (what the locks should already have
    # prevented) becomes TimeNotFree, and the caller's transaction can still be left cleanly.
    try:
        with transaction.atomic():
            Appointment.objects.bulk_create(appointments)
    except IntegrityError as exc:
        if "appointment_no_overlap" in str(exc):
            raise TimeNotFree from exc
        raise


def appointments_move(
    *,
    actor: User,
    appointment_ids: Sequence[int],
    start: datetime,
    duration: timedelta,
    step: timedelta,
    now: datetime,
) -> list[Appointment]:
    """Move every booked part of a joint meeting to ``start``, keeping its length, or none.

    The calendars are locked first (id order), then the parts. Each calendar must offer the
    new time with the meeting's own old time not counting as busy (so it may move by one
    step), else ``TimeNotFree``. Publishes ``AppointmentRescheduled`` with every part."""
    calendars_lock(*Appointment.objects.filter(pk__in=appointment_ids).values_list("calendar_id", flat=True))
    appointments = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("meeting_type", "calendar__owner", "client")
        .filter(pk__in=appointment_ids, status=Appointment.Status.BOOKED)
        .order_by("calendar_id")
    )
    for appointment in appointments:
        rules = joint_rules(meeting_type=appointment.meeting_type, duration=duration, step=step)
        if not offers_start(
            calendar=appointment.calendar, rules=rules, start=start, now=now, exclude_appointment_id=appointment.pk
        ):
            raise TimeNotFree
    previous: dict[int, tuple[datetime, datetime]] = {}
    try:
        with transaction.atomic():
            for appointment in appointments:
                previous |= _move(
                    appointment, meeting_type=appointment.meeting_type, start=start, actor=actor, duration=duration
                )
    except IntegrityError as exc:
        if "appointment_no_overlap" in str(exc):
            raise TimeNotFree from exc
        raise
    events.publish(
        events.AppointmentRescheduled(appointments=tuple(appointments), previous=previous, actor=actor, now=now)
    )
    return appointments


def appointments_cancel(
    *, actor: User, appointment_ids: Sequence[int], reason: str, now: datetime
) -> list[Appointment]:
    """Cancel every part of a joint meeting that is still booked. Publishes
    ``AppointmentCancelled`` with those parts; returns them."""
    appointments = list(
        Appointment.objects.select_for_update(of=("self",))
        .select_related("meeting_type", "calendar__owner", "client")
        .filter(pk__in=appointment_ids, status=Appointment.Status.BOOKED)
        .order_by("pk")
    )
    for appointment in appointments:
        mark_cancelled(appointment, actor=actor, reason=reason)
    if appointments:
        events.publish(
            events.AppointmentCancelled(appointments=tuple(appointments), actor=actor, now=now, reason=reason)
        )
    return appointments
