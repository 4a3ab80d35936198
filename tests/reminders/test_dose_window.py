"""A dose can be marked taken only while that makes sense: from MEDICATION_TAKEN_EARLY_MINUTES
before it is due until the plan's next dose is due; the mark can be undone in the same time.
The one service applies it to the web, the API and SMS. Time is passed in as ``now``, or the
API's clock is set."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from config.errors import ApplicationError
from messaging.models import Delivery
from reminders import inbound, services
from reminders.models import MedicationLog, MessageKind
from tests.reminders.support import at, dispatch, make_delivery, make_plan, sent_sms

pytestmark = pytest.mark.django_db

DOSE = at(2027, 1, 5, 8)  # a daily 08:00 dose
LOG = "/api/medication-log/"


@pytest.fixture
def plan(world):
    return make_plan(world.client)


def mark(plan, occurrence_at, now):
    return services.medication_mark_taken(plan=plan, occurrence_at=occurrence_at, via="api", now=now)


def refused(plan, occurrence_at, now) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        mark(plan, occurrence_at, now)
    assert not MedicationLog.objects.filter(plan=plan, occurrence_at=occurrence_at).exists()
    return caught.value


def clock(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- The window -----------------------------------------------------------------------------


def test_tomorrows_dose_cannot_be_marked_taken_today(plan):
    error = refused(plan, DOSE + timedelta(days=1), now=DOSE + timedelta(hours=2))
    assert error.code == "dose_not_yet_due"
    assert error.extra == {"opens_at": (DOSE + timedelta(days=1, hours=-2)).isoformat()}


def test_a_dose_can_be_marked_from_two_hours_before_it_is_due(plan):
    assert refused(plan, DOSE, now=DOSE - timedelta(minutes=121)).code == "dose_not_yet_due"
    assert mark(plan, DOSE, now=DOSE - timedelta(minutes=120)).status == MedicationLog.Status.TAKEN


def test_how_early_is_a_setting(plan, settings):
    settings.MEDICATION_TAKEN_EARLY_MINUTES = 30
    assert refused(plan, DOSE, now=DOSE - timedelta(minutes=31)).code == "dose_not_yet_due"
    assert mark(plan, DOSE, now=DOSE - timedelta(minutes=30))


def test_a_dose_can_be_marked_until_the_next_dose_is_due(plan):
    assert mark(plan, DOSE, now=DOSE + timedelta(hours=23, minutes=59))
    MedicationLog.objects.all().delete()
    error = refused(plan, DOSE, now=DOSE + timedelta(days=1))
    assert error.code == "dose_window_passed"
    assert error.extra == {"closed_at": (DOSE + timedelta(days=1)).isoformat()}


def test_with_two_doses_a_day_the_morning_dose_closes_when_the_evening_dose_is_due(world):
    twice = make_plan(world.client, rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0;BYSECOND=0")
    window = services.dose_window(plan=twice, occurrence_at=DOSE)
    assert (window.opens, window.closes) == (at(2027, 1, 5, 6), at(2027, 1, 5, 20))


def test_the_last_dose_with_no_next_one_known_closes_at_the_end_of_its_day(world):
    weekly = make_plan(world.client, rrule="FREQ=WEEKLY;BYDAY=TU;BYHOUR=21;BYMINUTE=0;BYSECOND=0")
    window = services.dose_window(plan=weekly, occurrence_at=at(2027, 1, 5, 21))
    assert window.closes == at(2027, 1, 6, 0)


# --- Daylight-saving changes in Europe/Oslo ---------------------------------------------------


def test_a_daily_dose_before_the_spring_change_closes_when_the_next_is_due_23_hours_later(plan):
    saturday = at(2026, 3, 28, 8)
    window = services.dose_window(plan=plan, occurrence_at=saturday)
    assert window.closes == at(2026, 3, 29, 8) == datetime(2026, 3, 29, 6, tzinfo=UTC)
    assert window.closes - saturday == timedelta(hours=23)
    assert mark(plan, saturday, now=at(2026, 3, 29, 7, 59))
    MedicationLog.objects.all().delete()
    assert refused(plan, saturday, now=at(2026, 3, 29, 8)).code == "dose_window_passed"


def test_a_dose_in_the_spring_gap_is_due_when_the_clock_resumes_and_opens_two_hours_before(world):
    nightly = make_plan(world.client, rrule="FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYSECOND=0")
    [due] = services.plan_occurrences(plan=nightly, after=at(2026, 3, 29, 0), until=at(2026, 3, 29, 12))
    assert due == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 summer time
    window = services.dose_window(plan=nightly, occurrence_at=due)
    assert window.opens == at(2026, 3, 29, 0)  # two real hours before: midnight, winter time
    assert refused(nightly, due, now=at(2026, 3, 28, 23, 59)).code == "dose_not_yet_due"
    assert mark(nightly, due, now=at(2026, 3, 29, 0))


def test_a_nightly_dose_on_the_autumn_change_stays_open_the_25_hours_until_the_next(world):
    nightly = make_plan(world.client, rrule="FREQ=DAILY;BYHOUR=3;BYMINUTE=0;BYSECOND=0")
    due = at(2026, 10, 25, 3)  # winter time again: 02:00 UTC
    window = services.dose_window(plan=nightly, occurrence_at=due)
    # Two real hours before 03:00 is 02:00 summer time (the first 02:00 of the night).
    assert window.opens == datetime(2026, 10, 25, 0, tzinfo=UTC)
    assert window.opens.astimezone(due.tzinfo).strftime("%H:%M") == "02:00"
    before = services.dose_window(plan=nightly, occurrence_at=at(2026, 10, 24, 3))
    assert before.closes - at(2026, 10, 24, 3) == timedelta(hours=25)
    assert mark(nightly, at(2026, 10, 24, 3), now=datetime(2026, 10, 25, 1, 59, tzinfo=UTC))
    MedicationLog.objects.all().delete()
    assert refused(nightly, at(2026, 10, 24, 3), now=datetime(2026, 10, 25, 2, tzinfo=UTC)).extra == {
        "closed_at": due.isoformat()
    }


def test_a_refusal_speaks_of_local_time_across_the_change(plan):
    sunday = at(2026, 3, 29, 8)
    error = refused(plan, sunday, now=at(2026, 3, 29, 5))
    assert error.message == "Du kan krysse av denne dosen fra 06:00."


# --- API ----------------------------------------------------------------------------------


def test_the_api_refuses_tomorrows_dose_with_a_code_and_a_time(world, api, plan, monkeypatch):
    clock(monkeypatch, DOSE)
    response = api.as_(world.client).post(
        LOG, {"plan": plan.pk, "occurrence_at": (DOSE + timedelta(days=1)).isoformat()}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "dose_not_yet_due"
    assert error["message"] == "Du kan krysse av denne dosen fra 06.01.2027 06:00."
    assert error["opens_at"] == (DOSE + timedelta(days=1, hours=-2)).isoformat()
    assert not MedicationLog.objects.exists()


def test_the_api_refuses_a_dose_whose_time_has_passed(world, api, plan, monkeypatch):
    clock(monkeypatch, DOSE + timedelta(days=2))
    response = api.as_(world.client).post(LOG, {"plan": plan.pk, "occurrence_at": DOSE.isoformat()}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "dose_window_passed"
    assert "06.01.2027 08:00" in response.json()["error"]["message"]


def test_the_api_undoes_taken_until_the_next_dose(world, api, plan, monkeypatch):
    clock(monkeypatch, DOSE)
    me = api.as_(world.client)
    log_id = me.post(LOG, {"plan": plan.pk, "occurrence_at": DOSE.isoformat()}, format="json").json()["id"]

    assert me.delete(f"{LOG}{log_id}/").status_code == 204
    assert not MedicationLog.objects.exists()
    assert me.delete(f"{LOG}{log_id}/").status_code == 404


def test_the_api_refuses_undo_after_the_next_dose_is_due(world, api, plan, monkeypatch):
    log = mark(plan, DOSE, now=DOSE)
    clock(monkeypatch, DOSE + timedelta(days=1))
    response = api.as_(world.client).delete(f"{LOG}{log.pk}/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "undo_window_passed"
    assert MedicationLog.objects.get().status == MedicationLog.Status.TAKEN


def test_nobody_can_undo_another_persons_dose(world, api, monkeypatch):
    theirs = make_plan(world.other_client)
    log = mark(theirs, DOSE, now=DOSE)
    clock(monkeypatch, DOSE)
    assert api.as_(world.client).delete(f"{LOG}{log.pk}/").status_code == 404
    assert MedicationLog.objects.get().status == MedicationLog.Status.TAKEN


def test_a_dose_not_taken_cannot_be_undone(world, api, plan, monkeypatch):
    log = MedicationLog.objects.create(plan=plan, occurrence_at=DOSE, status=MedicationLog.Status.MISSED)
    clock(monkeypatch, DOSE + timedelta(hours=3))
    response = api.as_(world.client).delete(f"{LOG}{log.pk}/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "dose_not_taken"


# --- Undo restores what taken replaced -----------------------------------------------------------


@pytest.fixture
def supporter(world):
    prefs = services.preferences_for(world.client)
    prefs.followup_supporter = world.peer
    prefs.save()
    return world.peer


def alerts_to(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.STAFF_ALERT))


def test_undo_brings_back_the_follow_up_to_the_supporter(world, plan, supporter):
    make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=DOSE, status="sent")
    log = mark(plan, DOSE, now=DOSE + timedelta(minutes=5))
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 0

    assert services.medication_taken_undo(log=log, now=DOSE + timedelta(hours=3)) is None

    assert services.medication_followups(now=DOSE + timedelta(hours=3, minutes=5)) == 1
    assert MedicationLog.objects.get().status == MedicationLog.Status.MISSED
    assert [a.occurrence_at for a in alerts_to(supporter)] == [DOSE]


def test_undo_of_a_dose_taken_after_the_supporter_was_alerted_leaves_it_not_confirmed(world, plan, supporter):
    make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=DOSE, status="sent")
    assert services.medication_followups(now=DOSE + timedelta(hours=3)) == 1
    log = mark(plan, DOSE, now=DOSE + timedelta(hours=4))

    restored = services.medication_taken_undo(log=log, now=DOSE + timedelta(hours=5))

    assert (restored.status, restored.supporter_alerted_at) == (MedicationLog.Status.MISSED, DOSE + timedelta(hours=3))
    # The supporter was told once and is not told again.
    assert services.medication_followups(now=DOSE + timedelta(hours=6)) == 0
    assert len(alerts_to(supporter)) == 1


# --- SMS ---------------------------------------------------------------------------------


def reply_ok(world, now: datetime, message_id: str) -> Delivery:
    inbound.sms_inbound(sender_number="+4740000001", text="OK", provider_message_id=message_id, now=now)
    return Delivery.objects.get(recipient=world.client, kind=MessageKind.REPLY)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def test_ok_by_sms_after_the_next_dose_was_due_says_the_time_is_over(world, sms_file):
    twice = make_plan(world.client, rrule="FREQ=DAILY;BYHOUR=8,9;BYMINUTE=0;BYSECOND=0")
    make_delivery(world.client, kind=MessageKind.MEDICATION, plan=twice, due_at=DOSE, status="sent")
    now = DOSE + timedelta(minutes=90)

    reply = reply_ok(world, now, "late")

    assert reply.context["reply"] == "dose_window_passed"
    assert not MedicationLog.objects.exists()
    dispatch(now)
    [message] = sent_sms(sms_file)
    assert message["text"] == "Tiden for å krysse av dette var ute kl. 09:00."


def test_ok_by_sms_before_the_dose_opens_says_when_it_can_be_marked(world, plan, sms_file):
    tomorrow = DOSE + timedelta(days=1)
    make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=tomorrow, status="sent")
    now = DOSE + timedelta(hours=14)  # 22:00 the evening before

    reply = reply_ok(world, now, "early")

    assert reply.context["reply"] == "dose_not_yet_due"
    assert not MedicationLog.objects.exists()
    dispatch(now)
    [message] = sent_sms(sms_file)
    assert message["text"] == "Dette kan krysses av fra onsdag 6. januar kl. 06:00."


def test_ok_by_sms_in_time_marks_the_dose(world, plan):
    make_delivery(world.client, kind=MessageKind.MEDICATION, plan=plan, due_at=DOSE, status="sent")
    assert reply_ok(world, DOSE + timedelta(minutes=20), "in-time").context["reply"] == "taken"
    assert MedicationLog.objects.get().via == "sms"
