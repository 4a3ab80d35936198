"""Everything Triangel holds about a person, exported to them (and to their unit's
coordinator), and erased at the coordinator's request: afterwards the person cannot sign in
and no column of any table holds their name, numbers, e-mail or words, while their meetings
stay as anonymous rows for the unit's statistics."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.utils import timezone

from audit.models import AccessEntry
from booking.models import Appointment, AppointmentEvent
from care.models import AgreedAction, ExternalParticipant, GroupMeeting, WaitingEntry
from care.services.continuity import plan_entry_add
from care.services.feedback import feedback_give, idea_create
from care.services.help import help_request_create
from care.services.peers import peer_request_create, sharing_set
from conversations.services import message_post, thread_for_worker
from messaging.models import Delivery
from people.models import ApiToken, Erasure, PhoneNumber, User
from people.services import api_token_issue, phone_number_add
from reminders.models import FollowUpTask, MedicationLog
from reminders.services import plans_materialize_all as plans_materialize
from tests.care.groups_support import make_group
from tests.factories import local, make_appointment, next_weekday
from tests.reminders.support import make_delivery, make_plan

pytestmark = pytest.mark.django_db

FIRST, LAST = "Zyxanna", "Qwertsen"
EMAIL = "zyx.qwertsen@example.no"
OLD_NUMBER, NUMBER = "+4740000001", "+4741234599"
WORDS = "Kvxq"  # every free text written about or by the person carries it


def words(n: int) -> str:
    return f"{WORDS} {n}"


@pytest.fixture
def person(world):
    """A person with a little of everything: numbers, meetings with history, plans and
    deliveries, a medication log, a plan, help and peer requests, a responsibility group with
    outsiders, feedback, an idea, a waiting list, and staff who have looked at it all."""
    client = world.client
    client.first_name, client.last_name, client.email = FIRST, LAST, EMAIL
    client.save()
    phone_number_add(user=client, raw=NUMBER)

    past = timezone.now() - timedelta(days=10)
    held = make_appointment(world.meeting_type, client, past.replace(hour=9, minute=0, second=0, microsecond=0))
    Appointment.objects.filter(pk=held.pk).update(status=Appointment.Status.COMPLETED)
    missed = make_appointment(world.meeting_type, client, past.replace(hour=12, minute=0, second=0, microsecond=0))
    Appointment.objects.filter(pk=missed.pk).update(status=Appointment.Status.CANCELLED, cancel_reason=words(1))
    AppointmentEvent.objects.create(appointment=missed, action="cancelled", actor=client, note=words(2))

    plan = make_plan(client, title=words(3), dose=words(4))
    plans_materialize(now=timezone.now())
    MedicationLog.objects.create(plan=plan, occurrence_at=past, status="taken", via="sms")
    make_delivery(client, context={"title": words(5)}, sent_to=NUMBER)
    FollowUpTask.objects.create(worker=world.worker, client=client, kind="call_back", note=words(6))
    make_delivery(
        world.worker, kind="staff_alert", context={"task": "call_back", "client": "ZQ", "client_id": client.pk}
    )

    plan_entry_add(actor=world.worker, client_id=client.pk, kind="goal", text=words(7))
    help_request_create(user=client, message=words(8))
    sharing_set(user=client, peer=world.peer, appointments=True, plan=True)
    peer_request_create(user=client, note=words(9))
    group = make_group(world)
    ExternalParticipant.objects.filter(group=group).update(name=words(10))
    meeting = GroupMeeting.objects.create(
        group=group,
        organiser=world.worker,
        start=past,
        end=past + timedelta(hours=1),
        place=words(11),
        agenda=words(12),
    )
    AgreedAction.objects.create(meeting=meeting, what=words(13), responsible_user=client, created_by=world.worker)
    feedback_give(user=client, appointment_id=held.pk, face=4, comment=words(14))
    idea_create(author=client, title=words(15), text=words(16))
    WaitingEntry.objects.create(user=client, meeting_type=world.meeting_type)
    # The label of a sign-in is what the program sent (its User-Agent): it may carry anything.
    api_token_issue(user=client, label=words(17))
    thread = thread_for_worker(client)
    message_post(thread=thread, author=client, text=words(18))
    message_post(thread=thread, author=world.worker, text=words(19))
    LogEntry.objects.create(
        user=world.coordinator,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(client.pk),
        object_repr=f"{FIRST} {LAST}",
        action_flag=CHANGE,
    )
    return client


def leaks(markers: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, marker) for every value of every column of every table that holds one of
    ``markers``: the whole database, not a list of the places we thought of."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT * FROM {quoted}")
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = value.decode(errors="ignore") if isinstance(value, bytes | memoryview) else str(value)
                    found += [(table, column, m) for m in markers if m.lower() in text.lower()]
    return found


MARKERS = [FIRST, LAST, EMAIL, OLD_NUMBER, NUMBER, OLD_NUMBER[3:], NUMBER[3:], WORDS]


# --- Export ----------------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_caller(person, world, api):
    api.as_(world.worker).get("/api/appointments/")
    body = api.as_(person).get("/api/me/export/").json()

    assert body["person"]["profile"]["first_name"] == FIRST
    assert body["person"]["profile"]["email"] == EMAIL
    assert {p["number"] for p in body["person"]["phone_numbers"]} == {OLD_NUMBER, NUMBER}
    assert words(17) in {t["signed_in_with"] for t in body["person"]["api_sign_ins"]}
    meetings = body["meetings"]
    assert {m["status"] for m in meetings} == {"completed", "cancelled"}
    assert any(h["note"] == words(2) for m in meetings for h in m["history"])
    assert body["reminders"]["plans"][0]["title"] == words(3)
    assert body["reminders"]["medication_log"][0]["status"] == "taken"
    assert any(d["to"] == NUMBER for d in body["messages"])
    care = body["co-production"]
    assert care["plan"][0]["text"] == words(7)
    assert care["requests_for_help"][0]["message"] == words(8)
    assert care["shared_with_peers"][0]["plan"] is True
    assert care["requests_for_a_peer"][0]["note"] == words(9)
    assert care["responsibility_group_meetings"][0]["agenda"] == words(12)
    assert care["feedback"][0]["comment"] == words(14)
    assert care["ideas"][0]["title"] == words(15)
    assert care["waiting_lists"][0]["status"] == "waiting"
    assert body["access_log"][0]["actor"]["role"] == "social_worker"
    assert [m["text"] for m in body["conversations"][0]["messages"]] == [words(18), words(19)]


def test_the_export_is_a_readable_page_too(person, client):
    client.force_login(person)
    page = client.get("/details/everything/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in (FIRST, NUMBER, words(3), words(7), words(14)):
        assert text in html


def test_a_coordinator_exports_a_person_of_the_unit_and_it_is_logged(person, world, api):
    response = api.as_(world.coordinator).get(f"/api/people/{person.pk}/export/")
    assert response.status_code == 200
    assert response.json()["person"]["profile"]["last_name"] == LAST
    assert AccessEntry.objects.filter(subject=person, actor=world.coordinator, what="export").exists()


@pytest.mark.parametrize("who", ["worker", "peer", "other_client"])
def test_nobody_else_exports_a_person(person, world, api, who):
    assert api.as_(getattr(world, who)).get(f"/api/people/{person.pk}/export/").status_code == 404


def test_a_coordinator_of_another_unit_exports_nobody(person, api):
    from tests import factories as f

    elsewhere = f.make_person(User.Role.COORDINATOR, f.make_unit("Nord"), "nordcoordinator")
    assert api.as_(elsewhere).get(f"/api/people/{person.pk}/export/").status_code == 404


# --- Erasure -------------------------------------------------------------------------------------


def erase(api, world, person, reason: str = "Asked to be forgotten; follow-up ended in 2026"):
    return api.as_(world.coordinator).post(f"/api/people/{person.pk}/erase/", {"reason": reason}, format="json")


def test_after_erasure_no_table_holds_the_persons_name_numbers_email_or_words(person, world, api):
    assert leaks(MARKERS), "the test would prove nothing if the markers were not there to begin with"
    meetings_before = Appointment.objects.filter(client=person).count()

    response = erase(api, world, person)

    assert response.status_code == 200, response.content
    assert leaks(MARKERS) == []
    # The meetings stay for the unit's statistics, without words.
    assert Appointment.objects.filter(client=person).count() == meetings_before
    assert set(Appointment.objects.filter(client=person).values_list("status", flat=True)) == {"completed", "cancelled"}
    assert GroupMeeting.objects.filter(group__client=person).count() == 1
    assert not Delivery.objects.filter(recipient=person).exists()
    assert not PhoneNumber.objects.filter(user=person).exists()
    erasure = Erasure.objects.get(person=person)
    assert (erasure.by, erasure.reason) == (world.coordinator, "Asked to be forgotten; follow-up ended in 2026")


def test_an_erased_person_cannot_sign_in_any_way(person, world, api):
    person.set_password("a-good-password-1")
    person.save()
    browser = Client()
    browser.force_login(person)
    token_client = api.as_(person)
    assert token_client.get("/api/me/").status_code == 200

    assert erase(api, world, person).status_code == 200

    assert token_client.get("/api/me/").status_code == 401
    assert not ApiToken.objects.filter(user=person).exists()
    assert browser.get("/my-day/").status_code == 302
    assert not Client().login(username=f"erased-{person.pk}", password="a-good-password-1")
    response = api.anonymous().post("/api/auth/token/", {"username": person.username, "password": "a-good-password-1"})
    assert response.status_code == 400


def test_an_erased_person_is_no_longer_anyones_business(person, world, api):
    assert erase(api, world, person).status_code == 200
    assert WaitingEntry.objects.get(user=person).status == WaitingEntry.Status.LEFT
    from care.models import HelpRequest, PeerRequest

    assert not HelpRequest.objects.filter(user=person, status__in=HelpRequest.OPEN).exists()
    assert not PeerRequest.objects.filter(user=person, status=PeerRequest.Status.OPEN).exists()
    from people.models import Caseload

    assert not Caseload.objects.filter(client=person, ended_at__isnull=True).exists()


def test_erasure_needs_a_reason(person, world, api):
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = api.as_(world.coordinator).post(f"/api/people/{person.pk}/erase/", body, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["fields"]["reason"]
    assert not Erasure.objects.exists()
    assert User.objects.get(pk=person.pk).first_name == FIRST


def test_a_person_with_meetings_ahead_is_not_erased_until_they_are_cancelled(person, world, api):
    ahead = make_appointment(world.meeting_type, person, local(next_weekday(0), 9))
    response = erase(api, world, person)
    assert response.status_code == 409
    assert "avlys" in response.json()["error"]["message"]  # "cancel them first"
    assert User.objects.get(pk=person.pk).first_name == FIRST

    api.as_(world.worker).post(f"/api/appointments/{ahead.pk}/cancel/", {"reason": "Slutter"}, format="json")
    assert erase(api, world, person).status_code == 200


def test_a_person_is_erased_once(person, world, api):
    assert erase(api, world, person).status_code == 200
    again = erase(api, world, person)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_erased")


@pytest.mark.parametrize("who", ["worker", "peer", "client", "other_client"])
def test_only_the_units_coordinator_erases(person, world, api, who):
    response = api.as_(getattr(world, who)).post(f"/api/people/{person.pk}/erase/", {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert not Erasure.objects.exists()


def test_staff_cannot_be_erased_this_way(world, api):
    response = api.as_(world.coordinator).post(f"/api/people/{world.worker.pk}/erase/", {"reason": "x"}, format="json")
    assert response.status_code == 404


def test_the_access_log_of_an_erased_person_stays_as_anonymous_rows(person, world, api):
    api.as_(world.worker).get("/api/appointments/")
    assert erase(api, world, person).status_code == 200
    entry = AccessEntry.objects.get(subject=person, actor=world.worker)
    assert entry.what == "appointment"
    assert leaks([FIRST, LAST]) == []


# --- On the web ----------------------------------------------------------------------------------


def test_the_coordinator_erases_on_the_web_after_saying_they_are_sure(person, world, client):
    client.force_login(world.coordinator)
    overview = client.get(f"/people/{person.pk}/").content.decode()
    assert f"/people/{person.pk}/erase/" in overview
    assert f"/api/people/{person.pk}/export/" in overview
    assert client.get(f"/people/{person.pk}/erase/").status_code == 200

    unsure = client.post(f"/people/{person.pk}/erase/", {"reason": "Asked to be forgotten"})
    assert unsure.status_code == 200
    assert not Erasure.objects.exists()

    done = client.post(f"/people/{person.pk}/erase/", {"reason": "Asked to be forgotten", "sure": "on"})
    assert done.status_code == 302
    assert Erasure.objects.get(person=person).reason == "Asked to be forgotten"
    assert client.get(f"/people/{person.pk}/erase/").status_code == 404


def test_the_web_says_why_a_person_with_meetings_ahead_is_not_erased(person, world, client):
    make_appointment(world.meeting_type, person, local(next_weekday(0), 9))
    client.force_login(world.coordinator)
    page = client.post(f"/people/{person.pk}/erase/", {"reason": "Asked to be forgotten", "sure": "on"})
    assert page.status_code == 200
    assert "cancel" in page.content.decode().lower() or "avlys" in page.content.decode().lower()
    assert not Erasure.objects.exists()


@pytest.mark.parametrize("who", ["worker", "peer", "client"])
def test_only_the_coordinator_has_the_erase_page(person, world, client, who):
    client.force_login(getattr(world, who))
    assert client.get(f"/people/{person.pk}/erase/").status_code in (302, 403, 404)
    client.post(f"/people/{person.pk}/erase/", {"reason": "x", "sure": "on"})
    assert not Erasure.objects.exists()
