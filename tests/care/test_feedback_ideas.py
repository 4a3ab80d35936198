"""The ideas box: the unit sees every idea and what became of it; only a coordinator
changes that."""

import pytest

from care.models import Idea
from people.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/feedback/ideas/"


def suggest(api, user, title="Kveldsåpent en dag i uka"):
    return api.as_(user).post(URL, {"title": title, "text": "Mange jobber på dagtid"}, format="json")


def test_ideas_are_visible_to_the_whole_unit_without_names(world, api):
    response = suggest(api, world.client)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "new"
    assert response.json()["mine"] is True
    suggest(api, world.peer, "Turgruppe på lørdager")

    for viewer in (world.other_client, world.worker, world.peer, world.coordinator):
        ideas = api.as_(viewer).get(URL).json()
        assert {i["title"] for i in ideas} == {"Kveldsåpent en dag i uka", "Turgruppe på lørdager"}
        assert all("author" not in i for i in ideas)
    other_unit = f.make_person(User.Role.SERVICE_USER, f.make_unit(), "elsewhere")
    assert api.as_(other_unit).get(URL).json() == []


def test_only_a_coordinator_changes_the_status_and_answers(world, api):
    idea_id = suggest(api, world.client).json()["id"]
    change = {"status": "considering", "response": "Vi ser på det i januar."}
    for someone in (world.client, world.worker, world.peer):
        response = api.as_(someone).post(f"{URL}{idea_id}/status/", change, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_allowed"
    assert Idea.objects.get().status == "new"

    response = api.as_(world.coordinator).post(f"{URL}{idea_id}/status/", change, format="json")
    assert response.status_code == 200
    [seen] = api.as_(world.client).get(URL).json()
    assert seen["status"] == "considering"
    assert seen["status_label"] == "vurderes"  # in the reader's language, Norwegian by default
    assert seen["response"] == "Vi ser på det i januar."
    assert [i["id"] for i in api.as_(world.client).get(f"{URL}?status=considering").json()] == [idea_id]


def test_a_coordinator_of_another_unit_gets_a_404(world, api):
    idea_id = suggest(api, world.client).json()["id"]
    elsewhere = f.make_person(User.Role.COORDINATOR, f.make_unit(), "othercoordinator")
    response = api.as_(elsewhere).post(f"{URL}{idea_id}/status/", {"status": "done"}, format="json")
    assert response.status_code == 404


def test_an_unknown_status_is_refused(world, api):
    idea_id = suggest(api, world.client).json()["id"]
    response = api.as_(world.coordinator).post(f"{URL}{idea_id}/status/", {"status": "maybe"}, format="json")
    assert response.status_code == 400


def test_the_summary_counts_ideas_by_status(world, api):
    suggest(api, world.client, "A")
    done = suggest(api, world.client, "B").json()["id"]
    api.as_(world.coordinator).post(f"{URL}{done}/status/", {"status": "done", "response": "Ferdig"}, format="json")
    body = api.as_(world.coordinator).get("/api/feedback/summary/").json()
    assert body["ideas_by_status"] == {"new": 1, "considering": 0, "done": 1, "not_doing": 0}
