"""The continuity pages: My plan, the worker's view of a person, and the coordinator's handover."""

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client

from booking import services as booking
from booking.models import Appointment
from care.models import Handover, HandoverAppointment, PlanEntry
from care.services import continuity as services
from care.services.peers import sharing_set
from people.models import User
from people.selectors import current_worker_of
from tests import factories as f
from tests.factories import local, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_user_adds_a_goal_in_plain_words_and_changes_it_later(world):
    page = signed_in(world.client)
    assert page.get("/my-plan/").status_code == 200

    response = page.post("/my-plan/", {"kind": "goal", "text": "Keep my flat"})

    assert response.status_code == 302
    entry = PlanEntry.objects.get(client=world.client)
    assert (entry.kind, entry.created_by) == ("goal", world.client)
    assert "Keep my flat" in page.get("/my-plan/").content.decode()

    page.post(f"/my-plan/{entry.pk}/", {"text": "Keep my flat and pay rent on time", "status": "active"})
    page.post(f"/my-plan/{entry.pk}/", {"text": "Keep my flat and pay rent on time", "status": "reached"})
    entry.refresh_from_db()
    assert (entry.status, entry.version) == ("reached", 3)
    history = page.get(f"/my-plan/{entry.pk}/").content.decode()
    assert "Keep my flat and pay rent on time" in history
    assert "Keep my flat<" in history  # the first wording, in the history


def test_an_empty_goal_shows_an_error_and_saves_nothing(world):
    response = signed_in(world.client).post("/my-plan/", {"kind": "goal", "text": ""})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not PlanEntry.objects.exists()


def test_someone_elses_plan_entry_is_not_found(world):
    entry = services.plan_entry_add(actor=world.worker, client_id=world.client.pk, kind="goal", text="Mine")
    assert signed_in(world.other_client).get(f"/my-plan/{entry.pk}/").status_code == 404
    assert signed_in(world.other_worker).get(f"/people/{world.client.pk}/").status_code == 404
    assert signed_in(world.other_worker).get(f"/people/{world.client.pk}/plan/{entry.pk}/").status_code == 404
    assert signed_in(world.peer).get(f"/people/{world.client.pk}/").status_code == 404


