"""A worker's page for one meeting: the person and their number, the meeting and its history,
and moving or cancelling it on the person's behalf."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AccessEntry
from booking.models import Appointment, AppointmentEvent
from people.models import User
from tests import factories as f
from tests.factories import OSLO, local, make_appointment, next_weekday
from tests.web.support import forms_posting_to, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(world) -> Appointment:
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(1), 10))
    AppointmentEvent.objects.create(
        appointment=appointment, action=AppointmentEvent.Action.BOOKED, actor=world.worker, note="Booked on the phone"
    )
    return appointment


@pytest.fixture
def worker(world, web_client):
    return web_client(world.worker, english=True)


def test_the_worker_opens_their_clients_meeting(world, worker, meeting):
    response = worker.get(f"/calendar/meetings/{meeting.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert world.client.get_full_name() in html
    assert 'href="tel:+4740000001"' in html
    assert "Booked on the phone" in html
    links = parse(response).links
    assert f"/people/{world.client.pk}/" in links
    assert f"/calendar/meetings/{meeting.pk}/move/" in links
    assert f"/calendar/meetings/{meeting.pk}/cancel/" in links
    assert AccessEntry.objects.filter(actor=world.worker, subject=world.client, what="contact").exists()


def test_a_meeting_that_has_started_can_be_closed_and_the_worker_comes_back(world, worker):
    started = make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(minutes=10))
    page = f"/calendar/meetings/{started.pk}/"

    forms = forms_posting_to(worker.get(page), f"/appointments/{started.pk}/completed/")
    assert len(forms) == 1
    assert forms[0].inputs["next"] == page
    response = worker.post(f"/appointments/{started.pk}/completed/", {"next": page})

    assert response.status_code == 302
    assert response.url == page
    started.refresh_from_db()
    assert started.status == Appointment.Status.COMPLETED


@pytest.mark.parametrize("suffix", ["", "move/", "cancel/"])
def test_another_workers_clients_meeting_does_not_exist(world, worker, suffix):
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(1), 10))

    assert worker.get(f"/calendar/meetings/{theirs.pk}/{suffix}").status_code == 404
    assert worker.post(f"/calendar/meetings/{theirs.pk}/{suffix}", {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED


def test_a_service_user_is_sent_home(world, web_client, meeting):
    response = web_client(world.client).get(f"/calendar/meetings/{meeting.pk}/")

    assert response.status_code == 302
    assert response.url == "/"


def test_moving_to_a_free_time_moves_it(world, worker, meeting):
    page = worker.get(f"/calendar/meetings/{meeting.pk}/move/")
    new_start = local(meeting.start.astimezone(OSLO).date(), 13)
    offered = [form.inputs["start"] for form in parse(page).forms if "start" in form.inputs]
    assert any(value.startswith(new_start.astimezone(OSLO).isoformat()[:16]) for value in offered)

    response = worker.post(f"/calendar/meetings/{meeting.pk}/move/", {"start": new_start.isoformat()})

    assert response.status_code == 302
    assert response.url == f"/calendar/meetings/{meeting.pk}/"
    meeting.refresh_from_db()
    assert meeting.start == new_start
    assert meeting.events.filter(action=AppointmentEvent.Action.RESCHEDULED, actor=world.worker).exists()


@pytest.mark.parametrize("hour", [13, 20])
def test_moving_to_a_taken_or_unoffered_time_changes_nothing(world, worker, meeting, hour):
    day = meeting.start.astimezone(OSLO).date()
    other = f.make_person(User.Role.SERVICE_USER, world.unit, first_name="Berit")
    f.follow(world.worker, other)
    make_appointment(world.meeting_type, other, local(day, 13))

    response = worker.post(
        f"/calendar/meetings/{meeting.pk}/move/", {"start": local(day, hour).isoformat()}, follow=True
    )

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    meeting.refresh_from_db()
    assert meeting.start == local(day, 10)


def test_cancelling_needs_a_reason(world, worker, meeting):
    response = worker.post(f"/calendar/meetings/{meeting.pk}/cancel/", {"reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.BOOKED


def test_cancelling_with_a_reason_cancels_it(world, worker, meeting):
    response = worker.post(f"/calendar/meetings/{meeting.pk}/cancel/", {"reason": "Phoned in sick"})

    assert response.status_code == 302
    assert response.url.startswith("/calendar/?week=")
    meeting.refresh_from_db()
    assert meeting.status == Appointment.Status.CANCELLED
    assert meeting.cancel_reason == "Phoned in sick"
    assert meeting.events.filter(action=AppointmentEvent.Action.CANCELLED, actor=world.worker).exists()


def test_today_and_the_week_link_to_the_meeting(world, worker):
    soon = make_appointment(world.meeting_type, world.client, timezone.now() + timedelta(minutes=5))
    day = soon.start.astimezone(OSLO).date()
    if day != timezone.now().astimezone(OSLO).date():
        pytest.skip("five minutes before midnight: the meeting is tomorrow")

    assert f"/calendar/meetings/{soon.pk}/" in parse(worker.get("/today/")).links
    assert f"/calendar/meetings/{soon.pk}/" in parse(worker.get(f"/calendar/?week={day.isoformat()}")).links
