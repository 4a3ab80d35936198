"""A supporter outside the service: a family member or friend named by first name and phone
number. They are asked once by SMS, alerted only after JA and never after STOPP, and the alert
names only the person's first name — never what the reminder was for, a medicine or a time."""

from datetime import timedelta
from itertools import count

import pytest
from django.db import IntegrityError

from config.errors import ApplicationError
from messaging.models import Delivery
from people.models import PhoneNumber
from people.services import person_erase
from reminders import services
from reminders.inbound import sms_inbound
from reminders.models import MedicationLog, MessageKind, Supporter
from reminders.services.supporters import supporter_name, supporter_remove
from tests.reminders.support import at, dispatch, make_delivery, make_plan, sent_sms

pytestmark = pytest.mark.django_db

MAMMA = "+4791234567"
DOSE = at(2027, 1, 5, 12)
_ids = count(1)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def text_from(number: str, text: str, now) -> str:
    return sms_inbound(sender_number=number, text=text, provider_message_id=f"sup-{next(_ids)}", now=now)


def named(*, owner, name: str, raw_number: str, now=None) -> Supporter:
    """Name a supporter and send what is due (the question, unless it waits for the morning)."""
    supporter = supporter_name(owner=owner, name=name, raw_number=raw_number, now=now)
    dispatch(now)
    return supporter


def texts_to(path, number: str) -> list[str]:
    return [m["text"] for m in sent_sms(path) if m["to"] == number]


@pytest.fixture
def plan(world):
    return make_plan(world.client, title="Metadon", dose="80 mg")


def dose_sent(world, plan, when=DOSE):
    make_delivery(
        world.client,
        kind=MessageKind.MEDICATION,
        plan=plan,
        due_at=when,
        expires_at=when + timedelta(hours=2),
        status=Delivery.Status.SENT,
    )


def test_naming_a_supporter_asks_them_once_by_sms_with_only_the_first_name(world, sms_file):
    asked_at = at(2027, 1, 4, 10)
    supporter = named(owner=world.client, name="Mamma", raw_number="912 34 567", now=asked_at)
    dispatch(asked_at)
    assert supporter.status == Supporter.Status.PENDING
    assert str(supporter.number) == MAMMA
    assert texts_to(sms_file, MAMMA) == [
        "Anna vil at du skal få beskjed hvis en påminnelse til Anna ikke blir bekreftet. "
        "Svar JA for å si ja, STOPP for å slutte."
    ]


def test_the_question_waits_for_the_morning_when_named_at_night(world):
    night = at(2027, 1, 4, 23, 30)
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=night)
    [row] = Delivery.objects.filter(kind="supporter")
    assert row.due_at == at(2027, 1, 5, 8)
    assert row.recipient is None


def test_ja_from_the_supporter_agrees_and_is_confirmed(world, sms_file):
    asked_at = at(2027, 1, 4, 10)
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=asked_at)
    assert text_from(MAMMA, "Ja", asked_at + timedelta(minutes=5)) == "supporter_agreed"
    dispatch(asked_at + timedelta(minutes=5))
    supporter = Supporter.objects.get()
    assert supporter.status == Supporter.Status.AGREED
    assert supporter.answered_at == asked_at + timedelta(minutes=5)
    assert texts_to(sms_file, MAMMA)[-1].startswith("Takk! Du får beskjed hvis en påminnelse til Anna")


def test_no_alert_before_the_supporter_says_ja(world, plan, sms_file):
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    dose_sent(world, plan)
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 0
    assert MedicationLog.objects.get().status == MedicationLog.Status.MISSED
    assert not Delivery.objects.filter(kind="supporter", context__what="alert").exists()


def test_a_dose_missed_before_ja_is_not_told_after_it(world, plan):
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    dose_sent(world, plan)
    text_from(MAMMA, "JA", DOSE + timedelta(minutes=30))
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 0


