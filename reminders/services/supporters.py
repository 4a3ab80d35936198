"""A supporter outside the service: a family member or friend the person names by first name
and phone number, told when a medication reminder is not confirmed.

The supporter gets one question by SMS and nothing else until they reply JA; STOPP ends it at
any time. Every message to them goes through the outbox (kind ``supporter``, prepared by
``reminders.supporter_sending``) and names only the owner's first name: never what the
reminder was for, a medicine or a time. Messages that are not answers wait for the morning
(``SUPPORTER_QUIET``, in the owner's time zone): we do not know the supporter's own hours.
"""

from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber as ParsedNumber

from config.errors import ApplicationError, Conflict
from messaging.models import Channel, Delivery
from messaging.outbox import deliveries_cancel, deliveries_create
from people.models import PhoneNumber, User
from people.services import parse_phone
from reminders.models import Supporter
from reminders.schedule import apply_quiet_hours
from reminders.services.notices import tz_of

# The outbox kind of every message to a supporter.
SUPPORTER_KIND = "supporter"
# The hours nothing but an answer to their own SMS reaches a supporter.
SUPPORTER_QUIET = (time(22, 0), time(8, 0))
# How long a message to a supporter is worth sending.
ASK_USEFUL_FOR = timedelta(days=3)
ALERT_USEFUL_FOR = timedelta(hours=12)
ANSWER_USEFUL_FOR = timedelta(hours=1)
NAME_LENGTH = 40
# Each naming sends an SMS to someone outside the service: a few a day, so the page cannot be
# used to pester a number, and a number that said STOPP is not asked again by the same person
# for a while (they said stop; the person can talk with them first).
ASKS_PER_DAY = 3
STOPPED_REST = timedelta(days=30)


def _parse(raw: str) -> ParsedNumber:
    return parse_phone(raw)


def _message(*, supporter: Supporter, what: str, key: str, now: datetime, quiet: bool, useful: timedelta) -> int:
    """One SMS to the supporter's number (``what``: ask, agreed, stopped, alert), once per ``key``."""
    due = now
    if quiet:
        start, end = SUPPORTER_QUIET
        fitted = apply_quiet_hours(
            due=now, expires=now + useful, now=now, tz=tz_of(supporter.owner), quiet_start=start, quiet_end=end
        )
        if fitted is None:
            return 0
        due = fitted
    row = Delivery(
        recipient=None,
        kind=SUPPORTER_KIND,
        channel=Channel.SMS,
        about="supporter",
        about_id=supporter.pk,
        occurrence_at=now,
        due_at=max(due, now),
        expires_at=now + useful,
        dedupe_key=f"supporter:{key}",
        context={"what": what},
    )
    return deliveries_create([row], now=now)


def supporter_name(*, owner: User, name: str, raw_number: str, now: datetime | None = None) -> Supporter:
    """Name ``name`` at ``raw_number`` as the owner's supporter; they are asked once, by SMS,
    whether they agree. A supporter named before (asked or agreed) is replaced: their row ends
    as ``removed`` and nothing more is sent to them."""
    now = now or timezone.now()
    name = " ".join(name.split())[:NAME_LENGTH]
    if not name:
        raise ApplicationError(
            _("Write what you call them, for example Mamma."), fields={"name": [_("This field is required.")]}
        )
    number = _parse(raw_number)
    if PhoneNumber.objects.filter(user=owner, number=number, is_active=True).exists():
        raise ApplicationError(
            _("That is your own number. Write the number of the person who should be told."),
            code="own_number",
            fields={"number": [_("Not your own number.")]},
        )
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=owner.pk).first()
            _may_ask(owner=owner, number=number, now=now)
            _end_current(owner=owner, now=now)
            supporter = Supporter.objects.create(owner=owner, name=name, number=number, created_at=now)
            _message(
                supporter=supporter, what="ask", key=f"{supporter.pk}:ask", now=now, quiet=True, useful=ASK_USEFUL_FOR
            )
    except IntegrityError as exc:  # named twice at the same moment
        raise Conflict(_("Your supporter changed at the same time. Try again.")) from exc
    return supporter