def test_the_worker_sees_plan_meetings_with_earlier_workers_and_who_followed_when(world, api):
    services.plan_entry_add(actor=world.client, client_id=world.client.pk, kind="goal", text="Start at school")
    services.plan_entry_add(actor=world.worker, client_id=world.client.pk, kind="agreement", text="Text on Mondays")
    start = local(next_weekday(1), 10)
    booking.appointment_book(
        actor=world.worker,
        worker_id=world.worker.pk,
        meeting_type_id=world.meeting_type.pk,
        start=start,
        client_id=world.client.pk,
    )
    services.handover_run(actor=world.coordinator, from_worker_id=world.worker.pk, to_worker_id=world.other_worker.pk)

    caseload = signed_in(world.other_worker).get("/caseload/").content.decode()
    assert f"/people/{world.client.pk}/" in caseload
    page = signed_in(world.other_worker).get(f"/people/{world.client.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Start at school" in html
    assert "Text on Mondays" in html
    assert world.worker.get_full_name() in html  # the earlier worker, in "who followed" and meetings
    assert world.other_worker.get_full_name() in html
    # The worker adds to the plan from here.
    signed_in(world.other_worker).post(f"/people/{world.client.pk}/", {"kind": "goal", "text": "Sleep"})
    assert PlanEntry.objects.filter(client=world.client, created_by=world.other_worker).exists()
    # The worker who handed over no longer opens the person.
    assert signed_in(world.worker).get(f"/people/{world.client.pk}/").status_code == 404


def test_a_reoffered_meeting_shows_on_my_day_and_my_meetings_until_a_new_time_is_booked(world, api):
    start = local(next_weekday(2), 13)
    for worker, client, meeting_type in (
        (world.worker, world.client, world.meeting_type),
        (world.other_worker, world.other_client, world.other_meeting_type),
    ):
        booking.appointment_book(
            actor=worker, worker_id=worker.pk, meeting_type_id=meeting_type.pk, start=start, client_id=client.pk
        )
    services.handover_run(actor=world.coordinator, from_worker_id=world.worker.pk, to_worker_id=world.other_worker.pk)
    page = signed_in(world.client)

    for url in ("/my-day/", "/meetings/"):
        html = page.get(url).content.decode()
        assert "/meetings/new-time/" in html, url

    reoffer = HandoverAppointment.objects.get(client=world.client)
    assert page.post(f"/meetings/new-time/{reoffer.pk}/done/").status_code == 302
    assert "/meetings/new-time/" not in page.get("/meetings/").content.decode()
    assert signed_in(world.other_client).post(f"/meetings/new-time/{reoffer.pk}/done/").status_code == 404


def test_the_coordinator_previews_then_confirms_a_handover(world):
    booking.appointment_book(
        actor=world.worker,
        worker_id=world.worker.pk,
        meeting_type_id=world.meeting_type.pk,
        start=local(next_weekday(1), 10),
        client_id=world.client.pk,
    )
    page = signed_in(world.coordinator)
    choice = {"from_worker": world.worker.pk, "to_worker": world.other_worker.pk}

    preview = page.get("/handover/?" + urlencode(choice))

    assert preview.status_code == 200
    assert 'method="post" action="/handover/"' in preview.content.decode()
    assert not Handover.objects.exists()
    assert current_worker_of(client=world.client) == world.worker

    done = page.post("/handover/", choice)

    assert done.status_code == 302
    handover = Handover.objects.get()
    assert done["Location"] == f"/handover/{handover.pk}/"
    result = page.get(done["Location"])
    assert result.status_code == 200
    assert world.client.get_full_name() in result.content.decode()
    assert current_worker_of(client=world.client) == world.other_worker
    assert Appointment.objects.get(client=world.client).calendar == world.other_calendar


def test_the_handover_page_refuses_a_peer_as_new_worker_and_is_only_for_coordinators(world):
    page = signed_in(world.coordinator)
    response = page.post("/handover/", {"from_worker": world.worker.pk, "to_worker": world.peer.pk})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not Handover.objects.exists()

    assert signed_in(world.worker).get("/handover/").status_code == 302
    handover = services.handover_run(
        actor=world.coordinator, from_worker_id=world.worker.pk, to_worker_id=world.other_worker.pk
    )
    other = f.make_person(User.Role.COORDINATOR, f.make_unit("Elsewhere"), "outsider")
    assert signed_in(other).get(f"/handover/{handover.pk}/").status_code == 404


def test_a_peer_with_plan_consent_has_no_staff_overview(world):
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=True)
    assert signed_in(world.peer).get(f"/people/{world.client.pk}/").status_code == 404


def test_the_admin_shows_plans_and_handovers_read_only(world):
    services.plan_entry_add(actor=world.client, client_id=world.client.pk, kind="goal", text="Mine")
    handover = services.handover_run(
        actor=world.coordinator, from_worker_id=world.worker.pk, to_worker_id=world.other_worker.pk
    )
    admin = User.objects.create_superuser("root", password=f.PASSWORD, role=User.Role.COORDINATOR)
    page = signed_in(admin)
    entry = PlanEntry.objects.get()
    for url in (
        "/admin/care/planentry/",
        f"/admin/care/planentry/{entry.pk}/change/",
        "/admin/care/handover/",
        f"/admin/care/handover/{handover.pk}/change/",
    ):
        assert page.get(url).status_code == 200, url
    assert page.get("/admin/care/planentry/add/").status_code == 403


def test_a_peer_reads_a_shared_plan_on_the_web_only_while_it_is_shared(world):
    services.plan_entry_add(
        actor=world.client, client_id=world.client.pk, kind=PlanEntry.Kind.GOAL, text="Gå tur hver dag"
    )
    peer = Client()
    peer.force_login(world.peer)
    url = f"/peer/plans/{world.client.pk}/"
    assert peer.get(url).status_code == 404

    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=True)
    page = peer.get(url).content.decode()
    assert "Gå tur hver dag" in page
    assert url in peer.get("/peer/").content.decode()
    assert f"/people/{world.client.pk}/plan/" not in page  # read only

    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert peer.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # anonymous: sign in first
