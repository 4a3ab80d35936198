"""Appointment reminders follow the booking: booked, moved and cancelled through the API."""

from datetime import timedelta

import pytest

from booking import services as booking
from booking.models import Appointment
from messaging.models import Delivery
from reminders.models import MessageKind
from tests.factories import local, next_weekday

pytestmark = pytest.mark.django_db


def book(api_client, world, start, **extra):
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start.isoformat(), **extra}
    response = api_client.post("/api/appointments/", body, format="json")
    assert response.status_code == 201, response.json()
    return Appointment.objects.get(pk=response.json()["id"])


def reminders_of(appointment, **filters):
    return list(
        Delivery.objects.filter(
            about="appointment",
            about_id=getattr(appointment, "pk", appointment),
            kind=MessageKind.APPOINTMENT,
            **filters,
        ).order_by("due_at")
    )


def test_booking_creates_reminders_24_hours_and_2_hours_before(world, api):
    start = local(next_weekday(0), 13)
    appointment = book(api.as_(world.client), world, start)

    rows = reminders_of(appointment)
    assert [r.due_at for r in rows] == [start - timedelta(hours=24), start - timedelta(hours=2)]
    for row in rows:
        assert row.status == Delivery.Status.SCHEDULED
        assert row.recipient == world.client
        assert row.channel == "sms"
        assert row.occurrence_at == start
        assert row.expires_at == start
        assert row.context["worker"] == "Kari"


def test_a_worker_booking_on_someones_behalf_reminds_the_service_user(world, api):
    start = local(next_weekday(1), 10)
    appointment = book(api.as_(world.worker), world, start, user=world.client.pk)
    assert {r.recipient_id for r in reminders_of(appointment)} == {world.client.pk}
    assert len(reminders_of(appointment)) == 2


