"""Booking announces every change of an appointment (booking.events): who hears it, and when.

In-transaction handlers share the change's commit (their failure undoes it); after-commit
handlers run only once it is committed, and never for a change that rolled back.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from booking import events
from booking import services as booking
from booking.models import Appointment
from tests.factories import local, make_appointment, next_weekday


class Recorder:
    def __init__(self) -> None:
        self.seen: list[events.AppointmentsEvent] = []

    def __call__(self, event: events.AppointmentsEvent) -> None:
        self.seen.append(event)

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.seen]


ALL = (
    events.AppointmentBooked,
    events.AppointmentSeriesBooked,
    events.AppointmentRescheduled,
    events.AppointmentCancelled,
    events.AppointmentReassigned,
    events.AppointmentHeld,
    events.AppointmentNoShow,
)


@pytest.fixture
def subscribers(monkeypatch):
    """Booking's subscriber table for this test only: what a test subscribes is gone after it."""
    table = {kind: list(handlers) for kind, handlers in events._subscribers.items()}
    monkeypatch.setattr(events, "_subscribers", events.defaultdict(list, table))
    return events._subscribers


def book(world, day, hour, **extra):
    return booking.appointment_book(
        actor=world.client,
        worker_id=world.worker.pk,
        meeting_type_id=world.meeting_type.pk,
        start=local(day, hour),
        **extra,
    )


def test_every_change_of_an_appointment_is_announced_with_who_did_it(world, subscribers) -> None:
    heard = Recorder()
    events.subscribe(*ALL, in_transaction=True)(heard)
    monday = next_weekday(0, min_days_ahead=3)

    appointment = book(world, monday, 9).appointments[0]
    booking.appointment_reschedule(actor=world.client, appointment_id=appointment.pk, start=local(monday, 10))
    booking.appointment_cancel(actor=world.client, appointment_id=appointment.pk, reason="")
    series = booking.appointment_book(
        actor=world.worker,
        worker_id=world.worker.pk,
        meeting_type_id=world.meeting_type.pk,
        start=local(monday, 13),
        client_id=world.client.pk,
        repeat=booking.RepeatRule(count=3),
    )
    past = make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(hours=2))
    booking.appointment_close(actor=world.worker, appointment_id=past.pk, outcome="no_show")
    booking.appointment_close(actor=world.worker, appointment_id=past.pk, outcome="completed")

    assert heard.kinds() == [
        "AppointmentBooked",
        "AppointmentRescheduled",
        "AppointmentCancelled",
        "AppointmentSeriesBooked",
        "AppointmentNoShow",
        "AppointmentHeld",
    ]
    moved = heard.seen[1]
    assert moved.actor == world.client
    assert moved.previous == {appointment.pk: (local(monday, 9), local(monday, 9) + world.meeting_type.duration)}
    assert [a.pk for a in heard.seen[3].appointments] == [a.pk for a in series.appointments]
    assert heard.seen[3].series == series.series


def test_a_handler_in_the_transaction_that_fails_undoes_the_booking(world, subscribers) -> None:
    def refuse(event: events.AppointmentBooked) -> None:
        raise RuntimeError("the reminders could not be written")

    events.subscribe(events.AppointmentBooked, in_transaction=True)(refuse)

    with pytest.raises(RuntimeError):
        book(world, next_weekday(0, min_days_ahead=3), 9)

    assert not Appointment.objects.exists()


def test_a_handler_after_the_commit_hears_only_committed_changes(
    world, subscribers, django_capture_on_commit_callbacks
) -> None:
    heard = Recorder()
    events.subscribe(events.AppointmentBooked, in_transaction=False)(heard)
    monday = next_weekday(0, min_days_ahead=3)

    with django_capture_on_commit_callbacks(execute=True):
        book(world, monday, 9)
        assert heard.seen == []  # not before the commit
    assert heard.kinds() == ["AppointmentBooked"]

    class Abandon(Exception):
        pass

    def book_then_abandon() -> None:
        with transaction.atomic():
            book(world, monday, 10)
            raise Abandon

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abandon):
        book_then_abandon()
    assert heard.kinds() == ["AppointmentBooked"]


def test_a_handler_after_the_commit_that_fails_leaves_the_booking_standing(
    world, subscribers, django_capture_on_commit_callbacks
) -> None:
    def broker_down(event: events.AppointmentBooked) -> None:
        raise ConnectionError("broker down")

    events.subscribe(events.AppointmentBooked, in_transaction=False)(broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        result = book(world, next_weekday(0, min_days_ahead=3), 9)

    assert Appointment.objects.filter(pk=result.appointments[0].pk, status="booked").exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_published_outside_a_transaction_is_refused(world) -> None:
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    event = events.AppointmentHeld(appointments=(appointment,), actor=world.worker, now=timezone.now())
    with pytest.raises(RuntimeError):
        events.publish(event)


def test_subscribing_the_same_handler_twice_calls_it_once(world, subscribers) -> None:
    heard = Recorder()
    events.subscribe(events.AppointmentBooked, in_transaction=True)(heard)
    events.subscribe(events.AppointmentBooked, in_transaction=True)(heard)
    book(world, next_weekday(0, min_days_ahead=3), 9)
    assert heard.kinds() == ["AppointmentBooked"]
