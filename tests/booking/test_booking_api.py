from datetime import timedelta

import pytest

from booking.models import Appointment, AppointmentEvent
from tests.factories import local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def book(client, world, start, **extra):
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start.isoformat(), **extra}
    return client.post("/api/appointments/", body, format="json", **extra.pop("headers", {}))


def test_a_service_user_books_an_offered_slot(world, api):
    monday = next_weekday(0)
    response = book(api.as_(world.client), world, local(monday, 9))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["start"] == local(monday, 9).isoformat()
    assert body["end"] == local(monday, 9, 45).isoformat()
    assert body["status"] == "booked"
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.blocked_end == local(monday, 10)  # 15 minutes' buffer after
    assert list(appointment.events.values_list("action", flat=True)) == ["booked"]


def test_it_refuses_a_taken_slot_with_409_and_nearest_alternatives(world, api):
    monday = next_weekday(0)
    make_appointment(world.meeting_type, world.other_client, local(monday, 9))
    response = book(api.as_(world.client), world, local(monday, 9))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "slot_taken"
    starts = [a["start"] for a in error["alternatives"]]
    assert len(starts) == 3
    assert local(monday, 10).isoformat() in starts  # 09:00 + 45 min + 15 min buffer
    assert local(monday, 9).isoformat() not in starts


def test_it_refuses_an_overlapping_booking_that_touches_the_buffer(world, api):
    monday = next_weekday(0)
    make_appointment(world.meeting_type, world.other_client, local(monday, 9))  # blocks 09:00-10:00
    response = book(api.as_(world.client), world, local(monday, 9, 30))
    assert response.status_code == 409


def test_it_refuses_a_time_that_was_never_offered(world, api):
    saturday = next_weekday(5)
    response = book(api.as_(world.client), world, local(saturday, 23))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "slot_not_offered"
    assert Appointment.objects.count() == 0


def test_it_refuses_an_off_grid_start(world, api):
    response = book(api.as_(world.client), world, local(next_weekday(0), 9, 10))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["start"]


def test_bad_input_gets_per_field_messages(world, api):
    response = api.as_(world.client).post("/api/appointments/", {"worker": "x", "start": "tomorrow"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) >= {"worker", "start", "meeting_type"}


def test_a_retried_request_with_the_same_idempotency_key_books_once(world, api):
    client = api.as_(world.client)
    start = local(next_weekday(0), 9)
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start.isoformat()}
    first = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    second = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert Appointment.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(world, api):
    client = api.as_(world.client)
    monday = next_weekday(0)
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": local(monday, 9).isoformat()}
    assert client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    body["start"] = local(monday, 10).isoformat()
    response = client.post("/api/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_a_worker_books_a_weekly_series_for_a_user_in_their_caseload(world, api):
    tuesday = next_weekday(1)
    response = book(api.as_(world.worker), world, local(tuesday, 10), user=world.client.pk, repeat={"count": 8})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["appointments"]) == 8
    assert body["skipped"] == []
    # Same local wall-clock time every week, whatever the UTC offset.
    assert all(a["start"][11:16] == "10:00" for a in body["appointments"])
    assert Appointment.objects.filter(series_id=body["series"], client=world.client).count() == 8


def test_a_series_with_taken_dates_reports_them_and_books_nothing(world, api):
    tuesday = next_weekday(1)
    taken = local(tuesday + timedelta(weeks=2), 10)
    make_appointment(world.meeting_type, world.other_client, taken)
    response = book(api.as_(world.worker), world, local(tuesday, 10), user=world.client.pk, repeat={"count": 4})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "series_conflict"
    assert [c["start"] for c in error["conflicts"]] == [taken.isoformat()]
    assert error["conflicts"][0]["alternatives"]
    assert Appointment.objects.filter(client=world.client).count() == 0


