"""Booking by SMS alone: TIME/BESTILL offers three free times of the person's own worker, and a
reply 1, 2 or 3 within 30 minutes books one through the booking service, once."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from booking.models import Appointment
from messaging.models import Delivery
from reminders import inbound
from reminders.models import MessageKind, ReminderPreferences, SmsBookingOffer
from reminders.schedule import sms_segments
from tests.factories import make_appointment, make_meeting_type, make_person
from tests.reminders.support import at, dispatch, sent_sms

pytestmark = pytest.mark.django_db

NUMBER = "+4740000001"
# A Monday in March, no holiday near: the calendar is open 08:00–11:30 and 12:00–15:30 on
# weekdays, meetings last 45 minutes and need two hours' notice.
MONDAY = at(2027, 3, 1, 9, 0)
_ids = count(1)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def sms(text, now, sender=NUMBER):
    return inbound.sms_inbound(sender_number=sender, text=text, provider_message_id=f"b-{next(_ids)}", now=now)


def answers(user):
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.SMS_BOOKING).order_by("pk"))


def last_answer(user):
    return answers(user)[-1]


def texts(path):
    return [message["text"] for message in sent_sms(path)]


def booked(user):
    return list(Appointment.objects.filter(client=user, status=Appointment.Status.BOOKED).order_by("start"))


# --- Asking for times ------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["TIME", "BESTILL", "time", "Bestill."])
def test_time_or_bestill_answers_with_three_numbered_free_times_in_one_sms(world, sms_file, word):
    assert sms(word, MONDAY) == "book"

    answer = last_answer(world.client)
    assert answer.context["what"] == "offer"
    assert answer.context["force_sms"] is True
    dispatch(MONDAY)
    [text] = texts(sms_file)
    # Two hours' notice from 09:00, then two hours apart: 11:00 does not fit before 11:30.
    assert (
        text == "Ledige tider: 1) man 1.3. 12:00, 2) man 1.3. 14:00, 3) tir 2.3. 08:00. Svar 1, 2 eller 3 innen 30 min."
    )
    assert sms_segments(text) == 1
    offer = SmsBookingOffer.objects.get(user=world.client)
    assert offer.meeting_type == world.meeting_type
    assert offer.expires_at == MONDAY + timedelta(minutes=30)


def test_the_offer_is_for_the_meeting_type_the_person_uses_most(world):
    usual = make_meeting_type(world.calendar, name="Oppfølging", duration_minutes=30)
    for week in (1, 2):
        make_appointment(usual, world.client, at(2027, 1, 4 + 7 * week, 10), status=Appointment.Status.COMPLETED)
    make_appointment(world.meeting_type, world.client, at(2027, 1, 5, 10), status=Appointment.Status.COMPLETED)

    sms("TIME", MONDAY)

    assert SmsBookingOffer.objects.get(user=world.client).meeting_type == usual


def test_with_no_worker_the_answer_says_whom_to_call(world, sms_file):
    world.unit.phone = "+4722334455"
    world.unit.save()
    make_person("service_user", world.unit, phone="+4740000009", first_name="Per")

    sms("TIME", MONDAY, sender="+4740000009")
    dispatch(MONDAY)

    assert texts(sms_file) == ["Vi fant ingen ledige tider nå. Ring oss på 22 33 44 55."]
    assert not SmsBookingOffer.objects.exists()


def test_with_no_type_to_book_the_answer_offers_a_call(world, sms_file):
    world.meeting_type.is_active = False
    world.meeting_type.save()

    sms("TIME", MONDAY)
    dispatch(MONDAY)

    assert texts(sms_file) == ["Vi fant ingen ledige tider nå. Svar RING MEG, så ringer vi deg."]


def test_a_stranger_asking_for_times_gets_nothing(world):
    assert sms("TIME", MONDAY, sender="+4740000099") == "unknown"
    assert not Delivery.objects.exists()
    assert not SmsBookingOffer.objects.exists()


def test_a_person_who_turned_sms_off_still_gets_the_times_they_asked_for(world, sms_file):
    ReminderPreferences.objects.create(user=world.client, sms_enabled=False)
    sms("BESTILL", MONDAY)
    dispatch(MONDAY)
    assert texts(sms_file)[0].startswith("Ledige tider: 1) man 1.3. 12:00")


# --- Choosing ------------------------------------------------------------------------------


def test_a_choice_books_that_time_through_the_booking_service(world, sms_file):
    sms("TIME", MONDAY)
    assert sms("2", MONDAY + timedelta(minutes=5)) == "book"

    [appointment] = booked(world.client)
    assert appointment.start == at(2027, 3, 1, 14, 0)
    assert appointment.meeting_type == world.meeting_type
    assert appointment.booked_by == world.client
    offer = SmsBookingOffer.objects.get(user=world.client)
    assert offer.appointment == appointment
    assert offer.used_at is not None
    # Reminders planned as for a booking on the web.
    reminders = Delivery.objects.filter(kind=MessageKind.APPOINTMENT, about="appointment", about_id=appointment.pk)
    assert reminders.exists()
    # The answer is the confirmation: the usual "booked" notice does not go as well.
    assert not Delivery.objects.filter(kind=MessageKind.APPOINTMENT_BOOKED, status=Delivery.Status.SCHEDULED).exists()

    dispatch(MONDAY + timedelta(minutes=5))
    assert texts(sms_file)[-1] == "Møtet er booket mandag 1. mars kl. 14:00. Du får påminnelse før møtet."


def test_with_discreet_texts_off_the_answer_names_the_worker_and_the_place(world, sms_file):
    ReminderPreferences.objects.create(user=world.client, discreet=False)
    sms("TIME", MONDAY)
    sms("1", MONDAY + timedelta(minutes=1))
    dispatch(MONDAY + timedelta(minutes=1))
    offer_text, booked_text = texts(sms_file)
    assert offer_text.startswith("Ledige tider hos Kari: 1) man 1.3. 12:00")
    assert booked_text == "Møtet med Kari er booket mandag 1. mars kl. 12:00, Storgata 1. Du får påminnelse før møtet."


def test_an_answer_sent_twice_books_once_and_the_second_is_told_what_was_booked(world, sms_file):
    sms("TIME", MONDAY)
    sms("1", MONDAY + timedelta(minutes=2))
    sms("3", MONDAY + timedelta(minutes=3))

    [appointment] = booked(world.client)
    assert appointment.start == at(2027, 3, 1, 12, 0)
    assert [a.context["what"] for a in answers(world.client)] == ["offer", "booked", "already_booked"]
    dispatch(MONDAY + timedelta(minutes=3))
    assert texts(sms_file)[-1] == "Du har allerede booket møtet mandag 1. mars kl. 12:00."


def test_a_time_taken_meanwhile_gets_an_apology_and_three_new_times(world, sms_file):
    sms("TIME", MONDAY)
    first = SmsBookingOffer.objects.get(user=world.client)
    make_appointment(world.meeting_type, world.other_client, at(2027, 3, 1, 12, 0))

    sms("1", MONDAY + timedelta(minutes=4))

    assert booked(world.client) == []
    assert last_answer(world.client).context["what"] == "taken"
    dispatch(MONDAY + timedelta(minutes=4))
    assert texts(sms_file)[-1] == (
        "Beklager, timen ble tatt. Nye ledige tider: 1) man 1.3. 13:00, 2) tir 2.3. 08:00, 3) tir 2.3. 10:00. "
        "Svar 1, 2 eller 3 innen 30 min."
    )
    first.refresh_from_db()
    assert first.expires_at == MONDAY + timedelta(minutes=4)
    # The new offer is the one a reply answers.
    sms("1", MONDAY + timedelta(minutes=6))
    assert [a.start for a in booked(world.client)] == [at(2027, 3, 1, 13, 0)]


def test_after_thirty_minutes_1_no_longer_books_and_confirms_the_next_meeting_as_before(world):
    meeting = make_appointment(world.meeting_type, world.client, at(2027, 3, 3, 10, 0))
    sms("TIME", MONDAY)

    sms("1", MONDAY + timedelta(minutes=31))

    assert booked(world.client) == [meeting]
    meeting.refresh_from_db()
    assert meeting.confirmed_at is not None
    reply = Delivery.objects.get(recipient=world.client, kind=MessageKind.REPLY)
    assert reply.context["reply"] == "confirmed"


def test_without_an_offer_2_gets_the_usual_help_text(world):
    sms("2", MONDAY)
    assert Delivery.objects.get(recipient=world.client, kind=MessageKind.REPLY).context["reply"] == "help"
    assert not answers(world.client)


def test_in_quiet_hours_the_person_gets_the_answers_and_nothing_else(world, sms_file):
    night = at(2027, 3, 1, 23, 0)
    sms("TIME", night)
    sms("1", night + timedelta(minutes=2))

    [appointment] = booked(world.client)
    assert appointment.start == at(2027, 3, 2, 8, 0)
    dispatch(night + timedelta(minutes=2))
    dispatch(night + timedelta(hours=2))
    assert texts(sms_file) == [
        "Ledige tider: 1) tir 2.3. 08:00, 2) tir 2.3. 10:00, 3) tir 2.3. 12:00. Svar 1, 2 eller 3 innen 30 min.",
        "Møtet er booket tirsdag 2. mars kl. 08:00. Du får påminnelse før møtet.",
    ]
    # Nothing else waits to wake them: what is still planned is due after the quiet hours.
    waiting = Delivery.objects.filter(recipient=world.client, status=Delivery.Status.SCHEDULED)
    assert all(row.due_at >= at(2027, 3, 2, 8, 0) for row in waiting)
    assert not waiting.filter(kind=MessageKind.APPOINTMENT_BOOKED).exists()


def test_times_are_oslo_times_across_the_change_from_summer_time(world, sms_file):
    # Friday 29 October 2027 at noon; summer time ends on Sunday 31 October.
    friday = at(2027, 10, 29, 12, 0)
    sms("TIME", friday)
    dispatch(friday)
    assert texts(sms_file) == [
        "Ledige tider: 1) fre 29.10. 14:00, 2) man 1.11. 08:00, 3) man 1.11. 10:00. Svar 1, 2 eller 3 innen 30 min."
    ]
    sms("2", friday + timedelta(minutes=1))
    [appointment] = booked(world.client)
    assert appointment.start == at(2027, 11, 1, 8, 0)
    assert appointment.start.astimezone(UTC).hour == 7


def test_a_person_at_the_limit_for_the_type_is_told_so_and_offered_nothing(world, sms_file):
    world.meeting_type.max_ahead_per_person = 1
    world.meeting_type.save()
    make_appointment(world.meeting_type, world.client, at(2027, 3, 3, 10, 0))

    sms("TIME", MONDAY)

    assert not SmsBookingOffer.objects.exists()
    dispatch(MONDAY)
    assert texts(sms_file) == [
        "Du har allerede så mange slike møter booket som du kan ha. Svar RING MEG om du trenger et til."
    ]


def test_a_choice_made_after_the_limit_was_reached_books_nothing(world):
    world.meeting_type.max_ahead_per_person = 1
    world.meeting_type.save()
    sms("TIME", MONDAY)
    make_appointment(world.meeting_type, world.client, at(2027, 3, 3, 10, 0))

    sms("1", MONDAY + timedelta(minutes=1))

    assert len(booked(world.client)) == 1
    assert last_answer(world.client).context["what"] == "limit"


def test_the_webhook_books_by_sms_as_the_provider_sends_it(world, settings, api):
    from django.utils import timezone

    from tests.reminders.support import WEBHOOK_SECRET, post_signed

    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET
    client = api.anonymous()
    assert (
        post_signed(client, "/api/sms/inbound/", {"from": NUMBER, "text": "TIME", "message_id": "w1"}).status_code
        == 204
    )
    offer = SmsBookingOffer.objects.get(user=world.client)
    assert (
        post_signed(client, "/api/sms/inbound/", {"from": NUMBER, "text": "3", "message_id": "w2"}).status_code == 204
    )

    [appointment] = booked(world.client)
    assert appointment.start == datetime.fromisoformat(offer.starts[2])
    assert appointment.start > timezone.now()


def test_erasing_the_person_erases_the_times_offered_to_them(world):
    from reminders.records import erase

    sms("TIME", MONDAY)
    erase(world.client, MONDAY)
    assert not SmsBookingOffer.objects.exists()


def test_the_help_text_for_a_number_we_did_not_ask_for_says_time_books_a_meeting(world, sms_file):
    # Words go to the worker as a message (conversations); a lone number answers nothing.
    sms("7", MONDAY)

    dispatch(MONDAY)
    [text] = texts(sms_file)
    assert "TIME: ledige tider" in text
    assert sms_segments(text) == 1
