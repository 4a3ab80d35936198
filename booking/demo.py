"""Demo data for booking: the workers' and the peer's calendars, their weekly hours and their
meeting types. Idempotent."""

import random
from datetime import date, datetime, time, timedelta, tzinfo

from booking.models import Appointment, AppointmentEvent, MeetingType, WorkingHours
from booking.services import calendar_for
from people.models import Unit, User


def seed(*, unit: Unit, workers: list[User], peer: User) -> None:
    for worker in workers:
        calendar = calendar_for(owner=worker)
        if not calendar.working_hours.exists():
            # Monday–Friday with a lunch break.
            WorkingHours.objects.bulk_create(
                [WorkingHours(calendar=calendar, weekday=d, start=time(8, 30), end=time(11, 30)) for d in range(5)]
                + [WorkingHours(calendar=calendar, weekday=d, start=time(12), end=time(15)) for d in range(5)]
            )
        MeetingType.objects.get_or_create(
            calendar=calendar,
            name="Samtale",
            defaults={
                "description": "En samtale om hvordan det går.",
                "duration_minutes": 45,
                "buffer_after_minutes": 15,
                "slot_step_minutes": 60,
                "min_notice_minutes": 120,
                "horizon_days": 28,
                "place": unit.address,
                "audience": MeetingType.Audience.CASELOAD,
                # Two conversations booked ahead at a time: a person cannot fill a week alone.
                "max_ahead_per_person": 2,
            },
        )
        MeetingType.objects.get_or_create(
            calendar=calendar,
            name="Telefonsamtale",
            defaults={
                "duration_minutes": 20,
                "buffer_after_minutes": 10,
                "slot_step_minutes": 30,
                "min_notice_minutes": 60,
                "horizon_days": 14,
                "mode": MeetingType.Mode.PHONE,
                "audience": MeetingType.Audience.CASELOAD,
            },
        )
    _peer_calendar(peer)


def _peer_calendar(peer: User) -> None:
    calendar = calendar_for(owner=peer)
    if not calendar.working_hours.exists():
        WorkingHours.objects.bulk_create(
            [WorkingHours(calendar=calendar, weekday=d, start=time(10), end=time(14)) for d in (1, 3)]
        )
    MeetingType.objects.get_or_create(
        calendar=calendar,
        name="Kaffe og en prat",
        defaults={
            "duration_minutes": 60,
            "buffer_after_minutes": 0,
            "slot_step_minutes": 60,
            "min_notice_minutes": 60,
            "horizon_days": 21,
            "place": "Kafeen i første etasje",
            "audience": MeetingType.Audience.UNIT,
        },
    )


def history_seed(
    *, types: list[MeetingType], people: list[User], monday: date, weeks: int, rng: random.Random, tz: tzinfo
) -> list[Appointment]:
    """Past meetings of ``people`` with the workers of ``types``, one a week each for ``weeks``
    weeks before ``monday``, held, missed or cancelled, with their history (the unit's picture
    in the demo)."""
    meetings = []
    for week in range(weeks, 0, -1):
        for i, person in enumerate(people):
            mt = types[i % len(types)]
            day = monday - timedelta(weeks=week) + timedelta(days=i % 5)
            start = datetime.combine(day, time(9 + i // 5), tzinfo=tz)
            roll = rng.random()
            status = "cancelled" if roll < 0.15 else "no_show" if roll < 0.27 else "completed"
            confirmed = start - timedelta(hours=20) if status != "cancelled" and rng.random() < 0.6 else None
            meetings.append(
                Appointment(
                    calendar=mt.calendar, meeting_type=mt, client=person, booked_by=person, start=start,
                    end=start + mt.duration, blocked_start=start, blocked_end=start + mt.duration + mt.buffer_after,
                    status=status, confirmed_at=confirmed,
                )
            )  # fmt: skip
    meetings = Appointment.objects.bulk_create(meetings)
    _history(meetings, rng)
    return meetings


def _history(meetings: list[Appointment], rng: random.Random) -> None:
    events = []
    for m in meetings:
        events.append(AppointmentEvent(appointment=m, action="booked", actor_id=m.client_id))
        if m.status != "booked":
            actor = m.client_id if m.status == "cancelled" and rng.random() < 0.6 else m.calendar.owner_id
            events.append(AppointmentEvent(appointment=m, action=m.status, actor_id=actor))
    AppointmentEvent.objects.bulk_create(events)
