"""What the messages say: discreet by default, one SMS segment, the person's language and
time zone."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from messaging.models import Delivery
from messaging.texts import render
from reminders import services
from reminders.models import MessageKind
from reminders.schedule import sms_segments
from reminders.services.plans import _plan_context
from tests.reminders.support import OSLO, at, dispatch, make_delivery, make_plan, sent_sms

pytestmark = pytest.mark.django_db

# A Wednesday in September: among the longest weekday and month names in both languages.
LONG_DAY = at(2027, 9, 29, 10, 30)
WORKER = "Kari-Marianne"
CLIENT = "A.N."

# Three offered times as the longest days and times would be written (booking by SMS).
LONG_TIMES = [{"day": "lør 30.12.", "time": "15:30"}] * 3
APPOINTMENT = {"worker": WORKER, "place": "Storgata 1, 2. etasje", "mode": "in_person"}
MESSAGES = [
    ("appointment", APPOINTMENT),
    ("appointment_booked", APPOINTMENT),
    ("appointment_moved", APPOINTMENT),
    ("appointment_cancelled", APPOINTMENT),
    ("medication", {"title": "Metadon", "dose": "80 mg"}),
    ("money", {"title": "Husleie og strøm", "money_kind": "bill", "amount": "12500"}),
    ("money", {"title": "Sosialhjelp", "money_kind": "payday", "amount": "7400"}),
    ("money", {"title": "Ukesbudsjett", "money_kind": "budget", "amount": "1200"}),
    ("routine", {"title": "Ta med legitimasjon til NAV"}),
    *[
        ("reply", {"reply": reply, "worker": WORKER})
        for reply in (
            "confirmed",
            "cancelled",
            "no_appointment",
            "taken",
            "nothing_to_mark",
            "call_back",
            "stopped",
            "started",
            "already_on",
            "conversation_sent",
            "conversation_no_name",
            "conversation_help",
        )
    ],
    *[("reply", {"reply": "conversation_sent", "to": WORKER})],
    *[("conversation", {"author": WORKER, "reply": reply}) for reply in (True, False)],
    ("reply", {"reply": "help"}),
    *[
        ("sms_booking", {"what": what, "times": LONG_TIMES, "phone": "22 33 44 55", **APPOINTMENT})
        for what in ("offer", "taken", "booked", "already_booked", "limit", "none")
    ],
    *[
        ("staff_alert", {"task": task, "client": CLIENT})
        for task in ("call_back", "phone_failed", "appointment_cancelled", "medication_unconfirmed")
    ],
]


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("discreet", [True, False])
@pytest.mark.parametrize(("kind", "context"), MESSAGES, ids=lambda v: v if isinstance(v, str) else "")
def test_every_sms_fits_one_gsm7_segment(kind, context, discreet, language):
    _subject, text = render(
        kind=kind, language=language, tz=OSLO, at=LONG_DAY, context={**context, "discreet": discreet}
    )
    assert text
    assert "{" not in text
    assert "  " not in text
    assert sms_segments(text) == 1, f"{len(text)} characters: {text}"
    # One segment in GSM-7 means every character is in the GSM alphabet, not just short.
    assert sms_segments(text + "x" * (160 - len(text))) == 1


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_long_day_is_written_out_in_the_language(language):
    _subject, text = render(kind="appointment", language=language, tz=OSLO, at=LONG_DAY, context=APPOINTMENT)
    expected = {"nb": "onsdag 29. september kl. 10:30", "en": "Wednesday 29. September at 10:30"}[language]
    assert expected in text


@pytest.mark.parametrize("language", ["nb", "en"])
def test_discreet_medication_texts_name_no_medicine_or_dose(language):
    _subject, text = render(
        kind="medication",
        language=language,
        tz=OSLO,
        at=LONG_DAY,
        context={"title": "Metadon", "dose": "80 mg", "discreet": True},
    )
    assert "Metadon" not in text
    assert "80" not in text
    assert "10:30" in text


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("money_kind", ["bill", "payday", "budget"])
def test_discreet_money_texts_name_no_amount(language, money_kind):
    _subject, text = render(
        kind="money",
        language=language,
        tz=OSLO,
        at=LONG_DAY,
        context={"title": "Husleie", "money_kind": money_kind, "amount": "8500", "discreet": True},
    )
    assert "8500" not in text
    assert "kr" not in text.split()


def test_discreet_appointment_texts_name_no_place():
    _subject, text = render(
        kind="appointment", language="nb", tz=OSLO, at=LONG_DAY, context={**APPOINTMENT, "discreet": True}
    )
    assert "Storgata" not in text


# --- Through the dispatcher ----------------------------------------------------------------


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def send_plan_reminder(plan, due):
    row = make_delivery(
        plan.owner,
        kind=plan.kind,
        plan=plan,
        due_at=due,
        context=_plan_context(plan),
    )
    dispatch(due)
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT
    return row


def test_medication_reminders_are_discreet_by_default(world, sms_file):
    plan = make_plan(world.client, title="Metadon", dose="80 mg")
    send_plan_reminder(plan, timezone.now())
    [message] = sent_sms(sms_file)
    assert "Metadon" not in message["text"]
    assert "80 mg" not in message["text"]
    assert message["text"].startswith("Påminnelse kl. ")


def test_with_discreet_off_the_medicine_and_dose_are_named(world, sms_file):
    prefs = services.preferences_for(world.client)
    prefs.discreet = False
    prefs.save()
    plan = make_plan(world.client, title="Metadon", dose="80 mg")
    send_plan_reminder(plan, timezone.now())
    [message] = sent_sms(sms_file)
    assert "Husk Metadon 80 mg kl." in message["text"]


def test_money_amounts_are_shown_only_with_discreet_off(world, sms_file):
    plan = make_plan(
        world.client,
        kind="money",
        money_kind="bill",
        title="Husleie",
        dose="",
        amount=8500,
        rrule="FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0",
    )
    send_plan_reminder(plan, timezone.now())
    prefs = services.preferences_for(world.client)
    prefs.discreet = False
    prefs.save()
    send_plan_reminder(plan, timezone.now() + timedelta(seconds=1))
    discreet, open_ = (m["text"] for m in sent_sms(sms_file))
    assert "8500" not in discreet
    assert "8500 kr" in open_


def test_the_language_follows_the_user(world, sms_file):
    world.client.language = "en"
    world.client.save()
    plan = make_plan(world.client)
    send_plan_reminder(plan, timezone.now())
    [message] = sent_sms(sms_file)
    assert message["text"].startswith("Reminder for ")
    assert message["text"].endswith("Reply OK when done.")


def test_times_are_in_the_users_time_zone(world, sms_file):
    world.client.timezone = "Europe/London"
    world.client.save()
    now = timezone.now()
    meeting = now.astimezone(OSLO).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=2)
    make_delivery(
        world.client,
        kind=MessageKind.APPOINTMENT,
        due_at=now,
        occurrence_at=meeting,
        expires_at=meeting,
        context={"worker": "Kari", "place": "Storgata 1", "mode": "in_person"},
    )
    dispatch(now)
    [message] = sent_sms(sms_file)
    london = meeting.astimezone(ZoneInfo("Europe/London"))
    assert f"kl. {london:%H:%M}" in message["text"]
    assert "kl. 10:00" not in message["text"]


def test_a_routine_names_its_title_and_local_time_with_discreet_off(world, sms_file):
    prefs = services.preferences_for(world.client)
    prefs.discreet = False
    prefs.save()
    now = timezone.now()
    make_delivery(world.client, due_at=now, context={"title": "Gå tur"})
    dispatch(now)
    [message] = sent_sms(sms_file)
    assert message["text"] == f"Kl. {now.astimezone(OSLO):%H:%M}: Gå tur"


def test_a_discreet_routine_gives_only_the_local_time(world, sms_file):
    now = timezone.now()
    make_delivery(world.client, due_at=now, context={"title": "Gå tur"})
    dispatch(now)
    [message] = sent_sms(sms_file)
    assert message["text"] == f"Påminnelse kl. {now.astimezone(OSLO):%H:%M}."


def test_the_email_subject_is_in_the_language():
    for language, subject in (("nb", "Påminnelse fra Triangel"), ("en", "Reminder from Triangel")):
        got, _text = render(kind="routine", language=language, tz=OSLO, at=LONG_DAY, context={"title": "x"})
        assert got == subject


def test_an_unknown_language_falls_back_to_norwegian():
    _subject, text = render(kind="routine", language="se", tz=OSLO, at=LONG_DAY, context={"title": "Gå tur"})
    assert text == "Kl. 10:30: Gå tur"
