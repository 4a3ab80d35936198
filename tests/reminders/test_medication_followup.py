"""Medication follow-up: a dose not confirmed in time is logged as missed and, if the person
chose a supporter, that supporter is alerted once. Time is passed in as ``now``."""

from datetime import timedelta

import pytest

from messaging.models import Delivery
from people.models import PhoneNumber, User
from reminders import services
from reminders.models import MedicationLog, MessageKind, ReminderPreferences
from tests import factories as f
from tests.reminders.support import at, dispatch, make_delivery, make_plan, sent_sms

pytestmark = pytest.mark.django_db

DOSE = at(2027, 1, 5, 12)
PREFS = "/api/reminder-preferences/"


@pytest.fixture
def plan(world):
    return make_plan(world.client, title="Metadon", dose="80 mg")


@pytest.fixture
def sent_dose(world, plan):
    """The 12:00 dose reminder went out."""
    return make_delivery(
        world.client,
        kind=MessageKind.MEDICATION,
        plan=plan,
        due_at=DOSE,
        expires_at=DOSE + timedelta(hours=2),
        status=Delivery.Status.SENT,
    )


@pytest.fixture
def supporter(world, api):
    response = api.as_(world.client).patch(PREFS, {"followup_supporter": world.peer.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["followup_supporter"] == world.peer.pk
    return world.peer


def alerts_to(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.STAFF_ALERT))


def test_an_unconfirmed_dose_is_logged_missed_and_the_supporter_alerted_once(world, plan, sent_dose, supporter):
    later = DOSE + timedelta(minutes=121)  # the default delay is two hours
    assert services.medication_followups(now=later) == 1
    assert services.medication_followups(now=later + timedelta(minutes=5)) == 0

    log = MedicationLog.objects.get()
    assert (log.plan, log.occurrence_at, log.status) == (plan, DOSE, MedicationLog.Status.MISSED)
    assert log.supporter_alerted_at == later
    [alert] = alerts_to(supporter)
    assert alert.context == {
        "task": "medication_unconfirmed",
        "client": world.client.initials,
        "client_id": world.client.pk,
    }
    assert alert.occurrence_at == DOSE
    assert alert.status == Delivery.Status.SCHEDULED


def test_nothing_happens_before_the_delay_has_passed(world, sent_dose, supporter):
    assert services.medication_followups(now=DOSE + timedelta(minutes=119)) == 0
    assert not MedicationLog.objects.exists()
    assert alerts_to(supporter) == []


def test_a_confirmed_dose_raises_no_alert(world, plan, sent_dose, supporter):
    services.medication_mark_taken(plan=plan, occurrence_at=DOSE, via="sms", now=DOSE)
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 0
    assert MedicationLog.objects.get().status == MedicationLog.Status.TAKEN
    assert alerts_to(supporter) == []


def test_without_a_supporter_the_dose_is_logged_missed_but_no_one_is_alerted(world, sent_dose):
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 0
    assert MedicationLog.objects.get().status == MedicationLog.Status.MISSED
    assert not Delivery.objects.filter(kind=MessageKind.STAFF_ALERT).exists()


def test_the_delay_is_the_users_choice(world, api, sent_dose, supporter):
    response = api.as_(world.client).patch(PREFS, {"followup_delay_minutes": 30}, format="json")
    assert response.status_code == 200, response.json()
    assert services.medication_followups(now=DOSE + timedelta(minutes=29)) == 0
    assert services.medication_followups(now=DOSE + timedelta(minutes=31)) == 1


@pytest.mark.parametrize("minutes", [10, 24 * 60 + 1])
def test_a_delay_out_of_range_is_refused(world, api, minutes):
    response = api.as_(world.client).patch(PREFS, {"followup_delay_minutes": minutes}, format="json")
    assert response.status_code == 400
    assert "followup_delay_minutes" in response.json()["error"]["fields"]


def test_a_supporter_must_be_a_peer_or_worker_in_the_unit(world, api):
    stranger = f.make_person(User.Role.PEER, f.make_unit("Nord"))
    for candidate in (stranger, world.other_client, world.coordinator):
        response = api.as_(world.client).patch(PREFS, {"followup_supporter": candidate.pk}, format="json")
        assert response.status_code == 400
        assert "followup_supporter" in response.json()["error"]["fields"]
    # A refused change writes nothing at all.
    assert not ReminderPreferences.objects.filter(user=world.client, followup_supporter__isnull=False).exists()


def test_an_inactive_supporter_is_not_alerted(world, sent_dose, supporter):
    supporter.is_active = False
    supporter.save()
    services.medication_followups(now=DOSE + timedelta(hours=3))
    assert MedicationLog.objects.get().status == MedicationLog.Status.MISSED
    assert alerts_to(supporter) == []


def test_each_dose_is_followed_up_on_its_own(world, plan, supporter):
    evening = DOSE + timedelta(hours=8)
    for when in (DOSE, evening):
        make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=when, status="sent")
    services.medication_mark_taken(plan=plan, occurrence_at=evening, via="api", now=evening)
    assert services.medication_followups(now=evening + timedelta(hours=3)) == 1
    assert [a.occurrence_at for a in alerts_to(supporter)] == [DOSE]


def test_the_alert_to_the_supporter_is_discreet(world, plan, sent_dose, supporter, settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    PhoneNumber.objects.create(user=supporter, number="+4790000002", is_active=True)
    later = DOSE + timedelta(minutes=121)
    services.medication_followups(now=later)
    dispatch(later)
    [message] = sent_sms(tmp_path / "sms.jsonl")
    assert message["to"] == "+4790000002"
    assert message["text"] == (
        f"Triangel: {world.client.initials} har ikke bekreftet en påminnelse kl. 12:00. Ta gjerne kontakt."
    )