def test_a_series_can_skip_taken_dates_and_says_which(world, api):
    tuesday = next_weekday(1)
    taken = local(tuesday + timedelta(weeks=1), 10)
    make_appointment(world.meeting_type, world.other_client, taken)
    response = book(
        api.as_(world.worker), world, local(tuesday, 10), user=world.client.pk, repeat={"count": 3}, skip_conflicts=True
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["appointments"]) == 2
    assert [s["start"] for s in body["skipped"]] == [taken.isoformat()]


def test_reschedule_keeps_the_uid_bumps_the_sequence_and_keeps_history(world, api):
    monday = next_weekday(0)
    client = api.as_(world.client)
    created = book(client, world, local(monday, 9)).json()
    response = client.post(
        f"/api/appointments/{created['id']}/reschedule/", {"start": local(monday, 13).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["uid"] == created["uid"]
    assert body["sequence"] == 1
    assert body["start"] == local(monday, 13).isoformat()
    event = AppointmentEvent.objects.get(appointment_id=created["id"], action="rescheduled")
    assert event.previous_start == local(monday, 9)


def test_rescheduling_to_a_slot_overlapping_only_itself_is_allowed(world, api):
    monday = next_weekday(0)
    client = api.as_(world.client)
    created = book(client, world, local(monday, 9)).json()
    response = client.post(
        f"/api/appointments/{created['id']}/reschedule/", {"start": local(monday, 9, 30).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_cancelling_frees_the_slot_for_someone_else(world, api):
    monday = next_weekday(0)
    created = book(api.as_(world.client), world, local(monday, 9)).json()
    response = api.as_(world.client).post(
        f"/api/appointments/{created['id']}/cancel/", {"reason": "Sick"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["sequence"] == 1
    again = book(api.as_(world.worker), world, local(monday, 9), user=world.client.pk)
    assert again.status_code == 201


def test_a_reason_for_cancelling_is_optional_and_kept_when_given(world, api):
    client = api.as_(world.client)
    silent = book(client, world, local(next_weekday(0), 9)).json()
    assert client.post(f"/api/appointments/{silent['id']}/cancel/", {}, format="json").status_code == 200
    assert Appointment.objects.get(pk=silent["id"]).cancel_reason == ""
    said = book(client, world, local(next_weekday(0), 10)).json()
    client.post(f"/api/appointments/{said['id']}/cancel/", {"reason": " Syk "}, format="json")
    assert Appointment.objects.get(pk=said["id"]).cancel_reason == "Syk"
    too_long = book(client, world, local(next_weekday(1), 9)).json()
    response = client.post(f"/api/appointments/{too_long['id']}/cancel/", {"reason": "x" * 501}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_booking_works_without_an_email_address(world, api):
    world.client.email = ""
    world.client.save()
    assert book(api.as_(world.client), world, local(next_weekday(0), 9)).status_code == 201


def test_a_booking_answers_exactly_what_the_appointment_serializer_gives(world, api):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from booking.serializers import AppointmentSerializer

    client = api.as_(world.client)
    body = {
        "worker": world.worker.pk,
        "meeting_type": world.meeting_type.pk,
        "start": local(next_weekday(0), 9).isoformat(),
    }
    response = client.post("/api/appointments/", body, format="json")
    assert response.status_code == 201
    appointment = Appointment.objects.select_related("calendar__owner", "meeting_type", "client").get()
    # The API answers in the person's own time zone.
    with timezone.override(ZoneInfo(world.client.timezone)):
        assert response.json() == AppointmentSerializer(appointment).data
    series = {**body, "start": local(next_weekday(1), 9).isoformat(), "repeat": {"count": 2}}
    response = client.post("/api/appointments/", series, format="json")
    assert response.status_code == 201
    booked = Appointment.objects.select_related("calendar__owner", "meeting_type", "client").filter(
        series_id=response.json()["series"]
    )
    with timezone.override(ZoneInfo(world.client.timezone)):
        assert response.json()["appointments"] == AppointmentSerializer(booked.order_by("start"), many=True).data
