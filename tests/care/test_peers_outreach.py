"""A missed meeting is a care signal: the worker gets an outreach task with "I called" and,
when the person shares with a peer, "Ask their peer to check in"."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from care.models import PeerCheckIn
from care.services.peers import sharing_set
from messaging.models import Delivery
from reminders.models import FollowUpTask, MessageKind
from tests.factories import make_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def missed(world, api):
    meeting = make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(minutes=30))
    response = api.as_(world.worker).post(f"/api/appointments/{meeting.pk}/no-show/")
    assert response.status_code == 200, response.content
    return meeting


def test_marking_a_no_show_in_the_api_creates_an_outreach_task(world, missed) -> None:
    task = FollowUpTask.objects.get()
    assert (task.kind, task.worker, task.client, task.appointment) == (
        FollowUpTask.Kind.NO_SHOW,
        world.worker,
        world.client,
        missed,
    )


def test_i_called_closes_the_task(world, api, missed) -> None:
    task = FollowUpTask.objects.get()
    assert api.as_(world.worker).post(f"/api/outreach/{task.pk}/called/").status_code == 204
    task.refresh_from_db()
    assert task.done_at is not None


def test_asking_the_peer_sends_only_the_first_name_and_records_it(world, api, missed) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    task = FollowUpTask.objects.get()
    response = api.as_(world.worker).post(f"/api/outreach/{task.pk}/ask-peer/", {"peer": world.peer.pk}, format="json")
    assert response.status_code == 201, response.content
    check_in = PeerCheckIn.objects.get()
    assert (check_in.task, check_in.peer, check_in.asked_by) == (task, world.peer, world.worker)
    sms = Delivery.objects.get(kind=MessageKind.PEER_POOL)
    assert sms.recipient == world.peer
    assert sms.context == {"what": "check_in", "client": world.client.first_name}
    task.refresh_from_db()
    assert task.done_at is not None
    # Asking twice does not send twice.
    again = api.as_(world.worker).post(f"/api/outreach/{task.pk}/ask-peer/", {"peer": world.peer.pk}, format="json")
    assert again.status_code == 409
    assert Delivery.objects.filter(kind=MessageKind.PEER_POOL).count() == 1


def test_the_peer_cannot_be_asked_without_sharing(world, api, missed) -> None:
    task = FollowUpTask.objects.get()
    response = api.as_(world.worker).post(f"/api/outreach/{task.pk}/ask-peer/", {"peer": world.peer.pk}, format="json")
    assert response.status_code == 400
    assert not PeerCheckIn.objects.exists()
    assert not Delivery.objects.filter(kind=MessageKind.PEER_POOL).exists()


def test_another_worker_cannot_act_on_the_task(world, api, missed) -> None:
    task = FollowUpTask.objects.get()
    assert api.as_(world.other_worker).post(f"/api/outreach/{task.pk}/called/").status_code == 404


def test_today_offers_asking_the_peer_only_when_the_person_shares(world, missed) -> None:
    web = Client()
    web.force_login(world.worker)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    task = FollowUpTask.objects.get()
    page = web.get("/today/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'action="/tasks/{task.pk}/called/"' in page
    assert f'action="/tasks/{task.pk}/ask-peer/"' not in page

    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    page = web.get("/today/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'action="/tasks/{task.pk}/ask-peer/"' in page
    response = web.post(f"/tasks/{task.pk}/ask-peer/", {"peer": str(world.peer.pk)})
    assert response.status_code == 302
    assert PeerCheckIn.objects.filter(task=task, peer=world.peer).exists()


def test_repeated_no_shows_stand_out_on_the_caseload_with_a_text_marker(world) -> None:
    for days in (5, 40):
        make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(days=days), status="no_show")
    web = Client()
    web.force_login(world.worker)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the assertions read the English texts
    page = web.get("/caseload/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "⚑" in page
    assert "reach out" in page
