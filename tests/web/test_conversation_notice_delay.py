"""How long a message in a conversation may wait unread before its one SMS notice: the person
chooses it on their reminders page, staff and peers on "My notices" (1 to 1440 minutes,
10 unless chosen). Saved by the same service as the other preferences."""

from datetime import time

import pytest

from reminders.models import ReminderPreferences

pytestmark = pytest.mark.django_db

FIELD = 'name="conversation_notice_minutes"'
SERVICE_USER_FORM = {"channel_sms": "on", "quiet_start": "22:00", "quiet_end": "08:00"}
STAFF_FORM = {**SERVICE_USER_FORM, "language": "nb"}


def _page(who: str) -> str:
    return "/reminders/" if who == "client" else "/account/notices/"


def _form(who: str) -> dict[str, str]:
    return SERVICE_USER_FORM if who == "client" else STAFF_FORM


@pytest.mark.parametrize("who", ["client", "worker", "peer", "coordinator"])
def test_the_page_shows_the_delay_with_its_label_help_and_the_default_of_ten(world, web_client, who) -> None:
    page = web_client(getattr(world, who)).get(_page(who)).content.decode()

    assert "SMS om uleste meldinger etter (minutter)" in page
    assert FIELD in page
    assert 'value="10"' in page.split(FIELD)[1].split(">")[0]
    assert "1 til 1440 minutter" in page


@pytest.mark.parametrize("who", ["client", "worker", "peer"])
def test_a_chosen_delay_is_saved_and_shown_again(world, web_client, who) -> None:
    person = getattr(world, who)
    me = web_client(person)

    response = me.post(_page(who), {**_form(who), "conversation_notice_minutes": "45"})

    assert response.status_code == 302
    prefs = ReminderPreferences.objects.get(user=person)
    assert prefs.conversation_notice_minutes == 45
    assert prefs.quiet_start == time(22)
    assert 'value="45"' in me.get(_page(who)).content.decode().split(FIELD)[1].split(">")[0]


@pytest.mark.parametrize("minutes", ["0", "1441", "-5", "ti"])
@pytest.mark.parametrize("who", ["client", "worker"])
def test_a_delay_out_of_range_is_refused_with_a_clear_message_and_nothing_saved(
    world, web_client, who, minutes
) -> None:
    response = web_client(getattr(world, who)).post(_page(who), {**_form(who), "conversation_notice_minutes": minutes})

    assert response.status_code == 200
    assert "Velg mellom 1 og 1440 minutter (24 timer)." in response.content.decode()
    assert not ReminderPreferences.objects.filter(user=getattr(world, who)).exists()


def test_leaving_the_delay_out_keeps_what_the_person_chose(world, web_client) -> None:
    me = web_client(world.client)
    me.post("/reminders/", {**SERVICE_USER_FORM, "conversation_notice_minutes": "30"})

    response = me.post("/reminders/", {**SERVICE_USER_FORM, "conversation_notice_minutes": ""})

    assert response.status_code == 302
    assert ReminderPreferences.objects.get(user=world.client).conversation_notice_minutes == 30


def test_the_delay_is_labelled_in_english_too(world, web_client) -> None:
    page = web_client(world.client, english=True).get("/reminders/").content.decode()

    assert "SMS about unread messages after (minutes)" in page
