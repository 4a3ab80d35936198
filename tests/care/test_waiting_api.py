"""The waiting-list API: joining only when nothing is free, one entry per type, leaving,
and the cancel hook reaching the list on commit."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from booking.models import CalendarOverride
from care.models import WaitingEntry, WaitingOffer
from messaging.models import Delivery
from reminders.models import MessageKind
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/waiting-list/"


@pytest.fixture
def full(world):
    """Kari's calendar with one time in the window, already taken by other_client."""
    world.calendar.working_hours.all().delete()
    start = f.local(f.next_weekday(3, 3), 9)
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="extra", start=start, end=start + timedelta(minutes=45)
    )
    return world, f.make_appointment(world.meeting_type, world.other_client, start)


def test_joining_is_refused_while_free_times_exist(world, api):
    response = api.as_(world.client).post(URL, {"meeting_type": world.meeting_type.pk}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "free_times_exist"
    assert "14" in error["message"]
    assert error["first_free"]
    assert not WaitingEntry.objects.exists()


def test_joining_when_nothing_is_free_and_only_once(full, api):
    world, _held = full
    client = api.as_(world.client)
    response = client.post(URL, {"meeting_type": world.meeting_type.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "waiting"
    again = client.post(URL, {"meeting_type": world.meeting_type.pk}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_waiting"
    assert [e["meeting_type"] for e in client.get(URL).json()] == [world.meeting_type.pk]


def test_the_database_holds_one_active_entry_per_person_and_type(full):
    world, _held = full
    WaitingEntry.objects.create(user=world.client, meeting_type=world.meeting_type)
    with pytest.raises(IntegrityError):
        WaitingEntry.objects.create(user=world.client, meeting_type=world.meeting_type)


def test_a_meeting_type_one_may_not_book_is_a_404(full, api):
    world, _held = full
    response = api.as_(world.client).post(URL, {"meeting_type": world.other_meeting_type.pk}, format="json")
    assert response.status_code == 404


def test_leaving_the_list_and_others_entries_are_404(full, api):
    world, _held = full
    entry_id = api.as_(world.client).post(URL, {"meeting_type": world.meeting_type.pk}, format="json").json()["id"]
    assert api.as_(world.other_client).post(f"{URL}{entry_id}/leave/").status_code == 404
    response = api.as_(world.client).post(f"{URL}{entry_id}/leave/")
    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert api.as_(world.client).get(URL).json() == []


def test_the_worker_sees_who_waits_for_their_calendar_only(full, api):
    world, _held = full
    api.as_(world.client).post(URL, {"meeting_type": world.meeting_type.pk}, format="json")
    assert [e["user"] for e in api.as_(world.worker).get(URL).json()] == [world.client.pk]
    assert api.as_(world.other_worker).get(URL).json() == []


def test_cancelling_through_the_api_offers_the_time_and_the_offer_can_be_taken(
    full, api, settings, django_capture_on_commit_callbacks
):
    settings.WAITING_OFFER_FROM_HOUR, settings.WAITING_OFFER_UNTIL_HOUR = 0, 24
    world, held = full
    api.as_(world.client).post(URL, {"meeting_type": world.meeting_type.pk}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_(world.worker).post(f"/api/appointments/{held.pk}/cancel/", {"reason": "Syk"}, format="json")
    assert response.status_code == 200

    assert Delivery.objects.filter(recipient=world.client, kind=MessageKind.WAITING_OFFER).exists()
    [offer] = api.as_(world.client).get(f"{URL}offers/").json()
    assert offer["start"] == held.start.isoformat()
    assert timezone.now() < WaitingOffer.objects.get().expires_at
    assert api.as_(world.other_client).post(f"{URL}offers/{offer['id']}/accept/").status_code == 404

    taken = api.as_(world.client).post(f"{URL}offers/{offer['id']}/accept/")
    assert taken.status_code == 201, taken.json()
    assert taken.json()["status"] == "accepted"
    assert taken.json()["appointment"]["start"] == held.start.isoformat()
    again = api.as_(world.client).post(f"{URL}offers/{offer['id']}/accept/")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "offer_closed"


@pytest.fixture
def free_only_in_three_weeks(world):
    """Kari's only free time is three weeks ahead: beyond the default 14 days."""
    world.calendar.working_hours.all().delete()
    start = f.local(f.next_weekday(3, 21), 9)
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="extra", start=start, end=start + timedelta(minutes=45)
    )
    world.meeting_type.horizon_days = 60
    world.meeting_type.save(update_fields=["horizon_days"])
    return world


def test_a_meeting_types_own_window_decides_when_people_may_join(free_only_in_three_weeks, api):
    world = free_only_in_three_weeks
    client = api.as_(world.client)
    world.meeting_type.waiting_list_days = 30
    world.meeting_type.save(update_fields=["waiting_list_days"])
    refused = client.post(URL, {"meeting_type": world.meeting_type.pk}, format="json")
    assert refused.status_code == 409
    assert "30" in refused.json()["error"]["message"]

    world.meeting_type.waiting_list_days = None  # back to the service's 14 days
    world.meeting_type.save(update_fields=["waiting_list_days"])
    assert client.post(URL, {"meeting_type": world.meeting_type.pk}, format="json").status_code == 201


def test_the_worker_sets_the_window_per_meeting_type_within_limits(world, api):
    worker = api.as_(world.worker)
    url = f"/api/calendar/meeting-types/{world.meeting_type.pk}/"
    assert worker.get(url).json()["waiting_list_days"] is None
    assert worker.patch(url, {"waiting_list_days": 28}, format="json").json()["waiting_list_days"] == 28
    for bad in (0, 57):
        response = worker.patch(url, {"waiting_list_days": bad}, format="json")
        assert response.status_code == 400
        assert "waiting_list_days" in response.json()["error"]["fields"]
    world.meeting_type.refresh_from_db()
    assert world.meeting_type.waiting_list_days == 28
