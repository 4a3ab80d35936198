"""The reminders of a meeting: written when it is booked, replaced when it moves or changes
hands, dropped when it is cancelled — always in the booking's own transaction (see
``reminders.receivers``). The service user hears of a change someone else made."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from booking.models import Appointment
from messaging.outbox import deliveries_about, deliveries_cancel
from people.models import User
from reminders.models import MessageKind
from reminders.services.notices import Planned, channels_for, planned_write
from reminders.services.preferences import preferences_read


def _appointment_context(appointment: Appointment) -> dict[str, Any]:
    worker = appointment.calendar.owner
    return {
        "worker": worker.short_name,
        "place": appointment.meeting_type.place,
        "mode": appointment.meeting_type.mode,
    }


def _cancel_pending(appointment: Appointment, reason: str) -> int:
    return deliveries_cancel(deliveries_about("appointment", appointment.pk), reason)


def appointment_reminders_schedule(*, appointment: Appointment, now: datetime | None = None) -> int:
    """Create the reminders for a booked appointment. Call inside the booking transaction."""
    now = now or timezone.now()
    return planned_write(_reminder_items(appointment, now), now)


def appointments_booked(*, appointments: list[Appointment], now: datetime | None = None) -> int:
    """Reminders for newly booked appointments and one confirmation (for a series, of its
    first meeting), written in one insert inside the booking transaction."""
    now = now or timezone.now()
    if not appointments:
        return 0
    items = [item for appointment in appointments for item in _reminder_items(appointment, now)]
    first = appointments[0]
    items += _notice_items(
        appointment=first, kind=MessageKind.APPOINTMENT_BOOKED, key=f"appt-booked:{first.pk}", now=now
    )
    return planned_write(items, now)


def _reminder_items(appointment: Appointment, now: datetime) -> list[Planned]:
    client = appointment.client
    prefs = preferences_read(client)
    context = _appointment_context(appointment)
    stamp = int(appointment.start.timestamp())
    return [
        Planned(
            recipient=client,
            kind=MessageKind.APPOINTMENT,
            channel=channel,
            occurrence_at=appointment.start,
            due_at=appointment.start - timedelta(minutes=offset),
            expires_at=appointment.start,
            # The sequence keeps a meeting moved back to an earlier time from colliding with
            # the cancelled rows of that time.
            dedupe_key=f"appt:{appointment.pk}:{appointment.sequence}:{stamp}:{offset}:{channel}",
            context=context,
            appointment=appointment,
        )
        for offset in prefs.appointment_offsets
        for channel in channels_for(client, prefs.appointment_channels)
        if appointment.start - timedelta(minutes=offset) > now
    ]


def _notice(*, appointment: Appointment, kind: str, key: str, now: datetime) -> int:
    return planned_write(_notice_items(appointment=appointment, kind=kind, key=key, now=now), now)


def _notice_items(*, appointment: Appointment, kind: str, key: str, now: datetime) -> list[Planned]:
    client = appointment.client
    prefs = preferences_read(client)
    return [
        Planned(
            recipient=client,
            kind=kind,
            channel=channel,
            occurrence_at=appointment.start,
            due_at=now,
            expires_at=max(appointment.start, now + timedelta(hours=1)),
            dedupe_key=f"{key}:{channel}",
            context=_appointment_context(appointment),
            appointment=appointment,
        )
        for channel in channels_for(client, prefs.appointment_channels)
    ]


def appointment_reminders_moved(*, appointment: Appointment, actor: User, now: datetime | None = None) -> None:
    """The appointment moved: drop its pending reminders, plan new ones, and tell the
    service user if someone else moved it."""
    now = now or timezone.now()
    _cancel_pending(appointment, "appointment moved")
    appointment_reminders_schedule(appointment=appointment, now=now)
    if actor.pk != appointment.client_id:
        _notice(
            appointment=appointment,
            kind=MessageKind.APPOINTMENT_MOVED,
            key=f"appt-moved:{appointment.pk}:{appointment.sequence}",
            now=now,
        )


def appointment_reminders_cancelled(*, appointment: Appointment, actor: User, now: datetime | None = None) -> None:
    """The appointment was cancelled: drop its reminders and tell the service user if
    someone else cancelled it (a person who cancels by SMS gets a reply instead)."""
    now = now or timezone.now()
    _cancel_pending(appointment, "appointment cancelled")
    if actor.pk != appointment.client_id and appointment.start > now:
        _notice(
            appointment=appointment,
            kind=MessageKind.APPOINTMENT_CANCELLED,
            key=f"appt-cancelled:{appointment.pk}",
            now=now,
        )


def appointment_reminders_reassigned(*, appointment: Appointment, now: datetime | None = None) -> int:
    """The meeting keeps its time but is now with another worker: its pending reminders are
    replaced by fresh ones naming the new worker. No notice per meeting: the person gets one
    introduction to the new worker instead (``handover_introduce``)."""
    now = now or timezone.now()
    _cancel_pending(appointment, "appointment handed over")
    return appointment_reminders_schedule(appointment=appointment, now=now)