def test_a_weekly_series_gets_reminders_for_every_meeting(world, api):
    start = local(next_weekday(2), 13)
    response = api.as_(world.worker).post(
        "/api/appointments/",
        {
            "worker": world.worker.pk,
            "meeting_type": world.meeting_type.pk,
            "start": start.isoformat(),
            "user": world.client.pk,
            "repeat": {"count": 3},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    for item in response.json()["appointments"]:
        assert len(reminders_of(item["id"])) == 2


def test_rescheduling_by_the_user_replaces_the_reminders_without_a_notice(world, api):
    monday = next_weekday(0)
    client = api.as_(world.client)
    appointment = book(client, world, local(monday, 13))
    old = reminders_of(appointment)

    new_start = local(monday, 14)
    response = client.post(
        f"/api/appointments/{appointment.pk}/reschedule/", {"start": new_start.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()

    for row in old:
        row.refresh_from_db()
        assert row.status == Delivery.Status.CANCELLED
        assert row.last_error == "appointment moved"
    fresh = reminders_of(appointment, status=Delivery.Status.SCHEDULED)
    assert [r.due_at for r in fresh] == [new_start - timedelta(hours=24), new_start - timedelta(hours=2)]
    assert all(r.occurrence_at == new_start and r.expires_at == new_start for r in fresh)
    assert not Delivery.objects.filter(kind=MessageKind.APPOINTMENT_MOVED).exists()


def test_rescheduling_by_the_worker_also_tells_the_user(world, api):
    monday = next_weekday(0)
    appointment = book(api.as_(world.client), world, local(monday, 13))
    new_start = local(monday + timedelta(days=1), 10)
    response = api.as_(world.worker).post(
        f"/api/appointments/{appointment.pk}/reschedule/", {"start": new_start.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()

    notice = Delivery.objects.get(kind=MessageKind.APPOINTMENT_MOVED)
    assert notice.recipient == world.client
    assert (notice.about, notice.about_id) == ("appointment", appointment.pk)
    assert notice.status == Delivery.Status.SCHEDULED
    assert notice.occurrence_at == new_start  # the message names the new time
    assert len(reminders_of(appointment, status=Delivery.Status.SCHEDULED)) == 2


def test_moving_a_meeting_back_to_its_first_time_reminds_again(world, api):
    monday = next_weekday(0)
    client = api.as_(world.client)
    first = local(monday, 13)
    appointment = book(client, world, first)
    for start in (local(monday, 14), first):
        response = client.post(
            f"/api/appointments/{appointment.pk}/reschedule/", {"start": start.isoformat()}, format="json"
        )
        assert response.status_code == 200, response.json()

    pending = reminders_of(appointment, status=Delivery.Status.SCHEDULED)
    assert [r.due_at for r in pending] == [first - timedelta(hours=24), first - timedelta(hours=2)]


def test_cancelling_by_the_user_cancels_the_reminders_without_a_notice(world, api):
    appointment = book(api.as_(world.client), world, local(next_weekday(0), 13))
    response = api.as_(world.client).post(
        f"/api/appointments/{appointment.pk}/cancel/", {"reason": "Syk"}, format="json"
    )
    assert response.status_code == 200

    assert {r.status for r in reminders_of(appointment)} == {Delivery.Status.CANCELLED}
    assert not Delivery.objects.filter(kind=MessageKind.APPOINTMENT_CANCELLED).exists()


def test_cancelling_by_the_worker_tells_the_user(world, api):
    start = local(next_weekday(0), 13)
    appointment = book(api.as_(world.client), world, start)
    response = api.as_(world.worker).post(
        f"/api/appointments/{appointment.pk}/cancel/", {"reason": "Sykdom"}, format="json"
    )
    assert response.status_code == 200

    assert {r.status for r in reminders_of(appointment)} == {Delivery.Status.CANCELLED}
    notice = Delivery.objects.get(kind=MessageKind.APPOINTMENT_CANCELLED)
    assert notice.recipient == world.client
    assert notice.status == Delivery.Status.SCHEDULED
    assert notice.occurrence_at == start


def test_reminder_offsets_follow_the_users_preferences(world, api):
    client = api.as_(world.client)
    response = client.patch("/api/reminder-preferences/", {"appointment_offsets": [48 * 60, 60]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["appointment_offsets"] == [2880, 60]

    start = local(next_weekday(0, min_days_ahead=3), 13)
    appointment = book(client, world, start)
    assert [r.due_at for r in reminders_of(appointment)] == [start - timedelta(hours=48), start - timedelta(hours=1)]


@pytest.mark.parametrize("offsets", [[5], [8 * 24 * 60], [60, 120, 180, 240, 300], ["soon"]])
def test_unreasonable_offsets_are_refused(world, api, offsets):
    response = api.as_(world.client).patch(
        "/api/reminder-preferences/", {"appointment_offsets": offsets}, format="json"
    )
    assert response.status_code == 400
    assert any(field.startswith("appointment_offsets") for field in response.json()["error"]["fields"])


def test_reminders_are_not_created_for_offsets_already_past(world):
    start = local(next_weekday(0), 13)
    now = start - timedelta(hours=5)  # the worker books the same morning
    result = booking.appointment_book(
        actor=world.worker,
        worker_id=world.worker.pk,
        meeting_type_id=world.meeting_type.pk,
        start=start,
        client_id=world.client.pk,
        now=now,
    )
    rows = reminders_of(result.appointments[0])
    assert [r.due_at for r in rows] == [start - timedelta(hours=2)]


def test_quiet_hours_move_the_2_hours_reminder_for_a_0900_meeting_to_0800(world, api):
    start = local(next_weekday(0), 9)
    appointment = book(api.as_(world.client), world, start)
    assert [r.due_at for r in reminders_of(appointment)] == [start - timedelta(hours=24), local(start.date(), 8)]


def test_changed_quiet_hours_are_respected(world, api):
    client = api.as_(world.client)
    response = client.patch("/api/reminder-preferences/", {"quiet_start": "23:00", "quiet_end": "06:30"}, format="json")
    assert response.status_code == 200, response.json()
    start = local(next_weekday(0), 9)
    appointment = book(client, world, start)
    assert [r.due_at for r in reminders_of(appointment)] == [start - timedelta(hours=24), start - timedelta(hours=2)]


def test_the_reminder_channel_can_be_email(world, api):
    client = api.as_(world.client)
    response = client.patch("/api/reminder-preferences/", {"appointment_channels": ["email", "sms"]}, format="json")
    assert response.status_code == 200, response.json()
    appointment = book(client, world, local(next_weekday(0), 13))
    assert sorted(r.channel for r in reminders_of(appointment)) == ["email", "email", "sms", "sms"]


# --- Who sees which deliveries -------------------------------------------------------------


@pytest.fixture
def two_bookings(world, api):
    monday = next_weekday(0)
    mine = book(api.as_(world.client), world, local(monday, 13))
    theirs = book(api.as_(world.worker), world, local(monday, 14), user=world.client.pk)
    other = api.as_(world.other_worker).post(
        "/api/appointments/",
        {
            "worker": world.other_worker.pk,
            "meeting_type": world.other_meeting_type.pk,
            "start": local(monday, 13).isoformat(),
            "user": world.other_client.pk,
        },
        format="json",
    )
    assert other.status_code == 201, other.json()
    return mine, theirs, Appointment.objects.get(pk=other.json()["id"])


def test_a_user_sees_only_their_own_deliveries(world, api, two_bookings):
    response = api.as_(world.client).get("/api/deliveries/")
    assert response.status_code == 200
    rows = response.json()
    mine = Delivery.objects.filter(recipient=world.client)
    assert sorted(r["id"] for r in rows) == sorted(mine.values_list("pk", flat=True))
    assert {r["appointment"] for r in rows} == {two_bookings[0].pk, two_bookings[1].pk}
    assert len([r for r in rows if r["kind"] == "appointment"]) == 4
    assert set(rows[0]) >= {"kind", "channel", "status", "due_at", "expires_at", "attempts"}


def test_a_user_cannot_ask_for_someone_elses_deliveries(world, api, two_bookings):
    response = api.as_(world.client).get(f"/api/deliveries/?user={world.other_client.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_worker_sees_their_caseloads_deliveries(world, api, two_bookings):
    response = api.as_(world.worker).get(f"/api/deliveries/?user={world.client.pk}")
    assert response.status_code == 200
    assert {r["appointment"] for r in response.json()} == {two_bookings[0].pk, two_bookings[1].pk}
    assert len(response.json()) == Delivery.objects.filter(recipient=world.client).count()
    everyone = api.as_(world.worker).get("/api/deliveries/").json()
    assert {r["appointment"] for r in everyone} == {two_bookings[0].pk, two_bookings[1].pk}


def test_a_worker_gets_404_for_another_workers_user(world, api, two_bookings):
    response = api.as_(world.worker).get(f"/api/deliveries/?user={world.other_client.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_peer_sees_no_ones_deliveries(world, api, two_bookings):
    assert api.as_(world.peer).get("/api/deliveries/").json() == []
    assert api.as_(world.peer).get(f"/api/deliveries/?user={world.client.pk}").status_code == 404


def test_a_booking_that_fails_leaves_no_reminders(world, api):
    start = local(next_weekday(0), 13)
    book(api.as_(world.client), world, start)
    before = Delivery.objects.count()
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
    assert response.status_code == 409
    assert Delivery.objects.count() == before


def test_booking_confirms_once_even_for_a_series(world, api):
    start = local(next_weekday(2), 13)
    response = api.as_(world.worker).post(
        "/api/appointments/",
        {
            "worker": world.worker.pk,
            "meeting_type": world.meeting_type.pk,
            "start": start.isoformat(),
            "user": world.client.pk,
            "repeat": {"count": 3},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    notice = Delivery.objects.get(kind=MessageKind.APPOINTMENT_BOOKED)
    assert notice.recipient == world.client
    assert notice.occurrence_at == start
    assert notice.status == Delivery.Status.SCHEDULED