def test_the_alert_names_only_the_first_name_once_per_dose(world, plan, sms_file):
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    text_from(MAMMA, "JA", DOSE - timedelta(days=1))
    dose_sent(world, plan)
    later = DOSE + timedelta(minutes=121)
    assert services.medication_followups(now=later) == 1
    assert services.medication_followups(now=later + timedelta(minutes=10)) == 0
    dispatch(later)
    alert = texts_to(sms_file, MAMMA)[-1]
    assert alert == "Anna har ikke bekreftet påminnelsen sin – kanskje du kan ta kontakt?"
    for secret in ("Metadon", "80 mg", "12:00", "12", world.client.last_name or "Nordmann", "medisin"):
        assert secret.lower() not in alert.lower()
    assert Delivery.objects.filter(kind="supporter", context__what="alert").count() == 1


def test_the_alert_in_english(world, plan, sms_file):
    world.client.language = "en"
    world.client.save(update_fields=["language"])
    named(owner=world.client, name="Mum", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    text_from(MAMMA, "yes", DOSE - timedelta(days=1))
    dose_sent(world, plan)
    services.medication_followups(now=DOSE + timedelta(hours=3))
    dispatch(DOSE + timedelta(hours=3))
    assert texts_to(sms_file, MAMMA)[-1] == "Anna has not confirmed a reminder — maybe check in?"


def test_stopp_ends_it_at_any_time_with_one_confirmation_and_no_more_alerts(world, plan, sms_file):
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    text_from(MAMMA, "JA", DOSE - timedelta(days=1))
    assert text_from(MAMMA, "stopp", DOSE - timedelta(hours=1)) == "supporter_stopped"
    dispatch(DOSE - timedelta(hours=1))
    assert Supporter.objects.get().status == Supporter.Status.STOPPED
    assert texts_to(sms_file, MAMMA)[-1] == "Du får ikke flere meldinger om Anna fra oss."
    dose_sent(world, plan)
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 0
    # A JA after STOPP does not start it again: only the person can ask once more.
    assert text_from(MAMMA, "JA", DOSE + timedelta(hours=4)) == "unknown"
    assert Supporter.objects.get().status == Supporter.Status.STOPPED


def test_an_alert_waiting_for_the_morning_is_not_sent_after_stopp(world, plan, sms_file):
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    text_from(MAMMA, "JA", DOSE - timedelta(days=1))
    evening = at(2027, 1, 5, 21)
    dose_sent(world, plan, when=evening)
    services.medication_followups(now=evening + timedelta(hours=2, minutes=1))
    [alert] = Delivery.objects.filter(kind="supporter", context__what="alert")
    assert alert.due_at == at(2027, 1, 6, 8)
    text_from(MAMMA, "STOPP", at(2027, 1, 6, 7))
    dispatch(at(2027, 1, 6, 8, 1))
    assert "kanskje du kan ta kontakt" not in " ".join(texts_to(sms_file, MAMMA))


def test_one_number_supporting_two_people_answers_for_both(world, sms_file):
    other = world.other_client
    other.first_name = "Bo"
    other.save(update_fields=["first_name"])
    now = at(2027, 1, 4, 10)
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=now)
    named(owner=other, name="Tante", raw_number=MAMMA, now=now)
    text_from(MAMMA, "JA", now)
    assert set(Supporter.objects.values_list("status", flat=True)) == {Supporter.Status.AGREED}
    text_from(MAMMA, "STOPP", now + timedelta(hours=1))
    assert set(Supporter.objects.values_list("status", flat=True)) == {Supporter.Status.STOPPED}
    dispatch(now + timedelta(hours=1))
    assert sorted(t for t in texts_to(sms_file, MAMMA) if t.startswith("Du får ikke")) == [
        "Du får ikke flere meldinger om Anna fra oss.",
        "Du får ikke flere meldinger om Bo fra oss.",
    ]


