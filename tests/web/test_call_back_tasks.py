"""From a meeting's page a worker leaves themselves a "call them back" task (the person phoned,
or was not reached), sees their open tasks about the person, and ticks them off there."""

import pytest

from reminders.models import FollowUpTask
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(world):
    return f.make_appointment(world.meeting_type, world.client, f.local(f.next_weekday(1), 10))


def test_call_them_back_makes_one_task_on_today_with_its_note(world, web_client, meeting):
    client = web_client(world.worker, english=True)
    url = f"/calendar/meetings/{meeting.pk}/call-back/"
    page = client.post(url, {"note": "Vil flytte møtet"}, follow=True).content.decode()
    assert "A call-back task is on your Today page." in page
    assert "Vil flytte møtet" in page
    client.post(url, {"note": ""})
    task = FollowUpTask.objects.get(kind=FollowUpTask.Kind.CALL_BACK)
    assert (task.worker, task.client, task.appointment, task.note) == (
        world.worker,
        world.client,
        meeting,
        "Vil flytte møtet",
    )
    assert "Vil flytte møtet" in client.get("/today/").content.decode()


def test_a_task_ticked_off_on_the_meeting_page_returns_there(world, web_client, meeting):
    client = web_client(world.worker, english=True)
    client.post(f"/calendar/meetings/{meeting.pk}/call-back/", {"note": "Ring etter kl. 12"})
    task = FollowUpTask.objects.get()
    back = f"/calendar/meetings/{meeting.pk}/"
    response = client.post(f"/tasks/{task.pk}/done/", {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    task.refresh_from_db()
    assert task.done_at is not None
    assert "No open tasks." in client.get(back).content.decode()


def test_another_workers_meeting_gets_no_task(world, web_client):
    theirs = f.make_appointment(world.other_meeting_type, world.other_client, f.local(f.next_weekday(2), 10))
    response = web_client(world.worker).post(f"/calendar/meetings/{theirs.pk}/call-back/", {"note": "x"})
    assert response.status_code == 404
    assert not FollowUpTask.objects.exists()
