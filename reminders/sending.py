"""How the messages reminders writes are sent: the outbox handler of its kinds
(``messaging.kinds``).

A message goes to a person with an account: by SMS to their newest usable number (unless
they turned SMS off with STOPP; a meeting's messages to their spare number while they have no
main number, if they chose that), or by e-mail, in their language and time zone, discreet
unless they chose otherwise. Money and routine reminders after the morning summary's time
are left to the summary. When a number or address fails for good, the number stops being
used, the person's worker is asked to get a new one, and the message goes another way
(another number, else e-mail) while it is still useful.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import CharField
from django.db.models.functions import Cast

from booking.models import Appointment
from messaging.channels import Message, PermanentError
from messaging.kinds import Ready, Skip
from messaging.models import Channel, Delivery
from messaging.texts import render
from people.models import PhoneNumber, User
from reminders.models import FollowUpTask, MessageKind, ReminderPlan
from reminders.quiet import holds
from reminders.schedule import apply_quiet_hours
from reminders.services.notices import follow_up_task_create, tz_of
from reminders.services.plans import plan_occurrences
from reminders.services.preferences import preferences_prefetch, preferences_read

# Kinds bundled into the morning summary when the person has turned it on.
SUMMARY_KINDS = (MessageKind.MONEY, MessageKind.ROUTINE)
# The only kinds that may go to a person's spare number (``_spare_number``): about their own
# meetings. Never medication, money or routines, replies, help answers or sign-in codes.
SPARE_KINDS = frozenset(
    {
        MessageKind.APPOINTMENT,
        MessageKind.APPOINTMENT_BOOKED,
        MessageKind.APPOINTMENT_MOVED,
        MessageKind.APPOINTMENT_CANCELLED,
    }
)


class PersonNotices:
    """The handler of every kind in ``MessageKind``."""

    @property
    def max_attempts(self) -> int:
        return settings.REMINDERS_MAX_ATTEMPTS

    def prefetch(self, rows: Sequence[Delivery]) -> None:
        _phone_numbers_prefetch(row.recipient for row in rows if row.channel == Channel.SMS)
        preferences_prefetch(row.recipient for row in rows)

    def prepare(self, row: Delivery, now: datetime) -> Ready | Skip:
        if row.recipient is None:
            return Skip(Delivery.Status.FAILED, "no recipient")
        if _bundled_in_summary(row):
            return Skip(Delivery.Status.CANCELLED, "in the morning summary")
        target = _target(row)
        if target is None:
            return Skip(Delivery.Status.FAILED, _no_target_reason(row))
        # Kept with the row for ``failed``: the number the batch's prefetched list holds.
        row.target_phone = target.phone
        return Ready(_message_for(row, target))

    def failed(self, row: Delivery, reason: str, error: PermanentError | None, now: datetime) -> None:
        if error is not None and error.destination_dead and row.channel == Channel.SMS and row.recipient is not None:
            phone = getattr(row, "target_phone", None) or _phone_sent_to(row)
            if phone is not None:
                phone_number_failed(phone=phone, now=now)
        if row.recipient is not None:
            _fallback(row, now, reason)


def _phone_sent_to(row: Delivery) -> PhoneNumber | None:
    """The number a delivery report speaks of, as the row recorded it."""
    if not row.sent_to:
        return None
    return PhoneNumber.objects.select_related("user").filter(user_id=row.recipient_id, number=row.sent_to).first()


@dataclass
class _Target:
    address: str
    phone: PhoneNumber | None = None
    # Someone else's phone: the text is discreet whatever the person chose.
    spare: bool = False


def _phone_numbers_prefetch(users: Iterable[User]) -> None:
    """Load many people's phone numbers in one query for _usable_numbers.

    Django's prefetch_related builds a filtered queryset per person, which cost more CPU
    than sending the message. The number comes as stored (E.164 text, ``stored_number``)
    and is parsed only if something asks for ``number``."""
    by_id: dict[int, list[User]] = {}
    for user in users:
        by_id.setdefault(user.pk, []).append(user)
    found: dict[int, list[PhoneNumber]] = {user_id: [] for user_id in by_id}
    numbers = PhoneNumber.objects.filter(user_id__in=by_id).defer("number")
    for phone in numbers.annotate(stored_number=Cast("number", CharField())):
        found[phone.user_id].append(phone)
    for user_id, same in by_id.items():
        for phone in found[user_id]:
            phone.user = same[0]
        for user in same:
            user._phone_numbers_cache = found[user_id]


def _numbers_of(user: User) -> list[PhoneNumber]:
    cached = getattr(user, "_phone_numbers_cache", None)
    return list(cached if cached is not None else user.phone_numbers.all())


def _usable_numbers(user: User) -> list[PhoneNumber]:
    """The person's active number, unless a provider has reported it dead. Never an old one:
    a number the person stopped using may be a lost or sold phone in someone else's hands."""
    return [p for p in _numbers_of(user) if p.is_active and p.unusable_since is None]


