"""Urgent help by SMS: the HJELP / HELP keyword, the answer, and what the texts say."""

from datetime import time, timedelta
from itertools import count

import pytest
from django.utils import timezone

from care.models import HelpAlert, HelpRequest
from care.services import help as services
from messaging.models import Delivery
from messaging.texts import render
from reminders.models import InboundSms, MessageKind
from reminders.schedule import sms_segments
from tests.care.help_support import CRISIS_NAME, CRISIS_NUMBER, END_OF_DAY, OSLO, arrange_rota, open_weekdays, oslo
from tests.reminders.support import WEBHOOK_SECRET, post_signed

pytestmark = pytest.mark.django_db

INBOUND = "/api/sms/inbound/"
CLIENT_NUMBER = "+4740000001"
_ids = count(1)


@pytest.fixture
def sms(settings, api):
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET

    def send(text: str, sender: str = CLIENT_NUMBER):
        return post_signed(api.anonymous(), INBOUND, {"from": sender, "text": text, "message_id": f"h-{next(_ids)}"})

    return send


@pytest.fixture
def open_now(world):
    """Open and on duty all day, every day, so the webhook (which uses the real clock) is inside hours."""
    open_weekdays(world.unit, days=range(7), start=time(0), end=END_OF_DAY)
    return arrange_rota(
        world.unit, world.worker, world.other_worker, world.coordinator, days=range(7), start=time(0), end=END_OF_DAY
    )


@pytest.fixture
def closed_now(world):
    """Open only tomorrow morning."""
    tomorrow = (timezone.now().astimezone(OSLO) + timedelta(days=1)).weekday()
    open_weekdays(world.unit, days=[tomorrow], start=time(8), end=time(9))
    return arrange_rota(
        world.unit, world.worker, world.other_worker, world.coordinator, days=[tomorrow], start=time(8), end=time(9)
    )


def answers(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.HELP_ANSWER).order_by("pk"))


@pytest.mark.parametrize("text", ["HJELP", "hjelp", "Hjelp!", "HELP", "help", " Help. "])
def test_the_keyword_creates_exactly_one_request_and_answers_who_is_on_duty(world, open_now, sms, text):
    assert sms(text).status_code == 204

    [request] = HelpRequest.objects.all()
    assert request.user == world.client
    assert request.via == HelpRequest.Via.SMS
    assert request.status == HelpRequest.Status.ALERTING
    assert InboundSms.objects.get().keyword == "help_now"
    [answer] = answers(world.client)
    assert answer.channel == "sms"
    assert answer.context["answer"] == "on_duty"
    assert answer.context["staff"] == world.worker.first_name
    assert HelpAlert.objects.get().staff == world.worker


def test_texting_again_answers_again_but_makes_no_second_request(world, open_now, sms):
    sms("HJELP")
    sms("HJELP")
    assert HelpRequest.objects.count() == 1
    assert len(answers(world.client)) == 2
    assert Delivery.objects.filter(kind=MessageKind.HELP_ALERT).count() == 1


def test_outside_opening_hours_the_answer_gives_the_emergency_numbers_and_the_crisis_line(world, closed_now, sms):
    sms("HELP")

    request = HelpRequest.objects.get()
    assert request.status == HelpRequest.Status.WAITING
    assert not Delivery.objects.filter(kind=MessageKind.HELP_ALERT).exists()
    [answer] = answers(world.client)
    assert answer.context["answer"] == "closed"
    assert answer.context["crisis_number"] == CRISIS_NUMBER
    assert answer.occurrence_at == request.due_at  # "we will contact you" at the next opening
    for language in ("nb", "en"):
        _subject, text = render(
            kind="help_answer", language=language, tz=OSLO, at=answer.occurrence_at, context=answer.context
        )
        assert "113" in text
        assert "116 117" in text
        assert f"{CRISIS_NAME}: {CRISIS_NUMBER}" in text
        assert "08:00" in text


def test_a_request_by_sms_is_told_when_it_is_routed_at_the_opening(world, closed_now, sms):
    sms("HJELP")
    request = HelpRequest.objects.get()
    services.help_requests_advance(now=request.due_at)
    assert [a.context["answer"] for a in answers(world.client)] == ["closed", "on_duty"]


def test_the_person_who_texted_is_told_when_someone_takes_it(world, open_now, sms):
    sms("HJELP")
    services.help_request_acknowledge(actor=world.worker, request_id=HelpRequest.objects.get().pk)
    assert answers(world.client)[-1].context == {"answer": "acknowledged", "staff": "Kari", "force_sms": True}


def test_an_unknown_sender_gets_the_same_answer_and_no_request(world, open_now, sms):
    known = sms("Hei")
    for text in ("HJELP", "HELP"):
        unknown = sms(text, sender="+4799999999")
        assert (unknown.status_code, unknown.content) == (known.status_code, known.content)
    assert not HelpRequest.objects.exists()
    assert not Delivery.objects.filter(kind__in=[MessageKind.HELP_ALERT, MessageKind.HELP_ANSWER]).exists()


def test_staff_texting_help_is_treated_like_a_stranger(world, open_now, sms):
    from people.models import PhoneNumber

    PhoneNumber.objects.create(user=world.worker, number="+4790000001", is_active=True)
    sms("HJELP", sender="+4790000001")
    assert not HelpRequest.objects.exists()


# --- The texts ------------------------------------------------------------------------------------

LONG_DAY = oslo(2027, 9, 29, 10, 30)
TEXTS = [
    ("help_alert", {"client": "A.N.", "escalated": False}),
    ("help_alert", {"client": "A.N.", "escalated": True}),
    ("help_answer", {"answer": "on_duty", "staff": "Kari-Marianne"}),
    ("help_answer", {"answer": "acknowledged", "staff": "Kari-Marianne"}),
    ("help_answer", {"answer": "closed", "crisis_name": CRISIS_NAME, "crisis_number": CRISIS_NUMBER, "opens": True}),
    ("help_answer", {"answer": "closed", "crisis_name": "", "crisis_number": "", "opens": False}),
]


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize(("kind", "context"), TEXTS, ids=lambda v: v if isinstance(v, str) else "")
def test_every_help_text_fits_one_sms(kind, context, language):
    _subject, text = render(kind=kind, language=language, tz=OSLO, at=LONG_DAY, context=context)
    assert "{" not in text
    assert sms_segments(text) == 1, f"{len(text)} characters: {text}"


def test_the_alert_names_the_person_by_initials_only(world, open_now):
    request, _created = services.help_request_create(user=world.client, message="Fikk tilbakefall i går")
    [alert] = Delivery.objects.filter(kind=MessageKind.HELP_ALERT)
    _subject, text = render(kind="help_alert", language="nb", tz=OSLO, at=alert.occurrence_at, context=alert.context)
    assert world.client.initials in text
    assert world.client.first_name not in text
    assert "tilbakefall" not in text
    assert request.message == "Fikk tilbakefall i går"
