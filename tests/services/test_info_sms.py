"""INFO by SMS: up to three services open now or next, nearest to the sender's unit, in at most
two segments; strangers may ask; a word matching nothing says so; a number is rate-limited."""

from datetime import time
from itertools import count

import pytest

from messaging.models import Delivery
from reminders import inbound
from services.sms import INFO_KIND, MAX_CHARS
from tests.reminders.support import at, dispatch, sent_sms
from tests.services.support import EVERY_DAY, make_service

pytestmark = pytest.mark.django_db

TUESDAY_NOON = at(2027, 3, 2, 12, 0)
STRANGER = "+4799999999"
_ids = count(1)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


@pytest.fixture
def food():
    make_service("Suppe nord", lat=59.95, lon=10.76, phone="22000001")
    make_service("Suppe sentrum", lat=59.9128, lon=10.7462, phone="22000002")
    make_service("Matsentralen", lat=59.915, lon=10.75, hours=((5, time(10), time(14)),), phone="22000003")
    make_service("Kafé døgn", lat=59.96, lon=10.80, hours=tuple((d, time(0), time(23, 59)) for d in EVERY_DAY))
    make_service("Bolighjelpen", categories=("housing",), lat=59.9127, lon=10.7461)


def ask(text, sender, now=TUESDAY_NOON):
    return inbound.sms_inbound(sender_number=sender, text=text, provider_message_id=f"i-{next(_ids)}", now=now)


def answer_texts(sms_file, now=TUESDAY_NOON):
    dispatch(now=now)
    return [m for m in sent_sms(sms_file)]


def test_a_stranger_gets_three_open_food_services_nearest_the_centre_in_two_segments(food, sms_file):
    assert ask("info mat", STRANGER) == "info"

    [message] = answer_texts(sms_file)
    assert message["to"] == STRANGER
    lines = message["text"].split("\n")
    assert [line.split(":")[0] for line in lines] == ["Suppe sentrum", "Suppe nord", "Kafé døgn"]
    assert "22000002" in lines[0]
    assert len(message["text"]) <= MAX_CHARS


def test_a_service_user_is_answered_from_their_units_place_in_their_language(food, sms_file, world):
    world.unit.latitude, world.unit.longitude = 59.96, 10.80
    world.unit.save()
    world.client.language = "en"
    world.client.save()

    assert ask("INFO food", "+4740000001") == "info"

    [message] = answer_texts(sms_file)
    assert message["text"].split("\n")[0].startswith("Kafé døgn: open 24/7")
    assert Delivery.objects.get(kind=INFO_KIND).recipient == world.client


def test_info_alone_lists_the_topics(sms_file, db):
    ask("INFO", STRANGER)

    [message] = answer_texts(sms_file)
    assert "INFO" in message["text"]
    assert "Bolig" in message["text"]
    assert "Skadereduksjon" in message["text"]
    assert len(message["text"]) <= MAX_CHARS


def test_a_word_that_matches_nothing_says_so(food, sms_file):
    ask("INFO xylofon", STRANGER)

    [message] = answer_texts(sms_file)
    assert "ingen" in message["text"].lower()


def test_when_nothing_is_open_the_answer_says_when_they_open(sms_file, db):
    make_service("Suppe sentrum")

    ask("INFO mat", STRANGER, now=at(2027, 3, 2, 20, 0))

    [message] = answer_texts(sms_file, now=at(2027, 3, 2, 20, 0))
    assert "08:00" in message["text"]


def test_a_number_asking_too_often_gets_no_more_answers_that_hour(food, sms_file, settings):
    settings.SERVICES_INFO_SMS_PER_HOUR = 2
    for _ in range(4):
        ask("INFO mat", STRANGER)

    assert Delivery.objects.filter(kind=INFO_KIND).count() == 2
