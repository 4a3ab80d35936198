"""Real races on PostgreSQL: many connections asking for the same time at the same moment.

Each thread gets its own database connection from Django and commits for real (hence
``transaction=True``); a barrier makes them fire together. Whatever the interleaving,
exactly one booking may win and every loser must hear 409 ``slot_taken``.
"""

import threading
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from booking.models import Appointment, AppointmentEvent, MeetingType
from people.models import User
from tests import factories as f
from tests.factories import local, make_appointment, next_weekday

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@dataclass
class Outcome:
    status: int
    body: dict
    backend_pid: int


def race(requests: list) -> list[Outcome]:
    """Run each ``request()`` in its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(requests), timeout=30)
    outcomes: list[Outcome | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def run(index: int, request) -> None:
        try:
            # Open this thread's connection before the barrier, so the race is between
            # requests and not between connection set-ups.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            barrier.wait()
            response = request()
            outcomes[index] = Outcome(response.status_code, response.json(), pid)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a booking request hung"
    assert not errors, errors
    assert all(o is not None for o in outcomes)
    # Every request really ran on a connection of its own.
    assert len({o.backend_pid for o in outcomes}) == len(requests)
    return outcomes


def booking_request(api, user: User, worker: User, meeting_type: MeetingType, start: datetime):
    client = api.as_(user)  # token made here, in the main thread, before the race
    body = {"worker": worker.pk, "meeting_type": meeting_type.pk, "start": start.isoformat()}
    return lambda: client.post("/api/appointments/", body, format="json")


def service_users(world, count: int, *, followed: bool) -> list[User]:
    users = []
    for _ in range(count):
        user = f.make_person(User.Role.SERVICE_USER, world.unit)
        if followed:
            f.follow(world.worker, user)
        users.append(user)
    return users


def assert_one_winner(outcomes: list[Outcome]) -> Outcome:
    winners = [o for o in outcomes if o.status == 201]
    losers = [o for o in outcomes if o.status != 201]
    assert len(winners) == 1, [(o.status, o.body) for o in outcomes]
    for loser in losers:
        assert loser.status == 409, loser.body
        assert loser.body["error"]["code"] == "slot_taken"
        assert isinstance(loser.body["error"]["message"], str)
    return winners[0]


def test_many_users_racing_for_one_slot_get_exactly_one_booking(world, api):
    start = local(next_weekday(0), 9)
    users = service_users(world, THREADS, followed=True)
    outcomes = race([booking_request(api, u, world.worker, world.meeting_type, start) for u in users])

    winner = assert_one_winner(outcomes)
    appointment = Appointment.objects.get()
    assert appointment.pk == winner.body["id"]
    assert appointment.start == start
    assert appointment.client_id == winner.body["user"]["id"]
    assert AppointmentEvent.objects.filter(appointment=appointment).count() == 1
    # Losers are pointed at free times, never at the one that was just taken.
    for loser in (o for o in outcomes if o.status == 409):
        starts = [a["start"] for a in loser.body["error"]["alternatives"]]
        assert starts
        assert start.isoformat() not in starts


def test_overlapping_starts_racing_in_one_calendar_get_exactly_one_booking(world, api):
    # Blocked ranges (buffers included): 09:00 holds 08:45-10:00, 09:30 holds 09:15-10:30,
    # 10:00 holds 09:45-11:00. Every pair overlaps, so only one request may win.
    meeting_type = f.make_meeting_type(
        world.calendar,
        name="Åpen samtale",
        duration_minutes=45,
        buffer_before_minutes=15,
        buffer_after_minutes=15,
        audience=MeetingType.Audience.UNIT,
    )
    monday = next_weekday(0)
    starts = [local(monday, 9), local(monday, 9, 30), local(monday, 10)]
    # Unit-wide type: none of these users is in the worker's caseload.
    users = service_users(world, THREADS, followed=False)
    requests = [
        booking_request(api, user, world.worker, meeting_type, starts[i % len(starts)]) for i, user in enumerate(users)
    ]
    outcomes = race(requests)

    assert_one_winner(outcomes)
    assert Appointment.objects.filter(calendar=world.calendar).count() == 1


def test_racing_reschedules_into_one_slot_move_exactly_one_meeting(world, api):
    monday = next_weekday(0)
    target = local(monday, 13)
    # Five meetings that do not touch 13:00-14:00; each owner tries to move theirs there.
    hours = [8, 9, 10, 12, 14]
    users = service_users(world, len(hours), followed=True)
    appointments = [
        make_appointment(world.meeting_type, user, local(monday, hour)) for user, hour in zip(users, hours, strict=True)
    ]

    def move(user: User, appointment: Appointment):
        client = api.as_(user)
        return lambda: client.post(
            f"/api/appointments/{appointment.pk}/reschedule/", {"start": target.isoformat()}, format="json"
        )

    outcomes = race([move(u, a) for u, a in zip(users, appointments, strict=True)])

    moved = [o for o in outcomes if o.status == 200]
    assert len(moved) == 1, [(o.status, o.body) for o in outcomes]
    for loser in (o for o in outcomes if o.status != 200):
        assert loser.status == 409, loser.body
        assert loser.body["error"]["code"] == "slot_taken"
    assert Appointment.objects.filter(start=target).count() == 1
    # The losers' meetings stay where they were.
    unmoved = Appointment.objects.exclude(pk=moved[0].body["id"])
    assert sorted(a.start.astimezone(f.OSLO).hour for a in unmoved) == sorted(
        h for h, a in zip(hours, appointments, strict=True) if a.pk != moved[0].body["id"]
    )


def test_the_database_refuses_an_overlapping_insert_that_bypasses_the_service(world):
    monday = next_weekday(0)
    make_appointment(world.meeting_type, world.client, local(monday, 9))  # holds 09:00-10:00

    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        make_appointment(world.meeting_type, world.other_client, local(monday, 9, 30))
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        # Only the buffer after the first meeting overlaps: still refused.
        make_appointment(world.meeting_type, world.other_client, local(monday, 9, 50))
    assert Appointment.objects.count() == 1


def test_the_database_allows_what_does_not_overlap(world):
    monday = next_weekday(0)
    first = make_appointment(world.meeting_type, world.client, local(monday, 9))  # holds 09:00-10:00
    # Touching ranges are fine: [09:00, 10:00) and [10:00, 11:00).
    make_appointment(world.meeting_type, world.other_client, local(monday, 10))
    # Another calendar at the very same time is fine.
    make_appointment(world.other_meeting_type, world.other_client, local(monday, 9))
    # A cancelled meeting no longer holds its time.
    first.status = Appointment.Status.CANCELLED
    first.save(update_fields=["status"])
    make_appointment(world.meeting_type, world.other_client, local(monday, 9))
    assert Appointment.objects.count() == 4


def test_the_database_refuses_reviving_a_cancelled_meeting_into_a_taken_time(world):
    monday = next_weekday(0)
    cancelled = make_appointment(world.meeting_type, world.client, local(monday, 9), status="cancelled")
    make_appointment(world.meeting_type, world.other_client, local(monday, 9))
    cancelled.status = Appointment.Status.BOOKED
    with pytest.raises(IntegrityError, match="appointment_no_overlap"), transaction.atomic():
        cancelled.save(update_fields=["status"])


@dataclass
class _Answer:
    """A service's answer in the shape ``race`` reads from an HTTP response."""

    status_code: int
    body: dict

    def json(self) -> dict:
        return self.body


