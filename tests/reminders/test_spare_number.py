"""The spare number at send time: only a meeting's messages, only when the person chose it,
and only while their main number is marked lost. Everything else waits for a main number."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import Delivery
from people.services import phone_number_add, phone_number_mark_lost, phone_number_spare_set
from reminders.models import MessageKind, ReminderPreferences
from reminders.services import reply_to
from tests.factories import local, make_appointment, next_weekday
from tests.reminders.support import dispatch, make_delivery, make_plan, sent_sms

pytestmark = pytest.mark.django_db

MAIN = "+4740000001"
SPARE = "+4798765432"


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


@pytest.fixture
def spare(world):
    """Anna has her sister's phone as a spare and chose meeting reminders to go to it."""
    phone_number_spare_set(user=world.client, raw=SPARE)
    ReminderPreferences.objects.update_or_create(
        user=world.client, defaults={"spare_for_meetings": True, "discreet": False}
    )
    return world


def meeting_reminder(world, hour: int = 9, **fields) -> Delivery:
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), hour))
    return make_delivery(
        world.client,
        kind=fields.pop("kind", MessageKind.APPOINTMENT),
        appointment=appointment,
        context={"worker": "Kari", "place": "Storgata 1"},
        **fields,
    )


def test_a_meeting_reminder_goes_to_the_spare_when_the_main_number_is_lost(spare, sms_file):
    phone_number_mark_lost(actor=spare.worker, client=spare.client)
    row = meeting_reminder(spare)
    dispatch()
    [message] = sent_sms(sms_file)
    assert message["to"] == SPARE
    # Someone else's phone: discreet whatever Anna chose, and no answer asked for.
    assert "Kari" not in message["text"]
    assert "Storgata" not in message["text"]
    assert "Svar JA" not in message["text"]
    row.refresh_from_db()
    assert (row.status, row.sent_to) == (Delivery.Status.SENT, SPARE)


@pytest.mark.parametrize(
    "kind", [MessageKind.APPOINTMENT_BOOKED, MessageKind.APPOINTMENT_MOVED, MessageKind.APPOINTMENT_CANCELLED]
)
def test_other_messages_about_a_meeting_go_to_the_spare_too(spare, sms_file, kind):
    phone_number_mark_lost(actor=spare.client, client=spare.client)
    meeting_reminder(spare, kind=kind)
    dispatch()
    assert [m["to"] for m in sent_sms(sms_file)] == [SPARE]


def test_while_the_main_number_is_in_use_the_spare_gets_nothing(spare, sms_file):
    meeting_reminder(spare)
    dispatch()
    assert [m["to"] for m in sent_sms(sms_file)] == [MAIN]


def test_a_main_number_that_stopped_working_is_not_lost_the_spare_gets_nothing(spare, sms_file):
    spare.client.phone_numbers.filter(is_active=True).update(unusable_since=timezone.now())
    meeting_reminder(spare)
    dispatch()
    assert sent_sms(sms_file) == []


def test_without_the_choice_the_spare_gets_nothing(spare, sms_file):
    ReminderPreferences.objects.filter(user=spare.client).update(spare_for_meetings=False)
    phone_number_mark_lost(actor=spare.client, client=spare.client)
    row = meeting_reminder(spare)
    dispatch()
    assert sent_sms(sms_file) == []
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED


@pytest.mark.parametrize("kind", [MessageKind.MEDICATION, MessageKind.MONEY, MessageKind.ROUTINE])
def test_medication_money_and_routines_never_go_to_the_spare(spare, sms_file, kind):
    phone_number_mark_lost(actor=spare.client, client=spare.client)
    plan = make_plan(spare.client, kind=kind, money_kind="bill" if kind == MessageKind.MONEY else "")
    make_delivery(spare.client, kind=kind, plan=plan, context={"title": "Metadon", "dose": "80 mg"})
    dispatch()
    assert sent_sms(sms_file) == []


@pytest.mark.parametrize(
    "kind", [MessageKind.HELP_ANSWER, MessageKind.STAFF_ALERT, MessageKind.SUMMARY, MessageKind.WAITING_OFFER]
)
def test_help_answers_and_other_notices_never_go_to_the_spare(spare, sms_file, kind):
    phone_number_mark_lost(actor=spare.client, client=spare.client)
    make_delivery(spare.client, kind=kind, context={})
    dispatch()
    assert sent_sms(sms_file) == []


def test_an_answer_to_an_sms_never_goes_to_the_spare(spare, sms_file):
    phone_number_mark_lost(actor=spare.client, client=spare.client)
    reply_to(user=spare.client, ref="in:x", reply="help", context={}, now=timezone.now(), force_sms=True)
    dispatch()
    assert sent_sms(sms_file) == []


def test_the_number_is_chosen_when_the_reminder_is_sent_not_when_it_was_planned(spare, sms_file):
    row = meeting_reminder(spare, due_at=timezone.now() + timedelta(minutes=30))
    phone_number_mark_lost(actor=spare.worker, client=spare.client)
    dispatch(timezone.now() + timedelta(minutes=31))
    assert [m["to"] for m in sent_sms(sms_file)] == [SPARE]
    # A new main number, and the next reminder goes there again.
    phone_number_add(user=spare.client, raw="+4741234567")
    meeting_reminder(spare, hour=11, dedupe_key="again")
    dispatch(timezone.now() + timedelta(minutes=32))
    assert [m["to"] for m in sent_sms(sms_file)] == [SPARE, "+4741234567"]
    row.refresh_from_db()
    assert row.sent_to == SPARE
