"""Taking back a held/no-show mark the same day: the meeting is booked again, the history says
so, and a no-show's follow-up task goes with it — in the same transaction."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking import services as booking
from booking.models import Appointment, AppointmentEvent
from config.errors import ApplicationError, NotFound
from reminders.models import FollowUpTask
from tests.factories import OSLO, make_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(world) -> Appointment:
    return make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(minutes=50))


def test_undoing_a_no_show_books_the_meeting_again_and_removes_the_follow_up_task(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="no_show")
    assert FollowUpTask.objects.filter(appointment=started, kind="no_show", done_at__isnull=True).count() == 1

    undone = booking.appointment_close_undo(actor=world.worker, appointment_id=started.pk)

    assert undone.status == Appointment.Status.BOOKED
    assert not FollowUpTask.objects.filter(appointment=started).exists()
    actions = list(AppointmentEvent.objects.filter(appointment=started).values_list("action", flat=True))
    assert actions == ["no_show", "close_undone"]


def test_undoing_held_books_the_meeting_again(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="completed")

    booking.appointment_close_undo(actor=world.worker, appointment_id=started.pk)

    started.refresh_from_db()
    assert started.status == Appointment.Status.BOOKED


def test_a_follow_up_task_already_done_stays_as_history(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="no_show")
    FollowUpTask.objects.filter(appointment=started).update(done_at=timezone.now())

    booking.appointment_close_undo(actor=world.worker, appointment_id=started.pk)

    assert FollowUpTask.objects.filter(appointment=started).count() == 1


def test_undoing_twice_is_harmless(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="no_show")

    booking.appointment_close_undo(actor=world.worker, appointment_id=started.pk)
    again = booking.appointment_close_undo(actor=world.worker, appointment_id=started.pk)

    assert again.status == Appointment.Status.BOOKED
    assert AppointmentEvent.objects.filter(appointment=started, action="close_undone").count() == 1


def test_a_mark_cannot_be_undone_after_the_day_it_was_made(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="no_show")

    with pytest.raises(ApplicationError) as refused:
        booking.appointment_close_undo(
            actor=world.worker, appointment_id=started.pk, now=timezone.now() + timedelta(days=1)
        )

    assert refused.value.code == "undo_too_late"
    started.refresh_from_db()
    assert started.status == Appointment.Status.NO_SHOW
    assert FollowUpTask.objects.filter(appointment=started).exists()


def test_the_day_ends_at_midnight_in_the_workers_time_zone(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="completed")
    mark = AppointmentEvent.objects.get(appointment=started, action="completed")

    until = booking.close_undo_deadline(appointment=started, marked_at=mark.at)

    local = until.astimezone(OSLO)
    assert (local.hour, local.minute) == (0, 0)
    assert local.date() == mark.at.astimezone(OSLO).date() + timedelta(days=1)


def test_another_worker_cannot_undo_and_the_meeting_does_not_exist_for_them(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="no_show")

    for stranger in (world.other_worker, world.client, world.peer):
        with pytest.raises(NotFound):
            booking.appointment_close_undo(actor=stranger, appointment_id=started.pk)

    started.refresh_from_db()
    assert started.status == Appointment.Status.NO_SHOW


def test_a_coordinator_of_the_unit_may_undo(world, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="no_show")

    booking.appointment_close_undo(actor=world.coordinator, appointment_id=started.pk)

    started.refresh_from_db()
    assert started.status == Appointment.Status.BOOKED


def test_a_cancelled_meeting_has_no_mark_to_undo(world, started):
    Appointment.objects.filter(pk=started.pk).update(status=Appointment.Status.CANCELLED)

    with pytest.raises(ApplicationError) as refused:
        booking.appointment_close_undo(actor=world.worker, appointment_id=started.pk)

    assert refused.value.code == "not_closed"
