"""What a desk needs at hand: the number to call beside every name, the caseload found by name
or number, a follow-up task dated by its meeting, and a peer's own landing page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AccessEntry
from booking.models import Appointment
from people.models import User
from reminders.models import FollowUpTask
from tests import factories as f

pytestmark = pytest.mark.django_db

CALL_CLIENT = 'href="tel:+4740000001"'


def test_today_has_the_number_to_call_beside_a_meetings_person(world, web_client):
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    f.make_appointment(world.meeting_type, world.client, start)

    page = web_client(world.worker).get("/today/").content.decode()

    assert CALL_CLIENT in page
    assert AccessEntry.objects.filter(actor=world.worker, subject=world.client, what="contact").exists()


def test_a_no_show_task_shows_when_the_meeting_was_not_when_the_task_was_made(world, web_client):
    meeting_start = f.local(timezone.localdate() - timedelta(days=3), 10, 15)
    meeting = f.make_appointment(world.meeting_type, world.client, meeting_start, status=Appointment.Status.NO_SHOW)
    FollowUpTask.objects.create(
        worker=world.worker, client=world.client, kind=FollowUpTask.Kind.CALL_BACK, appointment=meeting
    )

    page = web_client(world.worker, english=True).get("/today/").content.decode()

    assert "the meeting " + f"{timezone.localtime(meeting_start):%A %-d. %B %H:%M}" in page
    assert CALL_CLIENT in page


def test_the_caseload_lists_each_persons_number_to_call(world, web_client):
    page = web_client(world.worker).get("/caseload/").content.decode()

    assert CALL_CLIENT in page


@pytest.mark.parametrize("query", ["Anna", "anna", "400 00 001", "+47 400 00 001", "40000001", "0000"])
def test_the_caseload_is_found_by_name_or_number(world, web_client, query):
    f.follow(world.worker, f.make_person(User.Role.SERVICE_USER, world.unit, "bjorn", first_name="Bjørn"))

    page = web_client(world.worker).get("/caseload/", {"q": query}).content.decode()

    assert f'href="/people/{world.client.pk}/"' in page
    assert "Bjørn" not in page


def test_the_caseload_search_never_reaches_people_outside_the_caseload(world, web_client):
    stranger = f.make_person(User.Role.SERVICE_USER, world.unit, "stranger", phone="+4740000777", first_name="Stian")

    by_number = web_client(world.worker).get("/caseload/", {"q": "40000777"}).content.decode()
    by_name = web_client(world.worker).get("/caseload/", {"q": "Stian"}).content.decode()

    for page in (by_number, by_name):
        assert f'href="/people/{stranger.pk}/"' not in page
        assert "tel:+4740000777" not in page
    assert 'value="Stian"' in by_name


def test_the_persons_page_has_their_number_to_call(world, web_client):
    page = web_client(world.worker).get(f"/people/{world.client.pk}/").content.decode()

    assert CALL_CLIENT in page


def test_a_peer_lands_on_their_own_page(world, web_client):
    response = web_client(world.peer).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/peer/"