def test_an_unknown_sender_still_gets_nothing(world, sms_file):
    now = at(2027, 1, 4, 10)
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=now)
    dispatch(now)
    before = len(sent_sms(sms_file))
    for text in ("JA", "STOPP", "hei"):
        assert text_from("+4799999999", text, now) == "unknown"
    # The supporter's own number, with anything but JA or STOPP, is a stranger too.
    assert text_from(MAMMA, "hva er dette?", now) == "unknown"
    assert not Delivery.objects.filter(recipient__isnull=True).exclude(kind="supporter").exists()
    assert Delivery.objects.filter(kind="supporter").count() == 1
    dispatch(now)
    assert len(sent_sms(sms_file)) == before
    assert Supporter.objects.get().status == Supporter.Status.PENDING


def test_naming_a_new_supporter_ends_the_last_and_only_one_is_current(world):
    now = at(2027, 1, 4, 10)
    first = supporter_name(owner=world.client, name="Mamma", raw_number=MAMMA, now=now)
    supporter_name(owner=world.client, name="Pappa", raw_number="+4791234568", now=now)
    first.refresh_from_db()
    assert first.status == Supporter.Status.REMOVED
    # The question to the first, not yet sent, is taken back.
    assert Delivery.objects.get(about_id=first.pk).status == Delivery.Status.CANCELLED
    with pytest.raises(IntegrityError):
        Supporter.objects.create(owner=world.client, name="Tre", number="+4791234569")


def test_a_removed_supporter_is_not_alerted(world, plan):
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    text_from(MAMMA, "JA", DOSE - timedelta(days=1))
    assert supporter_remove(owner=world.client, now=DOSE - timedelta(hours=1)) == 1
    dose_sent(world, plan)
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 0


def test_a_staff_supporter_still_works_beside_a_family_supporter(world, plan, api):
    response = api.as_(world.client).patch(
        "/api/reminder-preferences/", {"followup_supporter": world.peer.pk}, format="json"
    )
    assert response.status_code == 200
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=DOSE - timedelta(days=1))
    text_from(MAMMA, "JA", DOSE - timedelta(days=1))
    dose_sent(world, plan)
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 1
    assert Delivery.objects.filter(recipient=world.peer, kind=MessageKind.STAFF_ALERT).count() == 1
    assert Delivery.objects.filter(kind="supporter", context__what="alert").count() == 1


@pytest.mark.parametrize("raw", ["12", "abc", ""])
def test_a_number_that_is_not_a_phone_number_is_refused(world, raw):
    with pytest.raises(ApplicationError):
        named(owner=world.client, name="Mamma", raw_number=raw)
    assert not Supporter.objects.exists()


def test_the_persons_own_number_is_refused(world):
    with pytest.raises(ApplicationError) as refused:
        named(owner=world.client, name="Meg", raw_number="+4740000001")
    assert refused.value.code == "own_number"


def test_a_service_users_number_keeps_its_own_meaning(world):
    """The sender is a service user: JA is about their own meeting, not someone's supporter."""
    now = at(2027, 1, 4, 10)
    named(owner=world.other_client, name="Venn", raw_number="+4740000001", now=now)
    assert text_from("+4740000001", "JA", now) == "confirm"
    assert Supporter.objects.get().status == Supporter.Status.PENDING


SUPPORTER_API = "/api/reminder-supporter/"