def any_hour_request(world, client: User, start: datetime):
    from booking.services import appointment_book
    from config.errors import ApplicationError

    def book() -> _Answer:
        try:
            result = appointment_book(
                actor=world.worker,
                worker_id=world.worker.pk,
                meeting_type_id=world.meeting_type.pk,
                start=start,
                client_id=client.pk,
                any_hour=True,
            )
        except ApplicationError as exc:
            return _Answer(exc.status_code, {"error": {"code": exc.code, "message": str(exc.message)}})
        return _Answer(201, {"id": result.appointments[0].pk})

    return book


def test_overlapping_times_outside_the_usual_hours_racing_get_exactly_one_booking(world):
    # Off the grid and after hours: 18:05 holds 18:05-19:05 (with its buffer after), 18:20
    # holds 18:20-19:20, 18:35 holds 18:35-19:35. Every pair overlaps, so only one may win.
    day = next_weekday(1)
    starts = [local(day, 18, 5), local(day, 18, 20), local(day, 18, 35)]
    users = service_users(world, THREADS, followed=True)

    outcomes = race([any_hour_request(world, user, starts[i % len(starts)]) for i, user in enumerate(users)])

    assert_one_winner(outcomes)
    assert Appointment.objects.filter(calendar=world.calendar).count() == 1
