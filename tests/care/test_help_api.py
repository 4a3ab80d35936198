"""Urgent help over the API: asking, seeing only what is yours, acknowledging, resolving."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from care.models import HelpRequest
from care.services import help as services
from people.models import User
from tests import factories as f
from tests.care.help_support import CRISIS_NAME, CRISIS_NUMBER, END_OF_DAY, OSLO, arrange_rota, open_weekdays

pytestmark = pytest.mark.django_db

LIST = "/api/help-requests/"


def acknowledge(pk: int) -> str:
    return f"/api/help-requests/{pk}/acknowledge/"


def resolve(pk: int) -> str:
    return f"/api/help-requests/{pk}/resolve/"


@pytest.fixture
def open_now(world):
    open_weekdays(world.unit, days=range(7), start=time(0), end=END_OF_DAY)
    return arrange_rota(
        world.unit, world.worker, world.other_worker, world.coordinator, days=range(7), start=time(0), end=END_OF_DAY
    )


@pytest.fixture
def closed_now(world):
    tomorrow = (timezone.now().astimezone(OSLO) + timedelta(days=1)).weekday()
    open_weekdays(world.unit, days=[tomorrow], start=time(8), end=time(9))
    return arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator, days=[tomorrow])


@pytest.fixture
def stranger(world):
    """A social worker in another unit."""
    return f.make_person(User.Role.SOCIAL_WORKER, f.make_unit("Nord"), "stranger")


def test_asking_answers_who_is_on_duty_and_by_when(world, api, open_now):
    response = api.as_(world.client).post(LIST, {"message": "Kan noen ringe meg?"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "alerting"
    assert body["answer"]["unit_open"] is True
    assert body["answer"]["on_duty"] == "Kari"
    assert body["answer"]["answer_by"]
    assert [e["number"] for e in body["answer"]["emergency"]] == ["113", "116 117"]


def test_asking_again_returns_the_open_request(world, api, open_now):
    first = api.as_(world.client).post(LIST, {}, format="json")
    again = api.as_(world.client).post(LIST, {}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert HelpRequest.objects.count() == 1


def test_outside_opening_hours_the_answer_has_the_numbers_and_the_next_opening(world, api, closed_now):
    body = api.as_(world.client).post(LIST, {}, format="json").json()
    assert body["status"] == "waiting"
    assert body["answer"]["unit_open"] is False
    assert body["answer"]["on_duty"] is None
    assert body["answer"]["crisis_line"] == {"name": CRISIS_NAME, "number": CRISIS_NUMBER}
    assert body["answer"]["next_opening"]
    assert body["answer"]["contact_at"] == body["answer"]["next_opening"]
    assert [e["number"] for e in body["answer"]["emergency"]] == ["113", "116 117"]


def test_only_a_service_user_can_ask(world, api, open_now):
    response = api.as_(world.worker).post(LIST, {}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unprocessable"


def test_a_user_sees_only_their_own_requests(world, api, open_now):
    mine, _ = services.help_request_create(user=world.client)
    theirs, _ = services.help_request_create(user=world.other_client)

    listed = api.as_(world.client).get(LIST).json()
    assert [r["id"] for r in listed] == [mine.pk]
    assert api.as_(world.client).get(f"{LIST}{theirs.pk}/").status_code == 404
    # A service user cannot acknowledge or resolve, not even their own.
    assert api.as_(world.client).post(acknowledge(mine.pk)).status_code == 404
    assert api.as_(world.client).post(resolve(mine.pk), {"note": "ok"}, format="json").status_code == 404


def test_the_list_narrows_to_open_requests_and_refuses_a_filter_that_is_no_yes_or_no(world, api, open_now):
    resolved, _ = services.help_request_create(user=world.client)
    services.help_request_resolve(actor=world.worker, request_id=resolved.pk, note="Ringte")
    still_open, _ = services.help_request_create(user=world.client)

    assert [r["id"] for r in api.as_(world.client).get(LIST, {"open": "true"}).json()] == [still_open.pk]
    assert len(api.as_(world.client).get(LIST, {"open": "false"}).json()) == 2
    answer = api.as_(world.client).get(LIST, {"open": "maybe"})
    assert answer.status_code == 400
    assert "open" in answer.json()["error"]["fields"]


def test_staff_of_another_unit_get_404(world, api, open_now, stranger):
    request, _ = services.help_request_create(user=world.client)
    client = api.as_(stranger)
    assert client.get(LIST).json() == []
    assert client.get(f"{LIST}{request.pk}/").status_code == 404
    assert client.post(acknowledge(request.pk)).status_code == 404
    assert client.post(resolve(request.pk), {"note": "x"}, format="json").status_code == 404
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ALERTING


def test_staff_see_what_they_were_alerted_about_and_the_coordinator_sees_the_unit(world, api, open_now):
    request, _ = services.help_request_create(user=world.client)
    assert [r["id"] for r in api.as_(world.worker).get(LIST).json()] == [request.pk]
    assert [r["id"] for r in api.as_(world.coordinator).get(LIST).json()] == [request.pk]
    # Not alerted (yet): not theirs to see.
    assert api.as_(world.peer).get(LIST).json() == []


def test_acknowledge_first_wins_and_the_second_gets_409_with_who(world, api, open_now):
    request, _ = services.help_request_create(user=world.client)

    taken = api.as_(world.worker).post(acknowledge(request.pk))
    assert taken.status_code == 200
    assert taken.json()["status"] == "acknowledged"
    assert taken.json()["acknowledged_by"] == world.worker.get_full_name()

    late = api.as_(world.coordinator).post(acknowledge(request.pk))
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "help_taken"
    assert late.json()["error"]["taken_by"] == world.worker.get_full_name()
    # Pressing twice is not an error for the one who took it.
    assert api.as_(world.worker).post(acknowledge(request.pk)).status_code == 200


def test_resolve_records_a_short_note(world, api, open_now):
    request, _ = services.help_request_create(user=world.client)
    missing = api.as_(world.worker).post(resolve(request.pk), {}, format="json")
    assert missing.status_code == 400
    assert "note" in missing.json()["error"]["fields"]

    done = api.as_(world.worker).post(resolve(request.pk), {"note": "Ringte henne, alt ok"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "resolved"
    assert done.json()["resolution_note"] == "Ringte henne, alt ok"
    assert done.json()["answer"] is None

    again = api.as_(world.worker).post(resolve(request.pk), {"note": "igjen"}, format="json")
    assert again.status_code == 409


def test_anonymous_gets_401(api):
    assert api.anonymous().get(LIST).status_code in (401, 403)


def test_the_person_can_say_they_no_longer_need_help_before_anyone_answers(world, api, open_now):
    from messaging.models import Delivery
    from reminders.models import MessageKind

    asked = api.as_(world.client).post(LIST, {}, format="json").json()
    alert = Delivery.objects.get(kind=MessageKind.HELP_ALERT)
    assert alert.status == Delivery.Status.SCHEDULED

    withdrawn = api.as_(world.client).post(f"/api/help-requests/{asked['id']}/withdraw/")

    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == HelpRequest.Status.RESOLVED
    request = HelpRequest.objects.get(pk=asked["id"])
    assert request.resolved_by == world.client
    assert request.due_at is None
    alert.refresh_from_db()
    assert alert.status == Delivery.Status.CANCELLED
    # Nothing escalates any more, and pressing again makes a new request.
    services.help_requests_advance(now=timezone.now() + timedelta(hours=2))
    assert Delivery.objects.filter(kind=MessageKind.HELP_ALERT).count() == 1
    assert api.as_(world.client).post(LIST, {}, format="json").status_code == 201


def test_after_someone_has_answered_the_person_cannot_withdraw_and_others_get_404(world, api, open_now):
    asked = api.as_(world.client).post(LIST, {}, format="json").json()
    assert api.as_(world.other_client).post(f"/api/help-requests/{asked['id']}/withdraw/").status_code == 404
    api.as_(world.worker).post(acknowledge(asked["id"]))

    late = api.as_(world.client).post(f"/api/help-requests/{asked['id']}/withdraw/")

    assert late.status_code == 409
    assert late.json()["error"]["code"] == "help_taken"
    assert HelpRequest.objects.get(pk=asked["id"]).status == HelpRequest.Status.ACKNOWLEDGED
