"""Staff and peers have their own reminder preferences through the same
``/api/reminder-preferences/`` service users use: without ``?user=`` their own, with it (staff)
a person of their caseload, as before. The language is the person's own."""

import pytest

from people.models import User
from reminders.models import ReminderPreferences

pytestmark = pytest.mark.django_db
PREFS = "/api/reminder-preferences/"


@pytest.mark.parametrize("who", ["worker", "peer", "coordinator"])
def test_staff_and_peers_read_and_change_their_own_quiet_hours_and_language(world, api, who: str) -> None:
    person = getattr(world, who)
    client = api.as_(person)

    assert client.get(PREFS).json()["quiet_start"] == "22:00:00"
    response = client.patch(PREFS, {"quiet_start": "21:00", "quiet_end": "07:30", "language": "en"}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["quiet_start"], response.json()["quiet_end"]) == ("21:00:00", "07:30:00")
    assert response.json()["language"] == "en"
    prefs = ReminderPreferences.objects.get(user=person)
    assert (prefs.quiet_start.hour, prefs.quiet_end.minute) == (21, 30)
    assert User.objects.get(pk=person.pk).language == "en"
    assert client.get(PREFS).json()["language"] == "en"


def test_a_worker_naming_a_caseload_person_still_changes_that_persons_preferences(world, api) -> None:
    response = api.as_(world.worker).patch(f"{PREFS}?user={world.client.pk}", {"quiet_end": "09:00"}, format="json")

    assert response.status_code == 200, response.json()
    assert ReminderPreferences.objects.get(user=world.client).quiet_end.hour == 9
    assert not ReminderPreferences.objects.filter(user=world.worker).exists()


def test_a_peer_cannot_reach_a_service_users_preferences(world, api) -> None:
    assert api.as_(world.peer).get(PREFS, {"user": world.client.pk}).status_code == 404


@pytest.mark.parametrize("value", ["de", "", "NB", 7])
def test_a_language_not_offered_is_refused_with_the_choices_and_nothing_is_saved(world, api, value) -> None:
    response = api.as_(world.worker).patch(PREFS, {"language": value, "quiet_end": "06:00"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert "language" in error["fields"]
    message = str(error["fields"]["language"])
    assert "nb" in message
    assert "en" in message
    assert not ReminderPreferences.objects.filter(user=world.worker).exists()
    assert User.objects.get(pk=world.worker.pk).language == "nb"


def test_a_service_user_sets_their_own_language_through_the_same_preferences(world, api) -> None:
    response = api.as_(world.client).patch(PREFS, {"language": "en"}, format="json")

    assert response.status_code == 200, response.json()
    assert User.objects.get(pk=world.client.pk).language == "en"
