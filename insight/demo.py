"""History for the demo unit, so the unit's picture has something to show: sixteen weeks of
past meetings (held, missed, cancelled), their reminders, help requests, waiting-list waits
and feedback, for twelve people who are there only as history (they cannot sign in).

Idempotent and quick: rows are written in bulk once, and skipped when the history is there.
Everything ends before this week, so no page of the current week changes."""

import hashlib
import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from booking import demo as booking_demo
from booking.models import Appointment, MeetingType
from care.models import Feedback, HelpRequest, WaitingEntry
from messaging.models import Delivery
from people.models import Unit, User

WEEKS = 16
NAMES = ["Ola", "Kari", "Nils", "Ingrid", "Lars", "Siri", "Erik", "Hanne", "Tor", "Liv", "Odd", "Mona"]


def _people(unit: Unit) -> list[User]:
    people = []
    for i, name in enumerate(NAMES, start=1):
        user, _created = User.objects.get_or_create(
            username=f"history{i:02d}",
            defaults={"first_name": name, "last_name": "Historikk", "role": User.Role.SERVICE_USER, "unit": unit},
        )
        if user.is_active:
            user.is_active = False  # history only: nobody signs in as them
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
        people.append(user)
    return people


def seed(*, unit: Unit, workers: list[User]) -> None:
    people = _people(unit)
    if Appointment.objects.filter(client__in=people).exists():
        return
    rng = random.Random(16)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    types = [MeetingType.objects.get(calendar__owner=worker, name="Samtale") for worker in workers]
    meetings = booking_demo.history_seed(types=types, people=people, monday=monday, weeks=WEEKS, rng=rng, tz=tz)
    _deliveries(meetings, rng)
    _help(unit, people, monday, rng, tz)
    _waiting(people, types, monday, rng)
    _feedback(meetings, rng)


def _deliveries(meetings: list[Appointment], rng: random.Random) -> None:
    rows = []
    for m in meetings:
        due = m.start - timedelta(days=1)
        channel = "sms" if rng.random() < 0.8 else "email"
        failed = rng.random() < 0.06
        rows.append(
            Delivery(
                recipient_id=m.client_id, kind="appointment_reminder", channel=channel, about="appointment",
                about_id=m.pk, occurrence_at=m.start, due_at=due, expires_at=m.start, sent_at=None if failed else due,
                dedupe_key=f"demo-history:{m.pk}:{channel}", status="failed" if failed else "sent",
                delivery_status="" if failed or channel == "email" else "delivered",
            )
        )  # fmt: skip
    Delivery.objects.bulk_create(rows)


def _help(unit: Unit, people: list[User], monday: object, rng: random.Random, tz: object) -> None:
    rows = []
    for n in range(60):
        day = monday - timedelta(days=rng.randint(1, WEEKS * 7))  # type: ignore[operator]
        asked = datetime.combine(day, time(rng.choice([8, 9, 10, 11, 13, 14, 16, 19, 21])), tzinfo=tz)  # type: ignore[arg-type]
        answered = asked + timedelta(minutes=rng.randint(2, 45))
        rows.append(
            HelpRequest(
                user=people[n % len(people)], unit=unit, status="resolved", created_at=asked, acknowledged_at=answered,
                resolved_at=answered + timedelta(minutes=30),
            )
        )  # fmt: skip
    HelpRequest.objects.bulk_create(rows)


def _waiting(people: list[User], types: list[MeetingType], monday: object, rng: random.Random) -> None:
    rows = []
    for i, person in enumerate(people):
        joined = timezone.make_aware(datetime.combine(monday, time(10))) - timedelta(days=rng.randint(14, WEEKS * 7))  # type: ignore[arg-type]
        left = rng.random() < 0.2
        rows.append(
            WaitingEntry(
                user=person, meeting_type=types[i % len(types)], status="left" if left else "booked",
                joined_at=joined, ended_at=joined + timedelta(days=rng.randint(1, 12)),
            )
        )  # fmt: skip
    WaitingEntry.objects.bulk_create(rows)


def _feedback(meetings: list[Appointment], rng: random.Random) -> None:
    rows = []
    for m in meetings:
        if m.status != "completed" or rng.random() > 0.5:
            continue
        anonymous = rng.random() < 0.3
        rows.append(
            Feedback(
                calendar_id=m.calendar_id, month=timezone.localtime(m.start).date().replace(day=1),
                face=rng.choice([3, 4, 4, 5, 5, 2]), anonymous=anonymous,
                marker=hashlib.sha256(f"demo-history:{m.pk}".encode()).hexdigest(),
                author=None if anonymous else m.client, appointment=None if anonymous else m,
            )
        )  # fmt: skip
    Feedback.objects.bulk_create(rows)