def _spare_number(delivery: Delivery) -> PhoneNumber | None:
    """The person's spare number, for this message: only a message about their own meeting
    (``SPARE_KINDS``), only if they chose it (``spare_for_meetings``), and only while they have
    no main number in use (it was marked lost). Read when the message is sent, so a number
    lost or replaced after the reminder was planned counts."""
    user = delivery.recipient
    if delivery.kind not in SPARE_KINDS or not preferences_read(user).spare_for_meetings:
        return None
    numbers = _numbers_of(user)
    if any(p.is_active for p in numbers):
        return None
    return next((p for p in numbers if p.is_spare and p.unusable_since is None), None)


def _address_of(phone: PhoneNumber) -> str:
    # The number as stored (E.164), loaded as text by the prefetch: parsing and formatting it
    # again cost more than rendering the message.
    return getattr(phone, "stored_number", None) or str(phone.number)


def _target(delivery: Delivery) -> _Target | None:
    user = delivery.recipient
    if delivery.channel == Channel.SMS:
        forced = delivery.context.get("force_sms")
        if not forced and not preferences_read(user).sms_enabled:
            return None
        numbers = _usable_numbers(user)
        if not numbers:
            spare = None if forced else _spare_number(delivery)
            return _Target(address=_address_of(spare), phone=spare, spare=True) if spare else None
        return _Target(address=_address_of(numbers[0]), phone=numbers[0])
    return _Target(address=user.email) if user.email else None


def _no_target_reason(delivery: Delivery) -> str:
    if delivery.channel == Channel.EMAIL:
        return "no e-mail address"
    if not delivery.context.get("force_sms") and not preferences_read(delivery.recipient).sms_enabled:
        return "SMS turned off by the person"
    return "no usable phone number"


def _summary_items(delivery: Delivery) -> list[dict[str, str]]:
    """The day's meetings, money and routines; ``what`` is all a discreet summary shows."""
    user = delivery.recipient
    tz = tz_of(user)
    start = delivery.occurrence_at
    day_end = datetime.combine(start.astimezone(tz).date() + timedelta(days=1), time(0), tzinfo=tz)
    items: list[tuple[datetime, str, str]] = []
    # The person's copy of each meeting: a group meeting is one line, not one per calendar.
    for appointment in Appointment.objects.filter(
        client=user, client_copy=True, status=Appointment.Status.BOOKED, start__gte=start, start__lt=day_end
    ).select_related("calendar__owner"):
        worker = appointment.calendar.owner
        items.append((appointment.start, f"{worker.short_name}", "appointment"))
    for plan in ReminderPlan.objects.filter(owner=user, is_active=True, kind__in=["money", "routine"]):
        for at in plan_occurrences(plan=plan, after=start - timedelta(seconds=1), until=day_end):
            items.append((at, plan.title, plan.kind))
    items.sort(key=lambda item: item[0])
    return [{"time": at.astimezone(tz).strftime("%H:%M"), "text": text, "what": what} for at, text, what in items]


