"""Two-way SMS: what a reply from a service user does.

JA/YES/1 confirms the next meeting, NEI/NO/AVLYS cancels it (the time is freed and the
worker told), OK/TATT ticks off the last medication reminder (while the dose may be marked:
``reminders.services.medication.dose_window``; else the answer says when it can), RING MEG/CALL ME
asks the worker to call, STOPP/STOP turns SMS off (with one confirmation), START (or JA/YES while it is off) turns it
back on (answered by SMS even though it was off), HJELP/HELP asks for help now (routed to whoever
is on duty), TIME/BESTILL offers three free times and 1, 2 or 3 books one of them
(``reminders.sms_booking``; while that offer is open, 1 does not mean JA). Anything else gets
a short help text. A supporter outside the service answers JA or STOPP
(``reminders.inbound_supporters``). A sender we do not know gets nothing, so the webhook
reveals nothing about who uses the service.

Apps built on reminders may answer a keyword first (``keyword_handler_register``): care takes
JA and NEI while a waiting-list offer is open, and HJELP, which asks its duty rota for help.
A message that is no keyword may be taken as words for someone (``free_text_handler_register``:
conversations posts it in the person's conversation) before the help text is the answer.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from phonenumber_field.phonenumber import to_python

from booking.models import Appointment
from booking.services import appointment_cancel
from config.errors import ApplicationError
from messaging.models import Delivery
from people.models import PhoneNumber, User
from reminders import services, sms_booking
from reminders.inbound_supporters import supporter_inbound
from reminders.models import FollowUpTask, InboundSms, MessageKind, ReminderPlan, ReminderPreferences
from reminders.sms_words import words_of

KEYWORDS = {
    "confirm": {"JA", "YES", "1", "J", "Y"},
    "cancel": {"NEI", "NO", "AVLYS", "N"},
    "taken": {"OK", "TATT"},
    "call_back": {"RING MEG", "CALL ME", "RING", "CALL"},
    "stop": {"STOPP", "STOP"},
    "start": {"START"},
    "help_now": {"HJELP", "HELP"},
    "book": {"TIME", "BESTILL", "BOOK"},
}
# The words of "confirm" that mean "yes, turn SMS back on" after STOPP's confirmation.
YES_TURNS_SMS_ON = {"JA", "YES", "J", "Y"}


# (person, reference of the inbound message, now) -> whether the handler took the message.
KeywordHandler = Callable[[User, str, datetime], bool]

_first: dict[str, list[KeywordHandler]] = defaultdict(list)


def keyword_handler_register(keyword: str, handler: KeywordHandler) -> None:
    """Let ``handler`` answer ``keyword`` before reminders does; registering it again changes nothing."""
    if handler not in _first[keyword]:
        _first[keyword].append(handler)


# (person, the text as sent, reference of the inbound message, now) -> whether it was taken.
FreeTextHandler = Callable[[User, str, str, datetime], bool]

_free_text: list[FreeTextHandler] = []


def free_text_handler_register(handler: FreeTextHandler) -> None:
    """Let ``handler`` take a message that is no keyword before the help text answers it;
    registering it again changes nothing."""
    if handler not in _free_text:
        _free_text.append(handler)


# (sender's number as received, the text, the person if the number is theirs, reference, now)
# -> whether the handler answered. For questions anyone may ask (INFO): nothing about anyone.
PublicKeywordHandler = Callable[[str, str, User | None, str, datetime], bool]

_public: dict[str, PublicKeywordHandler] = {}


def public_keyword_register(word: str, handler: PublicKeywordHandler) -> None:
    """Let ``handler`` answer messages whose first word is ``word``, from anyone, strangers too.

    Such a keyword must reveal nothing about who uses the service (the directory's INFO)."""
    _public[word.upper()] = handler


def _public_handler(text: str) -> tuple[str, PublicKeywordHandler] | None:
    first = words_of(text).split(" ", 1)[0]
    handler = _public.get(first)
    return (first.lower(), handler) if handler is not None else None


def keyword_of(text: str) -> str:
    normalized = words_of(text)
    for keyword, words in KEYWORDS.items():
        if normalized in words:
            return keyword
    return "other"


def _sender(raw_number: str) -> User | None:
    number = to_python(raw_number, region="NO")
    if not number or not number.is_valid():
        return None
    # Only the number a person uses now speaks for them: an old number (a lost or sold phone)
    # is a stranger, answered by nothing.
    phone = (
        PhoneNumber.objects.filter(number=number, is_active=True, user__is_active=True).select_related("user").first()
    )
    return phone.user if phone else None


def _next_appointment(user: User, now: datetime) -> Appointment | None:
    return (
        Appointment.objects.filter(client=user, status=Appointment.Status.BOOKED, start__gt=now)
        .select_related("calendar__owner", "meeting_type")
        .order_by("start")
        .first()
    )


def sms_inbound(*, sender_number: str, text: str, provider_message_id: str, now: datetime | None = None) -> str:
    """Act on one inbound SMS; returns the keyword recognised ('unknown' for strangers).

    A provider that repeats a webhook call (same message id) gets the same outcome once.
    """
    now = now or timezone.now()
    user = _sender(sender_number)
    public = _public_handler(text)
    keyword = public[0] if public else keyword_of(text) if user else "unknown"
    try:
        with transaction.atomic():
            InboundSms.objects.create(provider_message_id=provider_message_id, sender=user, keyword=keyword)
    except IntegrityError:
        return "duplicate"
    ref = f"in:{provider_message_id}"
    # A question anyone may ask (INFO), answered the same whoever sends it.
    if public is not None and public[1](sender_number, text, user, ref, now):
        return keyword
    if user is None or not user.is_service_user:
        # Not a service user, but perhaps someone's supporter answering JA or STOPP.
        return supporter_inbound(sender_number=sender_number, text=text, ref=ref, now=now) or "unknown"
    # After STOPP the only SMS the person got says "reply JA or START": while SMS is off, a
    # yes turns it back on rather than confirming a meeting they were not reminded of.
    if keyword == "confirm" and _yes_while_stopped(user, text):
        _start(user, ref, now)
        return "start"
    # An SMS booking offer still open takes 1, 2 and 3 (``reminders.sms_booking``); with none
    # open, 1 confirms the next meeting as it always did.
    if sms_booking.choice_answer(user=user, text=text, ref=ref, now=now):
        return "book"
    # An app above may take the message first (an open waiting-list offer takes JA/NEI);
    # when none does, the keyword means what it always did.
    if any(first(user, ref, now) for first in _first.get(keyword, ())):
        return keyword
    if keyword == "other" and any(take(user, text, ref, now) for take in _free_text):
        return "free_text"
    handler = {
        "confirm": _confirm,
        "cancel": _cancel,
        "taken": _taken,
        "call_back": _call_back,
        "stop": _stop,
        "start": _start,
        "book": sms_booking.times_asked,
    }.get(keyword, _help)
    handler(user, ref, now)
    return keyword


def _appointment_values(appointment: Appointment) -> dict:
    owner = appointment.calendar.owner
    return {"at": appointment.start, "worker": owner.first_name or owner.username}


def _confirm(user: User, ref: str, now: datetime) -> None:
    with transaction.atomic():
        appointment = _next_appointment(user, now)
        if appointment is None:
            services.reply_to(user=user, ref=ref, reply="no_appointment", context={}, now=now)
            return
        Appointment.objects.filter(pk=appointment.pk).update(confirmed_at=now)
        services.reply_to(user=user, ref=ref, reply="confirmed", context=_appointment_values(appointment), now=now)


def _cancel(user: User, ref: str, now: datetime) -> None:
    appointment = _next_appointment(user, now)
    if appointment is None:
        services.reply_to(user=user, ref=ref, reply="no_appointment", context={}, now=now)
        return
    try:
        with transaction.atomic():
            appointment_cancel(actor=user, appointment_id=appointment.pk, reason="Avlyst på SMS", now=now)
            services.reply_to(user=user, ref=ref, reply="cancelled", context=_appointment_values(appointment), now=now)
            # A task on the worker's Today page as well as the alert: a cancelled meeting may
            # mean the person needs a call.
            FollowUpTask.objects.create(
                worker=appointment.calendar.owner,
                client=user,
                kind=FollowUpTask.Kind.APPOINTMENT_CANCELLED,
                appointment=appointment,
            )
            services.staff_alert(
                staff=appointment.calendar.owner,
                task=FollowUpTask.Kind.APPOINTMENT_CANCELLED,
                client=user,
                ref=f"appt:{appointment.pk}",
                at=appointment.start,
                now=now,
            )
    except ApplicationError:
        services.reply_to(user=user, ref=ref, reply="no_appointment", context={}, now=now)


def _taken(user: User, ref: str, now: datetime) -> None:
    last = (
        Delivery.objects.filter(
            recipient=user,
            kind=MessageKind.MEDICATION,
            status=Delivery.Status.SENT,
            occurrence_at__gte=now - timedelta(hours=12),
            about="plan",
        )
        .order_by("-occurrence_at")
        .first()
    )
    plan = ReminderPlan.objects.filter(pk=last.about_id).first() if last is not None else None
    with transaction.atomic():
        if plan is None:
            services.reply_to(user=user, ref=ref, reply="nothing_to_mark", context={}, now=now)
            return
        try:
            services.medication_mark_taken(plan=plan, occurrence_at=last.occurrence_at, via="sms", now=now)
        except services.DoseOutsideWindow as outside:
            # A short answer saying when it can be marked, or that its time is over.
            services.reply_to(user=user, ref=ref, reply=outside.code, context={"at": outside.at}, now=now)
            return
        services.reply_to(user=user, ref=ref, reply="taken", context={}, now=now)


def _call_back(user: User, ref: str, now: datetime) -> None:
    with transaction.atomic():
        services.follow_up_task_create(client=user, kind=FollowUpTask.Kind.CALL_BACK, ref=ref, at=now, now=now)
        services.reply_to(user=user, ref=ref, reply="call_back", context={}, now=now)


def _stop(user: User, ref: str, now: datetime) -> None:
    with transaction.atomic():
        prefs = services.preferences_for(user)
        prefs.sms_enabled = False
        prefs.save(update_fields=["sms_enabled", "updated_at"])
        # The one SMS sent after STOP: the confirmation that no more will come.
        services.reply_to(user=user, ref=ref, reply="stopped", context={}, now=now, force_sms=True)


def _yes_while_stopped(user: User, text: str) -> bool:
    """JA or YES (not 1, which answers other questions) from a person whose SMS is off."""
    if words_of(text) not in YES_TURNS_SMS_ON:
        return False
    return ReminderPreferences.objects.filter(user=user, sms_enabled=False).exists()


def _start(user: User, ref: str, now: datetime) -> None:
    with transaction.atomic():
        # One conditional update: START twice (or two at once) turns SMS on once.
        changed = ReminderPreferences.objects.filter(user=user, sms_enabled=False).update(
            sms_enabled=True, updated_at=now
        )
        # The answer to the person's own message: by SMS, whatever the preference said.
        reply = "started" if changed else "already_on"
        services.reply_to(user=user, ref=ref, reply=reply, context={}, now=now, force_sms=True)


def _help(user: User, ref: str, now: datetime) -> None:
    services.reply_to(user=user, ref=ref, reply="help", context={}, now=now)
