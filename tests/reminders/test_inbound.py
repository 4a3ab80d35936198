"""Two-way SMS: what a reply from a service user does, through the signed webhook."""

import json
import time
from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from booking.models import Appointment
from messaging.models import Delivery
from people.models import PhoneNumber
from reminders.models import FollowUpTask, InboundSms, MedicationLog, MessageKind, ReminderPreferences
from tests.factories import local, make_appointment, next_weekday
from tests.reminders.support import (
    WEBHOOK_SECRET,
    dispatch,
    make_delivery,
    make_plan,
    post_signed,
    sent_sms,
    signature,
)

pytestmark = pytest.mark.django_db

INBOUND = "/api/sms/inbound/"
CLIENT_NUMBER = "+4740000001"
_ids = count(1)


@pytest.fixture
def sms(settings, api):
    """``sms(text)`` posts an inbound SMS from the service user, signed like the gateway does."""
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET

    def send(text: str, sender: str = CLIENT_NUMBER, message_id: str | None = None):
        body = {"from": sender, "text": text, "message_id": message_id or f"in-{next(_ids)}"}
        return post_signed(api.anonymous(), INBOUND, body)

    return send


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def replies(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.REPLY))


def the_reply(user) -> str:
    [reply] = replies(user)
    assert reply.channel == "sms"
    assert reply.status == Delivery.Status.SCHEDULED
    return reply.context["reply"]