def _message_for(delivery: Delivery, target: _Target) -> Message:
    user = delivery.recipient
    prefs = preferences_read(user)
    # A reply from the spare phone speaks for no one, so its text asks for none.
    context = {**delivery.context, "discreet": prefs.discreet or target.spare, "spare": target.spare}
    if delivery.kind == MessageKind.SUMMARY:
        context["items"] = _summary_items(delivery)
    subject, text = render(
        kind=delivery.kind, language=user.language, tz=tz_of(user), at=delivery.occurrence_at, context=context
    )
    return Message(to=target.address, text=text, subject=subject, idempotency_key=str(delivery.idempotency_key))


def _bundled_in_summary(delivery: Delivery) -> bool:
    if delivery.kind not in SUMMARY_KINDS:
        return False
    prefs = preferences_read(delivery.recipient)
    if not prefs.morning_summary:
        return False
    local = delivery.occurrence_at.astimezone(tz_of(delivery.recipient))
    return local.time() >= prefs.morning_summary_time


def _fallback(delivery: Delivery, now: datetime, reason: str) -> Delivery | None:
    """After a permanent SMS failure: the number the person uses now (if it changed since), then
    e-mail if allowed.

    Returns the new row, or None when the person has no other way to be reached."""
    user = delivery.recipient
    channel: str | None = None
    # Another SMS only where SMS is allowed: after STOPP it would fail the same way, again
    # and again until the reminder expires.
    sms_allowed = preferences_read(user).sms_enabled or delivery.context.get("force_sms")
    other_number = [p for p in _usable_numbers(user) if _address_of(p) != delivery.sent_to]
    if delivery.channel == Channel.SMS and sms_allowed and other_number:
        channel = Channel.SMS
    elif delivery.channel != Channel.EMAIL and user.email and preferences_read(user).email_fallback:
        # Not after a failed e-mail (the same address would refuse it again), and no second
        # e-mail when the person already gets this one by e-mail.
        already = Delivery.objects.filter(
            recipient=user,
            kind=delivery.kind,
            occurrence_at=delivery.occurrence_at,
            channel=Channel.EMAIL,
            about=delivery.about,
            about_id=delivery.about_id,
        ).exclude(status__in=[Delivery.Status.FAILED, Delivery.Status.CANCELLED])
        if not already.exists():
            channel = Channel.EMAIL
    due = _outside_quiet_hours(delivery, now) if channel is not None and delivery.expires_at > now else None
    if due is None:
        return None
    fallback, _created = Delivery.objects.get_or_create(
        dedupe_key=f"fb:{delivery.pk}:{channel}",
        defaults={
            "recipient": user,
            "kind": delivery.kind,
            "channel": channel,
            "about": delivery.about,
            "about_id": delivery.about_id,
            "occurrence_at": delivery.occurrence_at,
            "due_at": due,
            "wanted_at": now,
            "expires_at": delivery.expires_at,
            "context": delivery.context,
            "last_error": f"fallback after: {reason}"[:300],
        },
    )
    return fallback


def _outside_quiet_hours(delivery: Delivery, now: datetime) -> datetime | None:
    """When another way may carry ``delivery`` (a failure a delivery report tells of late at
    night): the end of the person's quiet hours, as its kind says (``reminders.quiet``)."""
    if not holds(delivery.kind, on_duty=bool(delivery.context.get("on_duty"))):
        return now
    prefs = preferences_read(delivery.recipient)
    return apply_quiet_hours(
        due=now,
        expires=delivery.expires_at,
        now=now,
        tz=tz_of(delivery.recipient),
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
    )


def phone_number_failed(*, phone: PhoneNumber, now: datetime) -> None:
    """A provider says this number can never be reached: stop using it and ask the worker
    to get a new one."""
    updated = PhoneNumber.objects.filter(pk=phone.pk, unusable_since__isnull=True).update(unusable_since=now)
    # The caller may hold this number in a prefetched list (a send batch): keep that list in
    # step, or the fallback and the rest of the batch would pick the dead number again.
    if phone.unusable_since is None:
        phone.unusable_since = now
    if updated and phone.user.is_service_user:
        follow_up_task_create(
            client=phone.user, kind=FollowUpTask.Kind.PHONE_FAILED, ref=f"phone:{phone.pk}", at=now, now=now
        )
