"""Discreet texts (the default) name no person and show no title, amount, medicine or dose:
every kind of message that can go by SMS, in every variant and both languages."""

import pytest

from messaging.texts import render
from reminders.models import MessageKind
from reminders.schedule import sms_segments
from tests.reminders.support import OSLO, at

# Whatever a message may be about, each easy to find in a text.
SECRETS = {
    "title": "Subutexhenting",
    "dose": "16 mg",
    "amount": "12345",
    "worker": "Kari-Marianne",
    "staff": "Torbjørn",
    "peer": "Sigrunn",
    "client": "Ingeborg",
    "place": "Storgata 99",
}
# Staff-facing alerts carry the person's initials only (the services that write them see to
# it), never a name; the initials are how a worker knows whom to look up.
INITIALS = "Q.Z."
SUMMARY_ITEMS = [
    {"time": "08:00", "text": "Metadon 80 mg", "what": "routine"},
    {"time": "10:00", "text": "Kari-Marianne", "what": "appointment"},
    {"time": "12:00", "text": "Husleie 8 500 kr", "what": "money"},
]
REPLIES = (
    "confirmed",
    "cancelled",
    "no_appointment",
    "taken",
    "nothing_to_mark",
    "call_back",
    "stopped",
    "started",
    "already_on",
    "help",
    "conversation_sent",
    "conversation_no_name",
    "conversation_help",
)
STAFF_TASKS = (
    "call_back",
    "phone_failed",
    "appointment_cancelled",
    "medication_unconfirmed",
    "calendar_clash",
    "calendar_failing",
)
CASES = [
    ("appointment", {"mode": "in_person"}),
    ("appointment_booked", {}),
    ("appointment_moved", {}),
    ("appointment_cancelled", {}),
    ("medication", {}),
    *[("money", {"money_kind": money_kind}) for money_kind in ("payday", "bill", "budget")],
    ("routine", {}),
    ("summary", {"items": SUMMARY_ITEMS}),
    *[("reply", {"reply": reply, "to": SECRETS["peer"]}) for reply in REPLIES],
    *[("staff_alert", {"task": task, "client": INITIALS}) for task in STAFF_TASKS],
    *[("help_alert", {"client": INITIALS, "escalated": escalated}) for escalated in (False, True)],
    *[("group_meeting", {"client": INITIALS, "event": event}) for event in ("booked", "moved", "cancelled")],
    *[("peer_pool", {"what": what}) for what in ("check_in", "invitation", "cancelled", "moved", "request")],
    *[("peer_assigned", {"what": what}) for what in ("invitation", "request")],
    *[
        ("help_answer", {"answer": answer, "opens": True, "crisis_name": "Kirkens SOS", "crisis_number": "22400040"})
        for answer in ("on_duty", "acknowledged", "closed")
    ],
    ("help_acknowledged", {}),
    *[("waiting_offer", {"what": what, "until": "14:00"}) for what in ("offer", "taken", "declined")],
    ("handover", {"moved": 2, "reoffered": 1}),
    *[("conversation", {"author": SECRETS["worker"], "reply": reply}) for reply in (True, False)],
    *[
        ("sms_booking", {"what": what, "times": [{"day": "tir 8.12.", "time": "10:00"}] * 3, "phone": "22334455"})
        for what in ("offer", "taken", "booked", "already_booked", "limit", "none")
    ],
]


def _case_id(case: tuple[str, dict]) -> str:
    kind, context = case
    variant = [
        str(context[key]) for key in ("money_kind", "reply", "task", "event", "what", "answer") if key in context
    ]
    return "-".join([kind, *variant, *(["escalated"] if context.get("escalated") else [])])


def test_the_cases_cover_every_kind_of_message_that_can_go_by_sms():
    assert {kind for kind, _context in CASES} == set(MessageKind.values)


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize(("kind", "context"), CASES, ids=[_case_id(case) for case in CASES])
def test_a_discreet_text_shows_no_name_title_amount_or_medicine(kind, context, language):
    _subject, text = render(
        kind=kind,
        language=language,
        tz=OSLO,
        at=at(2027, 9, 29, 10, 30),
        context={**SECRETS, **context, "discreet": True},
    )
    assert text
    shown = [secret for secret in (*SECRETS.values(), *(item["text"] for item in SUMMARY_ITEMS)) if secret in text]
    assert not shown, f"{kind}: {text}"
    assert sms_segments(text) == 1, f"{len(text)} characters: {text}"


@pytest.mark.parametrize("language", ["nb", "en"])
def test_with_discreet_off_a_meeting_names_the_worker_and_a_payday_its_source(language):
    context = {**SECRETS, "discreet": False}
    moment = at(2027, 9, 29, 10, 30)
    _subject, meeting = render(kind="appointment", language=language, tz=OSLO, at=moment, context=context)
    _subject, payday = render(
        kind="money", language=language, tz=OSLO, at=moment, context={**context, "money_kind": "payday"}
    )
    assert SECRETS["worker"] in meeting
    assert SECRETS["title"] in payday