def book(world, api, start):
    response = api.as_(world.client).post(
        "/api/appointments/",
        {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return Appointment.objects.get(pk=response.json()["id"])


# --- The webhook itself --------------------------------------------------------------------


def test_a_missing_or_bad_signature_is_a_404_and_does_nothing(world, api, sms, settings):
    body = {"from": CLIENT_NUMBER, "text": "RING MEG", "message_id": "x1"}
    assert post_signed(api.anonymous(), INBOUND, body, sign="").status_code == 404
    assert post_signed(api.anonymous(), INBOUND, body, secret="not-the-secret").status_code == 404
    assert post_signed(api.anonymous(), INBOUND, body, sign="0" * 64).status_code == 404
    settings.SMS_WEBHOOK_SECRET = ""
    assert post_signed(api.anonymous(), INBOUND, body, secret="").status_code == 404
    assert not InboundSms.objects.exists()
    assert not FollowUpTask.objects.exists()
    assert not Delivery.objects.exists()


def test_the_signature_covers_the_exact_body(world, api, sms):
    body = {"from": CLIENT_NUMBER, "text": "RING MEG", "message_id": "x1"}
    stamp = int(time.time())
    signed_for_body = signature(json.dumps(body).encode(), timestamp=str(stamp))
    tampered = {**body, "text": "STOPP"}
    assert post_signed(api.anonymous(), INBOUND, tampered, sign=signed_for_body, timestamp=stamp).status_code == 404
    assert not ReminderPreferences.objects.filter(user=world.client, sms_enabled=False).exists()


# --- Confirming ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["JA", "YES", "1", "ja!", " Ja. ", "yes", "j"])
def test_yes_confirms_the_next_appointment(world, sms, text):
    first = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    later = make_appointment(world.meeting_type, world.client, local(next_weekday(0) + timedelta(days=7), 9))

    response = sms(text)
    assert response.status_code == 204
    assert response.content == b""

    first.refresh_from_db()
    later.refresh_from_db()
    assert first.confirmed_at is not None
    assert later.confirmed_at is None
    assert the_reply(world.client) == "confirmed"


def test_the_confirmation_reply_names_the_meeting(world, sms, sms_file):
    start = local(next_weekday(0), 9)
    make_appointment(world.meeting_type, world.client, start)
    sms("JA")
    dispatch()
    [message] = sent_sms(sms_file)
    assert message["to"] == CLIENT_NUMBER
    assert message["text"].startswith("Takk! Møtet ")
    assert "kl. 09:00 er bekreftet" in message["text"]


def test_yes_without_an_upcoming_appointment_says_so(world, sms):
    make_appointment(world.meeting_type, world.client, timezone.now() - timedelta(days=1))
    sms("JA")
    assert the_reply(world.client) == "no_appointment"


# --- Cancelling ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["NEI", "NO", "AVLYS", "nei.", "Avlys"])
def test_no_cancels_the_next_appointment_frees_the_slot_and_tells_the_worker(world, api, sms, text):
    start = local(next_weekday(0), 13)
    appointment = book(world, api, start)

    assert sms(text).status_code == 204

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Avlyst på SMS"
    reminders = Delivery.objects.filter(about="appointment", about_id=appointment.pk, kind=MessageKind.APPOINTMENT)
    assert {r.status for r in reminders} == {Delivery.Status.CANCELLED}
    assert the_reply(world.client) == "cancelled"

    alert = Delivery.objects.get(kind=MessageKind.STAFF_ALERT)
    assert alert.recipient == world.worker
    assert alert.context == {
        "task": "appointment_cancelled",
        "client": world.client.initials,
        "client_id": world.client.pk,
    }
    assert alert.occurrence_at == start
    # The user cancelled it themselves: a reply, not a cancellation notice.
    assert not Delivery.objects.filter(kind=MessageKind.APPOINTMENT_CANCELLED).exists()

    # The time is free for someone else at once.
    again = api.as_(world.worker).post(
        "/api/appointments/",
        {
            "worker": world.worker.pk,
            "meeting_type": world.meeting_type.pk,
            "start": start.isoformat(),
            "user": world.client.pk,
        },
        format="json",
    )
    assert again.status_code == 201


def test_no_without_an_upcoming_appointment_says_so(world, sms):
    sms("NEI")
    assert the_reply(world.client) == "no_appointment"
    assert not Delivery.objects.filter(kind=MessageKind.STAFF_ALERT).exists()


def test_a_repeated_cancel_webhook_does_not_cancel_the_meeting_after(world, api, sms):
    monday = next_weekday(0)
    first = book(world, api, local(monday, 13))
    second = book(world, api, local(monday + timedelta(days=7), 13))
    sms("NEI", message_id="same")
    sms("NEI", message_id="same")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Appointment.Status.CANCELLED
    assert second.status == Appointment.Status.BOOKED
    assert len(replies(world.client)) == 1


# --- Medication ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["OK", "TATT", "ok", "Tatt!"])
def test_ok_marks_the_last_sent_medication_reminder_taken(world, sms, text):
    plan = make_plan(world.client)
    now = timezone.now()
    earlier = now - timedelta(hours=3)
    latest = now - timedelta(minutes=30)
    for when in (earlier, latest):
        make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=when, status="sent")
    # A reminder not sent yet is not the one being answered.
    make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=now + timedelta(minutes=5))

    sms(text)

    log = MedicationLog.objects.get()
    assert (log.plan, log.occurrence_at, log.status, log.via) == (plan, latest, MedicationLog.Status.TAKEN, "sms")
    assert the_reply(world.client) == "taken"


def test_ok_with_nothing_to_mark_says_so(world, sms):
    plan = make_plan(world.client)
    old = timezone.now() - timedelta(hours=13)
    make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=old, status="sent")
    sms("OK")
    assert not MedicationLog.objects.exists()
    assert the_reply(world.client) == "nothing_to_mark"


# --- Call me -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["RING MEG", "CALL ME", "ring meg!", "Ring  meg", "call"])
def test_call_me_asks_the_worker_to_call(world, sms, text):
    sms(text)
    task = FollowUpTask.objects.get()
    assert (task.kind, task.worker, task.client) == (FollowUpTask.Kind.CALL_BACK, world.worker, world.client)
    alert = Delivery.objects.get(kind=MessageKind.STAFF_ALERT)
    assert alert.recipient == world.worker
    assert alert.context["task"] == "call_back"
    assert the_reply(world.client) == "call_back"


