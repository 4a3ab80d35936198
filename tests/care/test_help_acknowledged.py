"""When someone on staff takes a help request, the person who asked is told who, on the page
and by a discreet message over their own channels — once, however often "take" is pressed."""

from datetime import time, timedelta

import pytest

from care.models import HelpRequest
from care.services import help as services
from messaging.models import Delivery
from messaging.texts import render
from reminders.models import MessageKind
from reminders.schedule import sms_segments
from reminders.services import preferences_for
from tests.care.help_support import END_OF_DAY, OSLO, arrange_rota, open_weekdays, oslo
from tests.reminders.support import dispatch, sent_sms

pytestmark = pytest.mark.django_db

MONDAY_AFTERNOON = oslo(2027, 3, 1, 14, 5)


@pytest.fixture
def open_now(world):
    open_weekdays(world.unit, days=range(7), start=time(0), end=END_OF_DAY)
    return arrange_rota(
        world.unit, world.worker, world.other_worker, world.coordinator, days=range(7), start=time(0), end=END_OF_DAY
    )


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def notices(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.HELP_ACKNOWLEDGED).order_by("pk"))


def not_discreet(user) -> None:
    prefs = preferences_for(user)
    prefs.discreet = False
    prefs.save()


def test_the_person_is_texted_once_who_has_seen_the_request_without_any_reason(world, open_now, sms_file):
    not_discreet(world.client)
    request, _ = services.help_request_create(user=world.client, message="Jeg har sprukket", now=MONDAY_AFTERNOON)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=MONDAY_AFTERNOON)
    # Pressed again (a second tab, a double tap): nothing more is sent.
    services.help_request_acknowledge(
        actor=world.worker, request_id=request.pk, now=MONDAY_AFTERNOON + timedelta(minutes=1)
    )

    [notice] = notices(world.client)
    assert (notice.channel, notice.context) == ("sms", {"staff": "Kari", "force_sms": False})
    dispatch(now=MONDAY_AFTERNOON + timedelta(minutes=2))
    [sms] = sent_sms(sms_file)
    assert sms["to"] == "+4740000001"
    assert sms["text"] == "Vi har sett at du ba om hjelp. Kari tar kontakt."
    assert "sprukket" not in sms["text"]


def test_the_same_notice_is_written_once_even_when_asked_for_twice(world, open_now):
    request, _ = services.help_request_create(user=world.client, now=MONDAY_AFTERNOON)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=MONDAY_AFTERNOON)
    request.refresh_from_db()
    # The outbox ref is the request: writing the notice again is a no-op.
    from care.services.help_answers import help_acknowledged_tell

    help_acknowledged_tell(request, world.worker, MONDAY_AFTERNOON + timedelta(minutes=3))
    assert len(notices(world.client)) == 1


def test_by_default_discreet_the_text_names_nobody_and_says_nothing_of_help(world, open_now, sms_file):
    assert preferences_for(world.client).discreet
    request, _ = services.help_request_create(user=world.client, now=MONDAY_AFTERNOON)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=MONDAY_AFTERNOON)
    dispatch(now=MONDAY_AFTERNOON + timedelta(minutes=2))
    [sms] = sent_sms(sms_file)
    assert sms["text"] == "Vi har sett beskjeden din og tar kontakt."


def test_the_notice_goes_over_the_channels_the_person_chose(world, open_now):
    prefs = preferences_for(world.client)
    prefs.appointment_channels = ["email"]
    prefs.save()
    request, _ = services.help_request_create(user=world.client, now=MONDAY_AFTERNOON)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=MONDAY_AFTERNOON)
    assert [n.channel for n in notices(world.client)] == ["email"]


def test_a_person_who_turned_sms_off_gets_no_sms_about_it(world, open_now, sms_file):
    prefs = preferences_for(world.client)
    prefs.sms_enabled = False
    prefs.save()
    request, _ = services.help_request_create(user=world.client, now=MONDAY_AFTERNOON)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=MONDAY_AFTERNOON)
    dispatch(now=MONDAY_AFTERNOON + timedelta(minutes=2))
    assert sent_sms(sms_file) == []


def test_a_request_by_sms_gets_its_one_sms_answer_and_no_second_notice(world, open_now):
    request, _ = services.help_request_create(user=world.client, via=HelpRequest.Via.SMS, now=MONDAY_AFTERNOON)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=MONDAY_AFTERNOON)
    assert notices(world.client) == []
    answers = Delivery.objects.filter(recipient=world.client, kind=MessageKind.HELP_ANSWER)
    assert [a.context["answer"] for a in answers] == ["acknowledged"]


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("discreet", [False, True])
def test_the_acknowledged_text_fits_one_sms(language, discreet):
    _subject, text = render(
        kind=MessageKind.HELP_ACKNOWLEDGED,
        language=language,
        tz=OSLO,
        at=MONDAY_AFTERNOON,
        context={"staff": "Kari-Marianne", "discreet": discreet},
    )
    assert "{" not in text
    assert sms_segments(text) == 1
    assert ("Kari-Marianne" in text) is not discreet
