"""Handover races on PostgreSQL: a handover and a booking for the same time on the new worker's
calendar, and two handovers in opposite directions, fired at the same moment."""

import pytest

from booking.models import Appointment
from care.models import HandoverAppointment
from tests.booking.test_concurrency import booking_request, race
from tests.factories import local, next_weekday

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def handover_request(api, world, from_worker, to_worker):
    client = api.as_(world.coordinator)
    body = {"from_worker": from_worker.pk, "to_worker": to_worker.pk}
    return lambda: client.post("/api/handovers/", body, format="json")


def test_a_handover_and_a_booking_for_the_same_time_never_double_book_the_new_worker(world, api):
    start = local(next_weekday(2), 13)
    response = api.as_(world.worker).post(
        "/api/appointments/",
        {
            "worker": world.worker.pk,
            "meeting_type": world.meeting_type.pk,
            "start": start.isoformat(),
            "user": world.client.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    mine = Appointment.objects.get(pk=response.json()["id"])

    handover, booking = race(
        [
            handover_request(api, world, world.worker, world.other_worker),
            booking_request(api, world.other_client, world.other_worker, world.other_meeting_type, start),
        ]
    )

    assert handover.status == 201, handover.body
    on_new_calendar = Appointment.objects.filter(
        calendar=world.other_calendar, status=Appointment.Status.BOOKED, start=start
    )
    assert on_new_calendar.count() == 1
    outcome = HandoverAppointment.objects.get(appointment=mine).outcome
    if booking.status == 201:
        assert outcome == HandoverAppointment.Outcome.REOFFERED
    else:
        assert booking.status == 409, booking.body
        assert outcome == HandoverAppointment.Outcome.MOVED
        assert on_new_calendar.get() == mine


def test_two_handovers_in_opposite_directions_do_not_deadlock(world, api):
    first, second = race(
        [
            handover_request(api, world, world.worker, world.other_worker),
            handover_request(api, world, world.other_worker, world.worker),
        ]
    )

    assert {first.status, second.status} <= {201, 422}
    assert 201 in {first.status, second.status}
