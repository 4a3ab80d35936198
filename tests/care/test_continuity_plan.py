"""My plan: goals and agreements written with the service user, seen only by the people around them."""

import pytest

from care.models import PlanEntry
from care.services import continuity as services
from care.services.peers import sharing_set
from people.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db


def plan_url(client: User) -> str:
    return f"/api/plans/{client.pk}/"


def add(api, actor, client, kind="goal", text="Get my own flat"):
    response = api.as_(actor).post(f"{plan_url(client)}entries/", {"kind": kind, "text": text}, format="json")
    return response


def test_the_user_and_their_worker_write_the_plan_together(world, api):
    goal = add(api, world.client, world.client)
    agreement = add(api, world.worker, world.client, kind="agreement", text="We meet every second Tuesday")

    assert goal.status_code == 201, goal.json()
    assert agreement.status_code == 201, agreement.json()
    plan = api.as_(world.client).get(plan_url(world.client)).json()
    assert [(e["kind"], e["created_by"]["id"]) for e in plan["entries"]] == [
        ("goal", world.client.pk),
        ("agreement", world.worker.pk),
    ]
    assert plan["may_write"] is True


def test_an_edit_keeps_the_earlier_version_and_who_wrote_it(world, api):
    entry_id = add(api, world.worker, world.client, text="Find a job").json()["id"]
    url = f"{plan_url(world.client)}entries/{entry_id}/"

    changed = api.as_(world.client).patch(url, {"text": "Find work experience first"}, format="json")
    reached = api.as_(world.client).patch(url, {"status": "reached"}, format="json")

    assert changed.status_code == 200
    assert reached.status_code == 200
    body = api.as_(world.worker).get(url).json()
    assert (body["text"], body["status"], body["version"]) == ("Find work experience first", "reached", 3)
    assert [(v["number"], v["text"], v["status"], v["written_by"]["id"]) for v in body["history"]] == [
        (3, "Find work experience first", "reached", world.client.pk),
        (2, "Find work experience first", "active", world.client.pk),
        (1, "Find a job", "active", world.worker.pk),
    ]


def test_an_unchanged_save_adds_no_version(world):
    entry = services.plan_entry_add(actor=world.client, client_id=world.client.pk, kind="goal", text="Sleep better")
    services.plan_entry_change(actor=world.client, client_id=world.client.pk, entry_id=entry.pk, text="Sleep better")
    assert entry.versions.count() == 1


def test_an_agreement_cannot_be_reached_only_dropped(world, api):
    entry_id = add(api, world.worker, world.client, kind="agreement", text="Call if I cancel").json()["id"]
    url = f"{plan_url(world.client)}entries/{entry_id}/"

    assert api.as_(world.worker).patch(url, {"status": "reached"}, format="json").status_code == 400
    assert api.as_(world.worker).patch(url, {"status": "not_relevant"}, format="json").status_code == 200


def test_an_empty_text_is_refused_with_a_reason(world, api):
    response = add(api, world.client, world.client, text="   ")
    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]
    assert not PlanEntry.objects.exists()


def test_the_coordinator_reads_the_plan_but_does_not_write_in_it(world, api):
    add(api, world.client, world.client)

    assert api.as_(world.coordinator).get(plan_url(world.client)).status_code == 200
    response = add(api, world.coordinator, world.client)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "read_only"


def test_nobody_else_sees_the_plan(world, api):
    entry_id = add(api, world.client, world.client).json()["id"]
    elsewhere = f.make_person(User.Role.COORDINATOR, f.make_unit("Elsewhere"), "outsider")

    for outsider in (world.other_worker, world.other_client, world.peer, elsewhere):
        assert api.as_(outsider).get(plan_url(world.client)).status_code == 404, outsider
        assert api.as_(outsider).get(f"{plan_url(world.client)}entries/{entry_id}/").status_code == 404
        assert add(api, outsider, world.client).status_code == 404
        assert world.client.pk not in [p["id"] for p in api.as_(outsider).get("/api/plans/").json()]


def test_a_peer_sees_the_plan_only_while_the_user_shares_it(world, api):
    add(api, world.client, world.client)
    url = plan_url(world.client)
    assert api.as_(world.peer).get(url).status_code == 404

    # Sharing meetings only is not sharing the plan.
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    assert api.as_(world.peer).get(url).status_code == 404

    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=True)
    shared = api.as_(world.peer).get(url)
    assert shared.status_code == 200
    assert len(shared.json()["entries"]) == 1
    assert shared.json()["may_write"] is False

    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert api.as_(world.peer).get(url).status_code == 404


def test_after_a_handover_the_new_worker_sees_the_plan_and_the_previous_one_does_not(world, api):
    add(api, world.worker, world.client)
    response = api.as_(world.coordinator).post(
        "/api/handovers/", {"from_worker": world.worker.pk, "to_worker": world.other_worker.pk}, format="json"
    )
    assert response.status_code == 201

    assert api.as_(world.worker).get(plan_url(world.client)).status_code == 404
    assert add(api, world.worker, world.client).status_code == 404
    new = api.as_(world.other_worker).get(plan_url(world.client))
    assert new.status_code == 200
    assert new.json()["entries"][0]["created_by"]["id"] == world.worker.pk


def test_the_demo_gives_jonas_a_short_plan_once(db):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")

    jonas = User.objects.get(username="user2")
    entries = PlanEntry.objects.filter(client=jonas)
    assert sorted(entries.values_list("kind", flat=True)) == ["agreement", "goal", "goal"]
    assert {e.created_by.username for e in entries} == {"user2", "worker1"}
