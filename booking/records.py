"""A person's meetings in what Triangel holds about them (``audit.records``). Erased, the
meetings stay as rows without words: when, with which calendar, and how they went, for the
unit's statistics; the reasons and notes written about them go."""

from datetime import datetime
from typing import Any

from django.utils.translation import ngettext

from audit.records import Record, iso
from booking.models import Appointment, AppointmentEvent, FeedToken, IdempotencyKey


def export(person: Any) -> list[dict[str, Any]]:
    appointments = (
        Appointment.objects.filter(client=person, client_copy=True)
        .select_related("meeting_type", "calendar__owner")
        .prefetch_related("events")
        .order_by("start")
    )
    return [
        {
            "id": a.pk,
            "start": iso(a.start),
            "end": iso(a.end),
            "with": a.calendar.owner.get_full_name() or a.calendar.owner.username,
            "meeting_type": a.meeting_type.name,
            "place": a.meeting_type.place,
            "status": a.status,
            "reason_for_cancelling": a.cancel_reason,
            "confirmed": iso(a.confirmed_at),
            "history": [
                {
                    "what": e.action,
                    "when": iso(e.at),
                    "previous_start": iso(e.previous_start),
                    "note": e.note,
                }
                for e in a.events.all()
            ],
        }
        for a in appointments
    ]


def erase(person: Any, now: datetime) -> None:
    Appointment.objects.filter(client=person).exclude(cancel_reason="").update(cancel_reason="")
    AppointmentEvent.objects.filter(appointment__client=person).exclude(note="").update(note="")
    IdempotencyKey.objects.filter(user=person).delete()
    FeedToken.objects.filter(user=person).delete()


def blocker(person: Any, now: datetime) -> str | None:
    ahead = Appointment.objects.filter(
        client=person, client_copy=True, status=Appointment.Status.BOOKED, end__gt=now
    ).count()
    if not ahead:
        return None
    return ngettext(
        "The person has %(count)d booked meeting ahead; cancel it first.",
        "The person has %(count)d booked meetings ahead; cancel them first.",
        ahead,
    ) % {"count": ahead}


RECORD = Record(name="meetings", export=export, erase=erase, blocker=blocker)
