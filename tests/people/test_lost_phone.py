"""A lost phone loses its power: after "I lost my phone, here is my new number", the old
number is a stranger's. A text from it changes nothing, nothing is sent to it, and a sign-in
code sent to it no longer works."""

import re

import pytest
from django.test import Client

from booking.models import Appointment
from messaging.models import Delivery
from people.models import PhoneNumber
from people.services import phone_number_add, phone_number_replace, sign_in_code_send, sign_in_code_verify
from reminders.models import FollowUpTask, InboundSms, ReminderPreferences
from tests.factories import local, make_appointment, next_weekday
from tests.reminders.support import WEBHOOK_SECRET, StubSmsGateway, dispatch, make_delivery, post_signed, sent_sms

pytestmark = pytest.mark.django_db

OLD = "+4740000001"
NEW = "+4741234567"
INBOUND = "/api/sms/inbound/"


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET
    return tmp_path / "sms.jsonl"


@pytest.fixture
def lost_phone(world):
    """The worker has put in the person's new number after they lost their phone."""
    phone_number_replace(actor=world.worker, client=world.client, raw=NEW)
    return world


def text_in(api, text: str, sender: str, message_id: str):
    return post_signed(api.anonymous(), INBOUND, {"from": sender, "text": text, "message_id": message_id})


@pytest.mark.parametrize("text", ["AVLYS", "NEI", "JA", "RING MEG", "STOPP", "OK"])
def test_a_text_from_the_old_number_changes_nothing_and_gets_a_strangers_answer(lost_phone, api, sms_file, text):
    world = lost_phone
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    stranger = text_in(api, text, "+4799999999", "from-stranger")
    old = text_in(api, text, OLD, "from-old")

    assert (old.status_code, old.content) == (stranger.status_code, stranger.content)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.confirmed_at is None
    assert not FollowUpTask.objects.exists()
    assert not ReminderPreferences.objects.filter(user=world.client, sms_enabled=False).exists()
    assert not Delivery.objects.exists()
    assert sent_sms(sms_file) == []
    assert not InboundSms.objects.filter(sender=world.client).exists()


def test_the_new_number_speaks_for_the_person(lost_phone, api, sms_file):
    world = lost_phone
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    assert text_in(api, "AVLYS", NEW, "from-new").status_code == 204
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_a_reminder_is_never_sent_to_the_old_number_even_when_the_new_one_is_dead(lost_phone, sms_file):
    world = lost_phone
    PhoneNumber.objects.filter(number=NEW).update(unusable_since=local(next_weekday(0), 9))
    row = make_delivery(world.client)
    dispatch()
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED
    assert sent_sms(sms_file) == []


def test_when_the_new_number_fails_the_reminder_does_not_fall_back_to_the_old(lost_phone, settings):
    world = lost_phone
    with StubSmsGateway(by_number={NEW: 410}) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        settings.SMS_HTTP_TOKEN = "test-token"
        make_delivery(world.client)
        dispatch()
        dispatch()
    assert [r.body["to"] for r in gateway.requests] == [NEW]


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_report_that_the_old_number_died_sends_again_to_the_new_one(world, api, settings):
    """A reminder went to the old number just before it was replaced; its failure report comes
    after: the person is reached on the number they use now."""
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET
    with StubSmsGateway() as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        settings.SMS_HTTP_TOKEN = "test-token"
        make_delivery(world.client)
        dispatch()
        phone_number_replace(actor=world.worker, client=world.client, raw=NEW)
        report = {"message_id": "gw-1", "status": "undeliverable"}
        assert post_signed(api.anonymous(), "/api/sms/status/", report).status_code == 204
        dispatch()
    assert [r.body["to"] for r in gateway.requests] == [OLD, NEW]
    assert PhoneNumber.objects.get(number=NEW).unusable_since is None


def test_a_code_sent_to_the_old_number_stops_working_when_the_number_is_replaced(world, sms_file):
    sign_in_code_send(raw_phone=OLD)
    code = re.search(r"\b(\d{6})\b", sent_sms(sms_file)[0]["text"]).group(1)

    phone_number_add(user=world.client, raw=NEW)

    from config.errors import ApplicationError

    with pytest.raises(ApplicationError):
        sign_in_code_verify(raw_phone=NEW, code=code)
    with pytest.raises(ApplicationError):
        sign_in_code_verify(raw_phone=OLD, code=code)


def test_a_code_sent_to_the_new_number_works(lost_phone, sms_file):
    sign_in_code_send(raw_phone=NEW)
    code = re.search(r"\b(\d{6})\b", sent_sms(sms_file)[0]["text"]).group(1)
    assert sign_in_code_verify(raw_phone=NEW, code=code) == lost_phone.client


def test_asking_for_a_code_on_the_old_number_sends_nothing(lost_phone, sms_file):
    response = Client().post("/login/", {"phone": OLD})
    assert response.status_code in (200, 302)
    sign_in_code_send(raw_phone=OLD)
    assert sent_sms(sms_file) == []
