"""Every look by staff or a peer at a person's information is written down, and the person
sees it: "Who has looked at my information" in My details and ``GET /api/me/access-log/``."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit.models import AccessEntry
from audit.services import access_log_purge
from care.services.continuity import plan_entry_add
from care.services.help import help_request_create
from care.services.peers import sharing_set
from reminders.services import plans_materialize_all as plans_materialize
from tests.care.groups_support import make_group
from tests.factories import local, make_appointment, next_weekday
from tests.reminders.support import make_plan

pytestmark = pytest.mark.django_db


def entries_about(person, **filters) -> list[AccessEntry]:
    return list(AccessEntry.objects.filter(subject=person, **filters).order_by("id"))


@pytest.fixture
def meetings(world):
    monday = next_weekday(0)
    return [make_appointment(world.meeting_type, world.client, local(monday, hour)) for hour in (9, 11, 13)]


# --- What is written -----------------------------------------------------------------------------


def test_a_worker_listing_appointments_is_written_once_per_person_with_the_count(world, api, meetings):
    other = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(0), 9))
    assert api.as_(world.worker).get("/api/appointments/").status_code == 200

    [entry] = entries_about(world.client)
    assert (entry.actor, entry.actor_role, entry.action, entry.what) == (
        world.worker,
        "social_worker",
        "read",
        "appointment",
    )
    assert (entry.via, entry.path, entry.count, entry.object_id) == ("api", "/api/appointments/", 3, None)
    # The other worker's client was not shown to this worker, so nothing is written about them.
    assert not entries_about(world.other_client)
    assert other.pk


def test_one_appointment_shown_names_the_object(world, api, meetings):
    api.as_(world.worker).get(f"/api/appointments/{meetings[0].pk}/")
    [entry] = entries_about(world.client)
    assert (entry.object_id, entry.count, entry.path) == (meetings[0].pk, 1, f"/api/appointments/{meetings[0].pk}/")


def test_a_person_looking_at_their_own_information_is_not_written(world, api, client, meetings):
    api.as_(world.client).get("/api/appointments/")
    client.force_login(world.client)
    client.get("/my-day/")
    assert not AccessEntry.objects.exists()


def test_asking_for_something_not_shown_writes_nothing(world, api, meetings):
    assert api.as_(world.other_worker).get(f"/api/appointments/{meetings[0].pk}/").status_code == 404
    assert api.as_(world.worker).get("/api/appointments/", {"status": "cancelled"}).status_code == 200
    assert not AccessEntry.objects.exists()


def test_the_workers_week_on_the_web_is_written(world, client, meetings):
    client.force_login(world.worker)
    assert client.get(f"/calendar/?week={next_weekday(0).isoformat()}").status_code == 200
    [entry] = entries_about(world.client)
    assert (entry.what, entry.via, entry.path, entry.count) == ("appointment", "web", "/calendar/", 3)


def test_booking_for_a_person_is_written_as_a_change(world, api):
    body = {
        "worker": world.worker.pk,
        "meeting_type": world.meeting_type.pk,
        "start": local(next_weekday(0), 9).isoformat(),
        "user": world.client.pk,
    }
    assert api.as_(world.worker).post("/api/appointments/", body, format="json").status_code == 201
    assert [(e.action, e.what) for e in entries_about(world.client)] == [("change", "appointment")]


def test_a_peer_the_person_shares_with_is_written_as_a_peer(world, api, meetings):
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    assert api.as_(world.peer).get("/api/appointments/").status_code == 200
    [entry] = entries_about(world.client)
    assert (entry.actor, entry.actor_role, entry.what) == (world.peer, "peer", "appointment")


@pytest.mark.parametrize(
    ("who", "path", "what"),
    [
        ("worker", "/api/reminder-plans/?user={client}", "reminder_plan"),
        ("worker", "/api/deliveries/?user={client}", "delivery"),
        ("worker", "/api/medication-log/?user={client}", "medication"),
        ("worker", "/api/plans/{client}/", "plan_entry"),
        ("coordinator", "/api/help-requests/", "help_request"),
        ("worker", "/api/group-meetings/groups/", "group_meeting"),
    ],
)
def test_each_kind_of_information_staff_read_is_written(world, api, who, path, what):
    plan = make_plan(world.client)
    plans_materialize(now=timezone.now())
    from reminders.models import MedicationLog

    MedicationLog.objects.create(plan=plan, occurrence_at=timezone.now(), status="taken", via="web")
    plan_entry_add(actor=world.worker, client_id=world.client.pk, kind="goal", text="Sove bedre")
    help_request_create(user=world.client, message="Ring meg")
    make_group(world)
    assert not AccessEntry.objects.exists()  # services outside a request note nothing

    response = api.as_(getattr(world, who)).get(path.format(client=world.client.pk))
    assert response.status_code == 200, response.content
    assert what in {e.what for e in entries_about(world.client)}, [e.what for e in AccessEntry.objects.all()]


# --- What the person sees ------------------------------------------------------------------------


def test_the_person_sees_who_looked_newest_first(world, api, meetings):
    api.as_(world.worker).get("/api/appointments/")
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    api.as_(world.peer).get("/api/appointments/")

    body = api.as_(world.client).get("/api/me/access-log/").json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first["actor"] == {"name": world.peer.get_full_name() or world.peer.username, "role": "peer"}
    assert second["actor"] == {"name": "Kari Nordmann", "role": "social_worker"}
    assert first["at"] >= second["at"]
    assert first["what"] == "møter"  # "meetings", in the person's language
    assert {"at", "actor", "what", "action", "via"} <= set(first)


def test_the_log_is_paginated(world, api, meetings):
    for _ in range(60):
        api.as_(world.worker).get("/api/appointments/")
    mine = api.as_(world.client)
    first = mine.get("/api/me/access-log/").json()
    assert (first["count"], len(first["results"])) == (60, 50)
    assert len(mine.get(first["next"]).json()["results"]) == 10


def test_a_person_sees_only_their_own_log(world, api, meetings):
    other = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(1), 9))
    api.as_(world.worker).get("/api/appointments/")
    api.as_(world.other_worker).get("/api/appointments/")
    assert other.pk
    assert api.as_(world.other_client).get("/api/me/access-log/").json()["count"] == 1
    assert api.as_(world.client).get("/api/me/access-log/").json()["count"] == 1


def test_the_log_is_shown_in_my_details_in_norwegian(world, api, client, meetings):
    api.as_(world.worker).get("/api/appointments/")
    client.force_login(world.client)
    details = client.get("/details/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "/details/access-log/" in details
    page = client.get("/details/access-log/", HTTP_ACCEPT_LANGUAGE="nb")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hvem har sett opplysningene mine" in html
    assert "Kari Nordmann" in html


def test_an_anonymous_caller_gets_no_log(db, api):
    assert api.anonymous().get("/api/me/access-log/").status_code == 401


# --- The coordinator's review --------------------------------------------------------------------


def test_the_coordinator_searches_the_units_log_by_person_and_by_staff(world, api, meetings):
    other = make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(1), 9))
    api.as_(world.worker).get("/api/appointments/")
    api.as_(world.other_worker).get(f"/api/appointments/{other.pk}/")
    coordinator = api.as_(world.coordinator)

    everyone = coordinator.get("/api/access-log/").json()
    assert everyone["count"] == 2
    by_person = coordinator.get("/api/access-log/", {"person": world.client.pk}).json()["results"]
    assert [(e["subject"]["id"], e["actor"]["role"]) for e in by_person] == [(world.client.pk, "social_worker")]
    by_actor = coordinator.get("/api/access-log/", {"actor": world.other_worker.pk}).json()["results"]
    assert [e["subject"]["id"] for e in by_actor] == [world.other_client.pk]
    assert coordinator.get("/api/access-log/", {"person": "x"}).status_code == 400


@pytest.mark.parametrize("who", ["worker", "peer", "client"])
def test_only_the_coordinator_sees_the_units_log(world, api, who, meetings):
    api.as_(world.worker).get("/api/appointments/")
    assert api.as_(getattr(world, who)).get("/api/access-log/").status_code == 404


def test_the_coordinator_sees_nothing_of_another_unit(world, api, meetings):
    from people.models import User
    from tests import factories as f

    elsewhere = f.make_person(User.Role.COORDINATOR, f.make_unit("Nord"), "nordcoordinator")
    api.as_(world.worker).get("/api/appointments/")
    assert api.as_(elsewhere).get("/api/access-log/").json()["count"] == 0


def test_the_coordinators_page_searches_the_log(world, api, client, meetings):
    api.as_(world.worker).get("/api/appointments/")
    client.force_login(world.coordinator)
    page = client.get("/access-log/", {"person": world.client.pk})
    assert page.status_code == 200
    assert "Kari Nordmann" in page.content.decode()


# --- Append-only, and the retention job ----------------------------------------------------------


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_the_log(world, api, meetings):
    api.as_(world.worker).get("/api/appointments/")
    for change in (
        lambda: AccessEntry.objects.update(what="nothing"),
        lambda: AccessEntry.objects.all().delete(),
        lambda: AccessEntry.objects.filter(subject=world.client).update(actor=world.client),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert AccessEntry.objects.get().what == "appointment"


def test_the_retention_job_purges_only_old_entries(world, api, meetings, settings):
    settings.ACCESS_LOG_KEEP_DAYS = 30
    api.as_(world.worker).get("/api/appointments/")
    now = timezone.now()
    assert access_log_purge(now=now + timedelta(days=29)) == 0
    assert access_log_purge(now=now + timedelta(days=31)) == 1
    assert not AccessEntry.objects.exists()


def test_a_calendar_subscription_is_written_once_a_day_without_its_secret(world, api, client, meetings):
    link = api.as_(world.worker).get("/api/me/").json()["calendar_feed_url"]
    path = "/api/" + link.split("/api/", 1)[1]
    for _ in range(3):
        assert client.get(path).status_code == 200
    [entry] = entries_about(world.client)
    assert (entry.actor, entry.via, entry.path, entry.count) == (world.worker, "feed", "/api/calendar/feed/", 3)
    assert api.as_(world.client).get("/api/me/access-log/").json()["results"][0]["via"] == "feed"


def test_the_administration_pages_are_written_too(world, client, meetings):
    world.coordinator.is_staff = True
    world.coordinator.save()
    from django.contrib.auth.models import Permission

    world.coordinator.user_permissions.add(Permission.objects.get(codename="view_appointment"))
    client.force_login(world.coordinator)
    assert client.get("/admin/booking/appointment/").status_code == 200
    assert client.get(f"/admin/booking/appointment/{meetings[0].pk}/change/").status_code == 200
    entries = entries_about(world.client)
    assert [(e.via, e.actor_role, e.what) for e in entries] == [("admin", "coordinator", "appointment")] * 2
    assert (entries[0].count, entries[1].object_id) == (3, meetings[0].pk)


def test_contact_details_settings_tasks_and_waiting_lists_are_written(world, api, client):
    from care.models import WaitingEntry
    from reminders.models import FollowUpTask

    FollowUpTask.objects.create(worker=world.worker, client=world.client, kind="call_back")
    WaitingEntry.objects.create(user=world.client, meeting_type=world.meeting_type)
    worker = api.as_(world.worker)
    assert worker.get("/api/reminder-preferences/", {"user": world.client.pk}).status_code == 200
    assert worker.get("/api/waiting-list/").status_code == 200
    client.force_login(world.worker)
    assert client.get("/caseload/").status_code == 200
    assert client.get("/today/").status_code == 200
    assert {e.what for e in entries_about(world.client)} >= {"reminder_settings", "waiting", "contact", "task"}