def _may_ask(*, owner: User, number: ParsedNumber, now: datetime) -> None:
    """Refuse a naming that would send one SMS too many (``ASKS_PER_DAY``), or ask a number
    that said STOPP to this person less than ``STOPPED_REST`` ago."""
    named = Supporter.objects.filter(owner=owner, created_at__gt=now - timedelta(days=1)).count()
    if named >= ASKS_PER_DAY:
        raise ApplicationError(
            _("You have asked %(count)d people today. You can ask again tomorrow.") % {"count": named},
            code="too_many_asks",
        )
    stopped = (
        Supporter.objects.filter(
            owner=owner, number=number, status=Supporter.Status.STOPPED, answered_at__gt=now - STOPPED_REST
        )
        .order_by("-answered_at")
        .first()
    )
    if stopped is not None:
        again = timezone.localdate(stopped.answered_at + STOPPED_REST, tz_of(owner))
        message = _("%(name)s said stop. Talk with them first; you can ask them again from %(date)s.") % {
            "name": stopped.name,
            "date": formats.date_format(again, "SHORT_DATE_FORMAT"),
        }
        raise ApplicationError(message, code="supporter_stopped", fields={"number": [message]})


def _end_current(*, owner: User, now: datetime) -> None:
    current = list(
        Supporter.objects.filter(owner=owner, status__in=[Supporter.Status.PENDING, Supporter.Status.AGREED])
    )
    for supporter in current:
        deliveries_cancel(Delivery.objects.filter(about="supporter", about_id=supporter.pk), "supporter removed")
    Supporter.objects.filter(pk__in=[s.pk for s in current]).update(status=Supporter.Status.REMOVED, updated_at=now)


def supporter_remove(*, owner: User, now: datetime | None = None) -> int:
    """Take the owner's supporter off (asked or agreed); no SMS is sent to them. How many ended."""
    now = now or timezone.now()
    with transaction.atomic():
        count = Supporter.objects.filter(
            owner=owner, status__in=[Supporter.Status.PENDING, Supporter.Status.AGREED]
        ).count()
        _end_current(owner=owner, now=now)
    return count


def supporters_answer(*, number: ParsedNumber, agreed: bool, ref: str, now: datetime) -> list[Supporter]:
    """A supporter's JA (``agreed``) or STOPP from ``number``; the supporters it changed.

    JA agrees to every question still open at that number that was sent to it: each was asked
    in its own SMS, naming its person. STOPP ends every one asked or agreed at that number: whoever replies
    STOPP wants no more messages from us. Each change is confirmed by one SMS. A number that
    is asked nothing and supports no one changes nothing and gets nothing."""
    from_status = [Supporter.Status.PENDING] if agreed else [Supporter.Status.PENDING, Supporter.Status.AGREED]
    to_status = Supporter.Status.AGREED if agreed else Supporter.Status.STOPPED
    found = Supporter.objects.filter(number=number, status__in=from_status, owner__is_active=True)
    if agreed:
        # A yes only to a question that reached them: one still waiting for the morning is
        # not theirs to answer yet.
        asked = Delivery.objects.filter(
            about="supporter", about_id=OuterRef("pk"), context__what="ask", status=Delivery.Status.SENT
        )
        found = found.filter(Exists(asked))
    with transaction.atomic():
        changed = list(found.select_for_update().select_related("owner").order_by("pk"))
        if not changed:
            return []
        Supporter.objects.filter(pk__in=[s.pk for s in changed]).update(
            status=to_status, answered_at=now, updated_at=now
        )
        if not agreed:
            pending = Delivery.objects.filter(about="supporter", about_id__in=[s.pk for s in changed])
            deliveries_cancel(pending, "supporter stopped")
        for supporter in changed:
            supporter.status = to_status
            what = "agreed" if agreed else "stopped"
            _message(
                supporter=supporter,
                what=what,
                key=f"{supporter.pk}:{ref}",
                now=now,
                quiet=False,
                useful=ANSWER_USEFUL_FOR,
            )
    return changed


def supporter_alert(*, owner: User, ref: str, dose: datetime, now: datetime) -> bool:
    """Tell the owner's agreed supporter that a reminder is not confirmed (once per ``ref``).
    False when the owner has no supporter who had agreed by the time of ``dose``: a dose
    missed before they said yes is not theirs to hear about."""
    supporter = (
        Supporter.objects.filter(owner=owner, status=Supporter.Status.AGREED, answered_at__lte=dose)
        .select_related("owner")
        .first()
    )
    if supporter is None:
        return False
    _message(
        supporter=supporter,
        what="alert",
        key=f"{supporter.pk}:alert:{ref}",
        now=now,
        quiet=True,
        useful=ALERT_USEFUL_FOR,
    )
    return True