def test_the_same_message_twice_is_handled_once(world, sms):
    assert sms("RING MEG", message_id="gw-msg-1").status_code == 204
    assert sms("RING MEG", message_id="gw-msg-1").status_code == 204
    assert FollowUpTask.objects.count() == 1
    assert Delivery.objects.filter(kind=MessageKind.STAFF_ALERT).count() == 1
    assert len(replies(world.client)) == 1
    assert InboundSms.objects.count() == 1


# --- Stop ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["STOPP", "STOP", "stopp."])
def test_stop_turns_sms_off_with_exactly_one_confirmation(world, sms, sms_file, text):
    sms(text)
    prefs = ReminderPreferences.objects.get(user=world.client)
    assert prefs.sms_enabled is False
    [reply] = replies(world.client)
    assert reply.context["reply"] == "stopped"
    assert reply.context["force_sms"] is True

    dispatch()
    messages = sent_sms(sms_file)
    assert len(messages) == 1
    assert messages[0]["to"] == CLIENT_NUMBER
    assert messages[0]["text"].startswith("Du får ikke flere SMS fra oss.")

    # Later reminders do not go out by SMS, however often the dispatcher runs.
    make_delivery(world.client)
    for _ in range(3):
        dispatch()
    assert len(sent_sms(sms_file)) == 1
    assert not Delivery.objects.filter(
        recipient=world.client, channel="sms", status__in=[Delivery.Status.SCHEDULED, Delivery.Status.SENDING]
    ).exists()
    assert Delivery.objects.filter(recipient=world.client).count() == 2


@pytest.mark.usefixtures("no_quiet_hours")
def test_after_stop_a_user_with_email_gets_reminders_by_email(world, sms, sms_file, mailoutbox):
    world.client.email = "anna@example.no"
    world.client.save()
    sms("STOPP")
    dispatch()
    make_delivery(world.client, context={"title": "Gå tur"})
    dispatch()
    dispatch()
    assert len(sent_sms(sms_file)) == 1  # only the confirmation
    assert [m.to for m in mailoutbox] == [["anna@example.no"]]


def test_start_after_stop_turns_sms_reminders_back_on_with_one_confirmation(world, sms, sms_file):
    sms("STOPP")
    sms("START")
    assert ReminderPreferences.objects.get(user=world.client).sms_enabled is True
    assert [r.context["reply"] for r in replies(world.client)] == ["stopped", "started"]

    dispatch()
    texts = [m["text"] for m in sent_sms(sms_file)]
    assert len(texts) == 2
    assert texts[1].startswith("SMS er slått på igjen.")

    # A reminder planned afterwards goes out by SMS again.
    make_delivery(world.client, context={"title": "Gå tur"})
    dispatch()
    messages = sent_sms(sms_file)
    assert len(messages) == 3
    assert messages[2]["to"] == CLIENT_NUMBER


@pytest.mark.parametrize("text", ["JA", "ja", "Yes"])
def test_ja_after_stop_turns_sms_back_on_and_confirms_no_meeting(world, sms, sms_file, text):
    meeting = make_appointment(world.meeting_type, world.client, local(next_weekday(2, 2), 10))
    sms("STOPP")
    dispatch()
    assert "Svar JA eller START" in sent_sms(sms_file)[0]["text"]

    sms(text)

    assert ReminderPreferences.objects.get(user=world.client).sms_enabled is True
    assert [r.context["reply"] for r in replies(world.client)] == ["stopped", "started"]
    meeting.refresh_from_db()
    assert meeting.confirmed_at is None
    # Once SMS is on again, JA means what it always did: it confirms the next meeting.
    sms(text)
    meeting.refresh_from_db()
    assert meeting.confirmed_at is not None


def test_one_after_stop_does_not_turn_sms_back_on(world, sms, sms_file):
    sms("STOPP")
    sms("1")
    assert ReminderPreferences.objects.get(user=world.client).sms_enabled is False


