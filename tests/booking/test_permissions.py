"""Who may see and change what, through the REST API.

Another person's object is always a 404 (never a 403), so an id reveals nothing about
whether it exists; input that names someone the caller may not act for is a 400.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment, AppointmentEvent, CalendarOverride, MeetingType, WorkingHours
from people.models import User
from tests import factories as f
from tests.factories import PASSWORD, local, make_appointment, next_weekday

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape of the API: {"error": {"code": str, "message": str, ...}}."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    if "fields" in error:
        assert isinstance(error["fields"], dict)
        for messages in error["fields"].values():
            assert isinstance(messages, list)
            assert all(isinstance(m, str) for m in messages)
    if code is not None:
        assert error["code"] == code
    return error


def book(client, worker, meeting_type, start, **extra):
    body = {"worker": worker.pk, "meeting_type": meeting_type.pk, "start": start.isoformat(), **extra}
    return client.post("/api/appointments/", body, format="json")


def started_appointment(meeting_type, client) -> Appointment:
    """A meeting that began half an hour ago, as the worker would close it afterwards."""
    return make_appointment(meeting_type, client, timezone.now() - timedelta(minutes=30), booked_by=client)


def appointment_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {a["id"] for a in response.json()}


# --- Service users --------------------------------------------------------------------------


def test_a_user_cannot_see_another_users_appointment(world, api):
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(0), 9))
    mine = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    client = api.as_(world.client)

    assert_error(client.get(f"/api/appointments/{theirs.pk}/"), 404, "not_found")
    assert appointment_ids(client.get("/api/appointments/")) == {mine.pk}


def test_a_user_cannot_see_another_users_appointment_in_their_own_workers_calendar(world, api):
    # Same calendar, different client: sharing a worker gives no view of each other's meetings.
    neighbour = f.make_person(User.Role.SERVICE_USER, world.unit, "neighbour")
    f.follow(world.worker, neighbour)
    theirs = make_appointment(world.meeting_type, neighbour, local(next_weekday(0), 9))
    client = api.as_(world.client)

    assert_error(client.get(f"/api/appointments/{theirs.pk}/"), 404, "not_found")
    assert theirs.pk not in appointment_ids(client.get("/api/appointments/"))


def test_a_user_cannot_book_a_caseload_only_meeting_type_of_another_worker(world, api):
    response = book(api.as_(world.client), world.other_worker, world.other_meeting_type, local(next_weekday(0), 9))
    assert_error(response, 404, "not_found")
    assert Appointment.objects.count() == 0


def test_a_user_cannot_use_a_meeting_type_under_another_workers_id(world, api):
    # Their own worker's type, but addressed through another calendar: no mixing of the two.
    response = book(api.as_(world.client), world.other_worker, world.meeting_type, local(next_weekday(0), 9))
    assert_error(response, 404, "not_found")
    assert Appointment.objects.count() == 0


def test_a_user_cannot_see_the_slots_of_a_caseload_only_meeting_type_of_another_worker(world, api):
    monday = next_weekday(0)
    response = api.as_(world.client).get(
        f"/api/workers/{world.other_worker.pk}/slots/",
        {"start": monday.isoformat(), "end": monday.isoformat(), "meeting_type": world.other_meeting_type.pk},
    )
    assert_error(response, 404, "not_found")


def test_a_user_cannot_cancel_another_users_appointment(world, api):
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(0), 9))
    response = api.as_(world.client).post(f"/api/appointments/{theirs.pk}/cancel/", {"reason": "x"}, format="json")
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED
    assert theirs.sequence == 0
    assert not AppointmentEvent.objects.filter(appointment=theirs).exists()


def test_a_user_cannot_reschedule_another_users_appointment(world, api):
    monday = next_weekday(0)
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(monday, 9))
    response = api.as_(world.client).post(
        f"/api/appointments/{theirs.pk}/reschedule/", {"start": local(monday, 13).isoformat()}, format="json"
    )
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.start == local(monday, 9)
    assert theirs.sequence == 0


def test_a_user_cannot_book_on_behalf_of_someone_else(world, api):
    neighbour = f.make_person(User.Role.SERVICE_USER, world.unit, "neighbour")
    f.follow(world.worker, neighbour)
    response = book(
        api.as_(world.client), world.worker, world.meeting_type, local(next_weekday(0), 9), user=neighbour.pk
    )
    error = assert_error(response, 400)
    assert "user" in error["fields"]
    assert Appointment.objects.count() == 0
    assert AppointmentEvent.objects.count() == 0


def test_a_user_may_name_themselves_as_the_user(world, api):
    response = book(
        api.as_(world.client), world.worker, world.meeting_type, local(next_weekday(0), 9), user=world.client.pk
    )
    assert response.status_code == 201, response.json()
    assert response.json()["user"]["id"] == world.client.pk


def test_a_user_cannot_mark_their_own_meeting_completed(world, api):
    appointment = started_appointment(world.meeting_type, world.client)
    client = api.as_(world.client)
    assert_error(client.post(f"/api/appointments/{appointment.pk}/complete/"), 404, "not_found")
    assert_error(client.post(f"/api/appointments/{appointment.pk}/no-show/"), 404, "not_found")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_a_user_sees_their_own_worker_and_the_unit_wide_peer_but_not_another_worker(world, api):
    response = api.as_(world.client).get("/api/workers/")
    assert response.status_code == 200
    ids = [w["id"] for w in response.json()]
    assert sorted(ids) == sorted([world.worker.pk, world.peer.pk])
    assert world.other_worker.pk not in ids


def test_a_user_cannot_list_the_meeting_types_of_another_worker(world, api):
    response = api.as_(world.client).get(f"/api/workers/{world.other_worker.pk}/meeting-types/")
    assert_error(response, 404, "not_found")


def test_a_user_of_another_unit_does_not_see_the_unit_wide_peer(world, api):
    stranger = f.make_person(User.Role.SERVICE_USER, f.make_unit(), "stranger")
    response = api.as_(stranger).get("/api/workers/")
    assert response.status_code == 200
    assert response.json() == []
    tuesday = next_weekday(1)  # the peer works Tuesday to Thursday
    response = book(api.as_(stranger), world.peer, world.peer_meeting_type, local(tuesday, 9))
    assert_error(response, 404, "not_found")


# --- Social workers -------------------------------------------------------------------------


def test_a_worker_cannot_see_appointments_in_another_workers_calendar(world, api):
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(0), 9))
    mine = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    worker = api.as_(world.worker)

    assert_error(worker.get(f"/api/appointments/{theirs.pk}/"), 404, "not_found")
    assert appointment_ids(worker.get("/api/appointments/")) == {mine.pk}


def test_a_worker_cannot_cancel_an_appointment_in_another_workers_calendar(world, api):
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(0), 9))
    response = api.as_(world.worker).post(f"/api/appointments/{theirs.pk}/cancel/", {"reason": "x"}, format="json")
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED


def test_a_worker_cannot_move_an_appointment_in_another_workers_calendar(world, api):
    monday = next_weekday(0)
    theirs = make_appointment(world.other_meeting_type, world.other_client, local(monday, 9))
    response = api.as_(world.worker).post(
        f"/api/appointments/{theirs.pk}/reschedule/", {"start": local(monday, 13).isoformat()}, format="json"
    )
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.start == local(monday, 9)


@pytest.mark.parametrize("action", ["complete", "no-show"])
def test_a_worker_cannot_close_a_meeting_in_another_workers_calendar(world, api, action):
    theirs = started_appointment(world.other_meeting_type, world.other_client)
    response = api.as_(world.worker).post(f"/api/appointments/{theirs.pk}/{action}/")
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED
    assert theirs.sequence == 0


def test_a_worker_cannot_delete_another_workers_working_hours(world, api):
    theirs = world.other_calendar.working_hours.first()
    response = api.as_(world.worker).delete(f"/api/calendar/working-hours/{theirs.pk}/")
    assert_error(response, 404, "not_found")
    assert WorkingHours.objects.filter(pk=theirs.pk).exists()


def test_a_workers_working_hours_list_never_shows_another_workers(world, api):
    response = api.as_(world.worker).get("/api/calendar/working-hours/")
    assert response.status_code == 200
    ids = {i["id"] for i in response.json()}
    assert ids == set(world.calendar.working_hours.values_list("pk", flat=True))
    assert ids.isdisjoint(world.other_calendar.working_hours.values_list("pk", flat=True))


def test_a_worker_cannot_delete_another_workers_time_off(world, api):
    monday = next_weekday(0)
    theirs = CalendarOverride.objects.create(
        calendar=world.other_calendar, kind="time_off", start=local(monday, 0), end=local(monday, 23)
    )
    worker = api.as_(world.worker)
    assert_error(worker.delete(f"/api/calendar/overrides/{theirs.pk}/"), 404, "not_found")
    assert CalendarOverride.objects.filter(pk=theirs.pk).exists()
    response = worker.get("/api/calendar/overrides/")
    assert response.status_code == 200
    assert response.json() == []


def test_a_worker_cannot_change_or_retire_another_workers_meeting_type(world, api):
    theirs = world.other_meeting_type
    worker = api.as_(world.worker)
    path = f"/api/calendar/meeting-types/{theirs.pk}/"

    assert_error(worker.get(path), 404, "not_found")
    assert_error(worker.patch(path, {"duration_minutes": 90}, format="json"), 404, "not_found")
    assert_error(worker.delete(path), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.is_active
    assert theirs.duration_minutes == 45

    response = worker.get("/api/calendar/meeting-types/")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()] == [world.meeting_type.pk]


def test_a_worker_cannot_book_for_a_service_user_outside_their_caseload(world, api):
    response = book(
        api.as_(world.worker), world.worker, world.meeting_type, local(next_weekday(0), 9), user=world.other_client.pk
    )
    error = assert_error(response, 400)
    assert "user" in error["fields"]
    assert Appointment.objects.count() == 0


def test_a_worker_gets_the_same_answer_for_an_unknown_user_as_for_someone_elses(world, api):
    worker = api.as_(world.worker)
    start = local(next_weekday(0), 9)
    someone_elses = book(worker, world.worker, world.meeting_type, start, user=world.other_client.pk)
    unknown = book(worker, world.worker, world.meeting_type, start, user=999_999)
    assert assert_error(someone_elses, 400) == assert_error(unknown, 400)


def test_a_worker_cannot_book_into_another_workers_calendar(world, api):
    response = book(
        api.as_(world.worker),
        world.other_worker,
        world.other_meeting_type,
        local(next_weekday(0), 9),
        user=world.other_client.pk,
    )
    assert_error(response, 404, "not_found")
    assert Appointment.objects.count() == 0


def test_a_worker_can_book_on_behalf_of_a_user_in_their_caseload(world, api):
    start = local(next_weekday(0), 9)
    response = book(api.as_(world.worker), world.worker, world.meeting_type, start, user=world.client.pk)
    assert response.status_code == 201, response.json()
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert appointment.client == world.client
    assert appointment.booked_by == world.worker
    assert appointment.start == start
    # The user sees the meeting booked for them.
    assert appointment.pk in appointment_ids(api.as_(world.client).get("/api/appointments/"))


def test_a_worker_cannot_book_on_someones_behalf_without_saying_who(world, api):
    response = book(api.as_(world.worker), world.worker, world.meeting_type, local(next_weekday(0), 9))
    error = assert_error(response, 400)
    assert "user" in error["fields"]
    assert Appointment.objects.count() == 0


def test_a_worker_marks_a_started_meeting_completed(world, api):
    appointment = started_appointment(world.meeting_type, world.client)
    response = api.as_(world.worker).post(f"/api/appointments/{appointment.pk}/complete/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert appointment.sequence == 1
    event = appointment.events.get()
    assert (event.action, event.actor) == ("completed", world.worker)


def test_a_worker_marks_a_started_meeting_as_no_show(world, api):
    appointment = started_appointment(world.meeting_type, world.client)
    response = api.as_(world.worker).post(f"/api/appointments/{appointment.pk}/no-show/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "no_show"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW


def test_a_worker_cannot_mark_a_meeting_that_has_not_started(world, api):
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    response = api.as_(world.worker).post(f"/api/appointments/{appointment.pk}/complete/")
    assert_error(response, 400, "not_started")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_a_peer_cannot_see_a_workers_appointments(world, api):
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    peer = api.as_(world.peer)
    assert_error(peer.get(f"/api/appointments/{appointment.pk}/"), 404, "not_found")
    assert appointment_ids(peer.get("/api/appointments/")) == set()


# --- Coordinators ---------------------------------------------------------------------------


def test_a_coordinator_sees_the_units_appointments_but_not_another_units(world, api):
    monday = next_weekday(0)
    in_unit = {
        make_appointment(world.meeting_type, world.client, local(monday, 9)).pk,
        make_appointment(world.other_meeting_type, world.other_client, local(monday, 9)).pk,
        make_appointment(world.peer_meeting_type, world.client, local(next_weekday(1), 9)).pk,
    }
    elsewhere_unit = f.make_unit("Nord")
    elsewhere_worker = f.make_person(User.Role.SOCIAL_WORKER, elsewhere_unit, "northworker")
    elsewhere_type = f.make_meeting_type(f.make_calendar(elsewhere_worker))
    elsewhere_client = f.make_person(User.Role.SERVICE_USER, elsewhere_unit, "northclient")
    f.follow(elsewhere_worker, elsewhere_client)
    elsewhere = make_appointment(elsewhere_type, elsewhere_client, local(monday, 9))

    coordinator = api.as_(world.coordinator)
    assert appointment_ids(coordinator.get("/api/appointments/")) == in_unit
    for pk in in_unit:
        assert coordinator.get(f"/api/appointments/{pk}/").status_code == 200
    assert_error(coordinator.get(f"/api/appointments/{elsewhere.pk}/"), 404, "not_found")
    response = coordinator.post(f"/api/appointments/{elsewhere.pk}/cancel/", {"reason": "x"}, format="json")
    assert_error(response, 404, "not_found")
    elsewhere.refresh_from_db()
    assert elsewhere.status == Appointment.Status.BOOKED


def test_a_coordinator_has_no_calendar_of_their_own(world, api):
    response = api.as_(world.coordinator).get("/api/calendar/working-hours/")
    assert_error(response, 404, "not_found")


# --- Authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/me/"),
        ("get", "/api/workers/"),
        ("get", "/api/appointments/"),
        ("post", "/api/appointments/"),
        ("get", "/api/appointments/1/"),
        ("post", "/api/appointments/1/cancel/"),
        ("get", "/api/calendar/working-hours/"),
        ("post", "/api/calendar/feed-link/"),
    ],
)
def test_an_unauthenticated_request_is_refused_with_the_error_shape(world, api, method, path):
    response = getattr(api.anonymous(), method)(path, format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_is_refused_with_the_error_shape(world, api):
    client = api.anonymous()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/appointments/")
    assert_error(response, 401, "authentication_failed")


def test_a_token_from_the_token_endpoint_signs_the_user_in(world, api):
    response = api.anonymous().post(
        "/api/auth/token/", {"username": world.client.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    token = response.json()["token"]

    client = api.anonymous()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/me/")
    assert me.status_code == 200
    assert me.json()["id"] == world.client.pk
    assert me.json()["role"] == "service_user"


def test_bad_credentials_get_400_with_the_error_shape(world, api):
    response = api.anonymous().post(
        "/api/auth/token/", {"username": world.client.username, "password": "wrong"}, format="json"
    )
    assert_error(response, 400, "invalid")


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(world, api):
    wrong_password = api.anonymous().post(
        "/api/auth/token/", {"username": world.client.username, "password": "wrong"}, format="json"
    )
    unknown_user = api.anonymous().post("/api/auth/token/", {"username": "nobody", "password": "wrong"}, format="json")
    assert assert_error(wrong_password, 400) == assert_error(unknown_user, 400)


def test_a_token_request_without_a_password_names_the_field(world, api):
    response = api.anonymous().post("/api/auth/token/", {"username": world.client.username}, format="json")
    error = assert_error(response, 400, "invalid")
    assert "password" in error["fields"]


def test_an_inactive_user_cannot_get_a_token(world, api):
    world.client.is_active = False
    world.client.save(update_fields=["is_active"])
    response = api.anonymous().post(
        "/api/auth/token/", {"username": world.client.username, "password": PASSWORD}, format="json"
    )
    assert_error(response, 400)


# --- The error shape everywhere -------------------------------------------------------------


def test_every_kind_of_error_has_the_same_shape(world, api):
    monday = next_weekday(0)
    taken = make_appointment(world.meeting_type, world.other_client, local(monday, 9))
    client = api.as_(world.client)

    # 400: bad input, with a message per field.
    error = assert_error(client.post("/api/appointments/", {"worker": "x"}, format="json"), 400, "invalid")
    assert {"worker", "meeting_type", "start"} <= set(error["fields"])
    # 400: a rule of the service.
    assert_error(book(client, world.worker, world.meeting_type, local(monday, 9, 10)), 400, "slot_not_offered")
    # 404: someone else's object, and one that does not exist.
    assert_error(client.get(f"/api/appointments/{taken.pk}/"), 404, "not_found")
    assert_error(client.get("/api/appointments/999999/"), 404, "not_found")
    # 405: a method the endpoint does not have.
    assert_error(client.delete("/api/appointments/"), 405)
    # 409: a time someone else took, with alternatives.
    error = assert_error(book(client, world.worker, world.meeting_type, local(monday, 9)), 409, "slot_taken")
    assert error["alternatives"]
    # 400 on a query string.
    response = client.get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": "not-a-date", "end": monday.isoformat(), "meeting_type": world.meeting_type.pk},
    )
    assert "start" in assert_error(response, 400, "invalid")["fields"]


def test_an_unknown_api_path_answers_with_the_error_shape(world, api):
    assert_error(api.as_(world.client).get("/api/no-such-thing/"), 404, "not_found")


def test_a_deactivated_meeting_type_is_not_bookable(world, api):
    MeetingType.objects.filter(pk=world.meeting_type.pk).update(is_active=False)
    response = book(api.as_(world.client), world.worker, world.meeting_type, local(next_weekday(0), 9))
    assert_error(response, 404, "not_found")
