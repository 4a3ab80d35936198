"""Marking a meeting held or not attended from the worker's meeting page, and undoing the mark
the same day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking import services as booking
from booking.models import Appointment, AppointmentEvent
from reminders.models import FollowUpTask
from tests.factories import make_appointment
from tests.web.support import forms_posting_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(world) -> Appointment:
    return make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(minutes=50))


def test_the_meeting_page_offers_undo_after_a_no_show_and_undo_books_it_again(world, web_client, started):
    worker = web_client(world.worker)
    page = f"/calendar/meetings/{started.pk}/"
    worker.post(f"/appointments/{started.pk}/no_show/", {"next": page})

    forms = forms_posting_to(worker.get(page), f"/appointments/{started.pk}/undo-mark/")
    assert len(forms) == 1
    response = worker.post(f"/appointments/{started.pk}/undo-mark/", {"next": page})

    assert response.status_code == 302
    assert response.url == page
    started.refresh_from_db()
    assert started.status == Appointment.Status.BOOKED
    assert not FollowUpTask.objects.filter(appointment=started).exists()
    html = worker.get(page).content.decode()
    assert "Markering angret" in html
    assert forms_posting_to(worker.get(page), f"/appointments/{started.pk}/completed/")


def test_undo_is_not_offered_the_day_after(world, web_client, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="completed")
    AppointmentEvent.objects.filter(appointment=started).update(at=timezone.now() - timedelta(days=2))
    worker = web_client(world.worker)
    page = f"/calendar/meetings/{started.pk}/"

    assert not forms_posting_to(worker.get(page), f"/appointments/{started.pk}/undo-mark/")
    response = worker.post(f"/appointments/{started.pk}/undo-mark/", {"next": page}, follow=True)

    assert "Markeringen kan bare angres samme dag" in response.content.decode()
    started.refresh_from_db()
    assert started.status == Appointment.Status.COMPLETED


def test_undoing_twice_is_harmless(world, web_client, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="completed")
    worker = web_client(world.worker)

    for _attempt in range(2):
        assert worker.post(f"/appointments/{started.pk}/undo-mark/").status_code == 302

    started.refresh_from_db()
    assert started.status == Appointment.Status.BOOKED


def test_another_workers_meeting_is_not_found(world, web_client):
    theirs = make_appointment(world.other_meeting_type, world.other_client, timezone.now() - timedelta(minutes=50))
    booking.appointment_close(actor=world.other_worker, appointment_id=theirs.pk, outcome="no_show")

    assert web_client(world.worker).post(f"/appointments/{theirs.pk}/undo-mark/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.NO_SHOW


def test_a_service_user_cannot_undo(world, web_client, started):
    booking.appointment_close(actor=world.worker, appointment_id=started.pk, outcome="no_show")

    response = web_client(world.client).post(f"/appointments/{started.pk}/undo-mark/")

    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == Appointment.Status.NO_SHOW