def test_the_person_names_a_supporter_through_the_api_and_sees_their_answer(world, api):
    client = api.as_(world.client)
    assert client.get(SUPPORTER_API).status_code == 404
    response = client.put(SUPPORTER_API, {"name": "Mamma", "number": "91234567"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() | {"named_at": None} == {
        "name": "Mamma",
        "number": MAMMA,
        "status": "pending",
        "named_at": None,
        "answered_at": None,
    }
    assert Delivery.objects.filter(kind="supporter", context__what="ask").count() == 1
    text_from(MAMMA, "STOPP", at(2027, 1, 4, 10))
    assert client.get(SUPPORTER_API).json()["status"] == "stopped"
    assert client.delete(SUPPORTER_API).status_code == 404  # nothing current to take off


def test_the_api_refuses_a_bad_number_with_a_message(world, api):
    response = api.as_(world.client).put(SUPPORTER_API, {"name": "Mamma", "number": "12"}, format="json")
    assert response.status_code == 400
    assert "number" in response.json()["error"]["fields"]


def test_staff_may_see_but_not_name_a_persons_supporter(world, api):
    named(owner=world.client, name="Mamma", raw_number=MAMMA)
    worker = api.as_(world.worker)
    assert worker.get(SUPPORTER_API, {"user": world.client.pk}).json()["name"] == "Mamma"
    assert worker.get(SUPPORTER_API, {"user": world.other_client.pk}).status_code == 404
    response = worker.put(SUPPORTER_API, {"name": "X", "number": "+4791234568"}, format="json")
    assert response.status_code == 400
    assert api.as_(world.other_client).get(SUPPORTER_API).status_code == 404


def test_taking_the_supporter_off_through_the_api(world, api):
    client = api.as_(world.client)
    client.put(SUPPORTER_API, {"name": "Mamma", "number": MAMMA}, format="json")
    assert client.delete(SUPPORTER_API).status_code == 204
    assert client.get(SUPPORTER_API).status_code == 404
    assert Supporter.objects.get().status == Supporter.Status.REMOVED


def test_erasing_a_person_takes_their_supporter_and_the_messages_to_them(world):
    named(owner=world.client, name="Mamma", raw_number=MAMMA)
    person_erase(actor=world.coordinator, person_id=world.client.pk, reason="asked")
    assert not Supporter.objects.exists()
    assert not Delivery.objects.filter(kind="supporter").exists()


def test_a_person_can_ask_only_a_few_people_a_day(world):
    now = at(2027, 1, 4, 10)
    for n in range(3):
        named(owner=world.client, name=f"Venn {n}", raw_number=f"+479123456{n}", now=now)
    with pytest.raises(ApplicationError) as refused:
        named(owner=world.client, name="Venn 4", raw_number="+4791234564", now=now)
    assert refused.value.code == "too_many_asks"
    assert Delivery.objects.filter(kind="supporter", context__what="ask").count() == 3
    named(owner=world.client, name="Venn 4", raw_number="+4791234564", now=now + timedelta(days=1, minutes=1))


def test_a_number_that_said_stopp_is_not_asked_again_by_the_same_person_for_a_month(world):
    now = at(2027, 1, 4, 10)
    named(owner=world.client, name="Mamma", raw_number=MAMMA, now=now)
    text_from(MAMMA, "STOPP", now)
    with pytest.raises(ApplicationError) as refused:
        named(owner=world.client, name="Mamma", raw_number=MAMMA, now=now + timedelta(days=2))
    assert refused.value.code == "supporter_stopped"
    assert "Mamma sa stopp" in refused.value.message
    # Someone else may still ask that number; and the person may again after the month.
    named(owner=world.other_client, name="Tante", raw_number=MAMMA, now=now + timedelta(days=2))
    again = named(owner=world.client, name="Mamma", raw_number=MAMMA, now=now + timedelta(days=31))
    assert again.status == Supporter.Status.PENDING


def test_a_staff_members_own_number_can_answer_as_a_supporter(world):
    """Someone who works in the service may also be a friend: their JA is a supporter's JA."""
    PhoneNumber.objects.create(user=world.peer, number=MAMMA, is_active=True)
    now = at(2027, 1, 4, 10)
    named(owner=world.client, name="Venn", raw_number=MAMMA, now=now)
    assert text_from(MAMMA, "JA", now) == "supporter_agreed"
    assert Supporter.objects.get().status == Supporter.Status.AGREED


def test_ja_before_the_question_has_reached_them_agrees_to_nothing(world):
    night = at(2027, 1, 4, 23, 30)
    supporter_name(owner=world.client, name="Mamma", raw_number=MAMMA, now=night)
    assert text_from(MAMMA, "JA", at(2027, 1, 5, 7)) == "unknown"
    assert Supporter.objects.get().status == Supporter.Status.PENDING
    dispatch(at(2027, 1, 5, 8, 1))
    assert text_from(MAMMA, "JA", at(2027, 1, 5, 8, 5)) == "supporter_agreed"