def test_start_twice_changes_nothing_more_and_gets_a_friendly_answer(world, sms, sms_file):
    sms("STOPP")
    sms("start")
    sms("Start!")
    assert ReminderPreferences.objects.get(user=world.client).sms_enabled is True
    assert [r.context["reply"] for r in replies(world.client)] == ["stopped", "started", "already_on"]


def test_start_when_sms_was_never_off_says_it_is_already_on(world, sms, sms_file):
    sms("START")
    assert the_reply(world.client) == "already_on"
    assert not ReminderPreferences.objects.filter(user=world.client, sms_enabled=False).exists()
    dispatch()
    [message] = sent_sms(sms_file)
    assert message["text"].startswith("SMS er allerede på.")


def test_the_answer_to_start_is_in_the_persons_language(world, sms, sms_file):
    world.client.language = "en"
    world.client.save()
    sms("STOP")
    sms("START")
    dispatch()
    texts = [m["text"] for m in sent_sms(sms_file)]
    assert texts[0].startswith("You will get no more SMS from us. Reply YES or START")
    assert texts[1].startswith("SMS is on again.")


def test_start_from_an_unknown_number_changes_nothing_and_says_nothing(world, sms):
    ReminderPreferences.objects.create(user=world.client, sms_enabled=False)
    known = sms("Hei")
    Delivery.objects.all().delete()

    unknown = sms("START", sender="+4799999999")
    assert (unknown.status_code, unknown.content) == (known.status_code, known.content)
    assert not Delivery.objects.exists()
    assert ReminderPreferences.objects.get(user=world.client).sms_enabled is False
    assert set(InboundSms.objects.exclude(sender=world.client).values_list("sender", "keyword")) == {(None, "unknown")}


# --- Anything else, and strangers ----------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  "])
def test_a_text_with_no_words_gets_the_help_reply(world, sms, text):
    assert sms(text).status_code == 204
    assert the_reply(world.client) == "help"


@pytest.mark.parametrize("text", ["Hei, når er møtet?", "ja takk", "🙂"])
def test_other_text_is_written_to_the_worker_and_the_reply_says_so(world, sms, text):
    # Words that are no keyword are a message in the conversation with the worker
    # (conversations.sms_inbound, registered with free_text_handler_register).
    assert sms(text).status_code == 204
    assert the_reply(world.client) == "conversation_sent"


def test_the_number_may_come_without_the_country_code(world, sms):
    sms("RING MEG", sender="40000001")
    assert FollowUpTask.objects.filter(client=world.client).count() == 1


def test_an_unknown_sender_gets_the_same_answer_and_nothing_happens(world, sms):
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    known = sms("Hei")
    Delivery.objects.all().delete()

    for text in ("NEI", "RING MEG", "STOPP", "JA", "Hei"):
        unknown = sms(text, sender="+4799999999")
        assert (unknown.status_code, unknown.content) == (known.status_code, known.content)

    assert not Delivery.objects.exists()
    assert not FollowUpTask.objects.exists()
    # Only the message ids are kept (to answer a repeated webhook once), not who sent them.
    strangers = InboundSms.objects.exclude(sender=world.client)
    assert set(strangers.values_list("sender", "keyword")) == {(None, "unknown")}
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.confirmed_at is None


def test_staff_texting_in_is_treated_like_a_stranger(world, sms):
    PhoneNumber.objects.create(user=world.worker, number="+4790000001", is_active=True)
    assert sms("RING MEG", sender="+4790000001").status_code == 204
    assert not Delivery.objects.exists()
    assert not FollowUpTask.objects.exists()


def test_a_deactivated_user_is_treated_like_a_stranger(world, sms):
    world.client.is_active = False
    world.client.save()
    assert sms("RING MEG").status_code == 204
    assert not Delivery.objects.exists()
    assert not FollowUpTask.objects.exists()


def test_a_malformed_body_is_refused(world, api, sms):
    response = post_signed(api.anonymous(), INBOUND, {"text": "JA"})
    assert response.status_code == 400
    assert not InboundSms.objects.exists()
