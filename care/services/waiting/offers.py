"""Freed times and offers from the waiting list: a cancelled or moved meeting's old time is
offered to one waiting person at a time; taking it books through booking
(``booking.services.appointment_book``), with every booking rule."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.availability import Interval
from booking.models import Appointment, AppointmentEvent
from booking.selectors import meeting_types_bookable_by
from booking.services import appointment_book
from booking.slots import slots_for
from care.models import FreedTime, WaitingEntry, WaitingOffer
from care.selectors.waiting import window_days
from config.errors import ApplicationError, Conflict, NotFound
from people.models import User
from reminders import services as reminders
from reminders.models import MessageKind

logger = logging.getLogger(__name__)

# An offer that would leave less time than this to answer is not made.
SHORTEST_ANSWER = timedelta(minutes=15)
# How far back the sweep looks for a cancellation or move whose task never ran, and how
# long it leaves a fresh one to its own task.
CATCH_UP_WINDOW = timedelta(hours=2)
CATCH_UP_GRACE = timedelta(minutes=1)


def _freed_range(appointment: Appointment) -> tuple[datetime, datetime] | None:
    """The calendar time the appointment's latest change released, or None."""
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment.blocked_start, appointment.blocked_end
    if appointment.status != Appointment.Status.BOOKED:
        return None
    event = appointment.events.order_by("-at", "-id").first()
    if event is None or event.action != AppointmentEvent.Action.RESCHEDULED or event.previous_start is None:
        return None
    meeting_type = appointment.meeting_type
    start = event.previous_start - meeting_type.buffer_before
    end = event.previous_end + meeting_type.buffer_after
    # Moved to an overlapping time: only the part no longer held is free.
    if appointment.blocked_start < end and appointment.blocked_end > start:
        if appointment.blocked_start > start:
            end = appointment.blocked_start
        elif appointment.blocked_end < end:
            start = appointment.blocked_end
        else:
            return None
    return start, end


def waiting_slot_freed(*, appointment_id: int, now: datetime | None = None) -> WaitingOffer | None:
    """An appointment was cancelled or moved: offer its old time to the waiting list.

    Safe to run twice for the same change: the freed time is recorded once per appointment
    and sequence. Returns the offer made, if any.
    """
    now = now or timezone.now()
    appointment = Appointment.objects.select_related("meeting_type").filter(pk=appointment_id).first()
    if appointment is None:
        return None
    freed_range = _freed_range(appointment)
    if freed_range is None or freed_range[1] <= now:
        return None
    with transaction.atomic():
        freed, created = FreedTime.objects.get_or_create(
            appointment=appointment,
            sequence=appointment.sequence,
            defaults={
                "calendar_id": appointment.calendar_id,
                "start": freed_range[0],
                "end": freed_range[1],
                "created_at": now,
            },
        )
        if not created:
            return None
        return offer_next(freed=freed, now=now)


def _in_offer_hours(freed: FreedTime, now: datetime) -> bool:
    hour = now.astimezone(ZoneInfo(freed.calendar.owner.timezone)).hour
    return settings.WAITING_OFFER_FROM_HOUR <= hour < settings.WAITING_OFFER_UNTIL_HOUR


def _fitting_time(*, entry: WaitingEntry, freed: FreedTime, now: datetime) -> Interval | None:
    """The bookable time of the entry's meeting type that uses the freed time, nearest its start."""
    meeting_type = entry.meeting_type
    tz = ZoneInfo(meeting_type.calendar.owner.timezone)
    last_allowed = now.astimezone(tz).date() + timedelta(days=window_days(meeting_type))
    first_day = freed.start.astimezone(tz).date()
    last_day = min(freed.end.astimezone(tz).date(), last_allowed)
    if first_day > last_day:
        return None
    slots = slots_for(meeting_type=meeting_type, actor=entry.user, first_day=first_day, last_day=last_day, now=now)
    fitting = [s for s in slots if s.start < freed.end and s.end > freed.start]
    if not fitting:
        return None
    return min(fitting, key=lambda s: (abs(s.start - freed.start), s.start))


def offer_next(*, freed: FreedTime, now: datetime) -> WaitingOffer | None:
    """Offer the freed time to the first waiting person it fits who has not been asked yet.

    Closes the freed time when nobody is left. Call inside a transaction."""
    # The race this lock closes: a decline and the sweep both finding the freed time without
    # an open offer and asking two people at once. Offering is one step per freed time.
    FreedTime.objects.select_for_update().filter(pk=freed.pk).first()
    freed.refresh_from_db(fields=["closed_at"])
    if freed.closed_at is not None:
        return None
    if freed.end <= now:
        _close_freed(freed, now)
        return None
    if freed.offers.filter(status=WaitingOffer.Status.OPEN).exists() or not _in_offer_hours(freed, now):
        return None
    busy = set(WaitingOffer.objects.filter(status=WaitingOffer.Status.OPEN).values_list("user_id", flat=True))
    someone_busy = False
    for entry in _waiting_for(freed):
        if entry.user_id in busy:
            # Answering one offer at a time; they keep their place for the next freed time.
            someone_busy = True
            continue
        offer, raced = _offer_to(entry=entry, freed=freed, now=now)
        if offer is not None:
            _send_offer(offer, now)
            return offer
        someone_busy = someone_busy or raced
    if not someone_busy:
        _close_freed(freed, now)
    return None


def _waiting_for(freed: FreedTime) -> QuerySet[WaitingEntry]:
    """The people waiting for a meeting in the freed time's calendar who were not asked yet,
    first come first served. Whoever gave the time up is not offered it back."""
    asked = set(freed.offers.values_list("entry_id", flat=True))
    gave_up = Appointment.objects.filter(pk=freed.appointment_id).values_list("client_id", flat=True).first()
    return (
        WaitingEntry.objects.filter(
            status=WaitingEntry.Status.WAITING,
            meeting_type__calendar_id=freed.calendar_id,
            meeting_type__is_active=True,
            user__is_active=True,
        )
        .exclude(pk__in=asked)
        .exclude(user_id=gave_up)
        .select_related("user", "meeting_type__calendar__owner")
        .order_by("joined_at", "id")
    )


def _offer_to(*, entry: WaitingEntry, freed: FreedTime, now: datetime) -> tuple[WaitingOffer | None, bool]:
    """The offer made to ``entry``'s person, if the freed time fits them; and whether they turned
    out to be answering another offer made at this very moment."""
    if not meeting_types_bookable_by(user=entry.user).filter(pk=entry.meeting_type_id).exists():
        return None, False
    slot = _fitting_time(entry=entry, freed=freed, now=now)
    if slot is None:
        return None, False
    notice = timedelta(minutes=entry.meeting_type.min_notice_minutes)
    expires_at = min(now + timedelta(hours=settings.WAITING_OFFER_HOURS), slot.start - notice)
    if expires_at - now < SHORTEST_ANSWER:
        return None, False
    try:
        with transaction.atomic():
            offer = WaitingOffer.objects.create(
                entry=entry,
                user=entry.user,
                freed=freed,
                start=slot.start,
                end=slot.end,
                offered_at=now,
                expires_at=expires_at,
            )
    except IntegrityError:
        # Offered another freed time at this very moment: one open offer per person.
        return None, True
    return offer, False


def _send_offer(offer: WaitingOffer, now: datetime) -> None:
    owner = offer.entry.meeting_type.calendar.owner
    user = offer.user
    reminders.notice_now(
        recipient=user,
        kind=MessageKind.WAITING_OFFER,
        ref=f"waiting-offer:{offer.pk}",
        at=offer.start,
        useful_for=offer.expires_at - now,
        context={
            "what": "offer",
            "worker": owner.short_name,
            "until": offer.expires_at.astimezone(ZoneInfo(user.timezone)).strftime("%H:%M"),
        },
        now=now,
    )


def offer_close(offer: WaitingOffer, status: str, now: datetime) -> None:
    offer.status, offer.answered_at = status, now
    offer.save(update_fields=["status", "answered_at"])


def _close_freed(freed: FreedTime, now: datetime) -> None:
    freed.closed_at = now
    freed.save(update_fields=["closed_at"])


def _open_offer(*, user: User, offer_id: int | None, now: datetime) -> WaitingOffer:
    qs = WaitingOffer.objects.select_for_update(of=("self",)).select_related(
        "entry__meeting_type__calendar__owner", "freed__calendar__owner"
    )
    qs = qs.filter(user=user) if offer_id is None else qs.filter(user=user, pk=offer_id)
    offer = qs.filter(status=WaitingOffer.Status.OPEN).first() if offer_id is None else qs.first()
    if offer is None:
        raise NotFound(_("Offer not found."))
    return offer


def waiting_offer_accept(*, user: User, offer_id: int | None = None, now: datetime | None = None) -> WaitingOffer:
    """Take an open offer: book the time with every booking rule. ``offer_id`` None means
    the person's one open offer (a reply by SMS).

    Raises NotFound, ApplicationError ``offer_closed`` for an offer no longer open, and
    Conflict ``offer_taken`` when the time was booked by someone else meanwhile; the person
    keeps their place on the waiting list.
    """
    now = now or timezone.now()
    with transaction.atomic():
        offer = _open_offer(user=user, offer_id=offer_id, now=now)
        if offer.status != WaitingOffer.Status.OPEN:
            raise ApplicationError(_("This offer is no longer open."), code="offer_closed")
        if offer.expires_at <= now:
            offer_close(offer, WaitingOffer.Status.EXPIRED, now)
            offer_next(freed=offer.freed, now=now)
            gone: ApplicationError | None = ApplicationError(
                _("The time to answer this offer has run out. You keep your place on the waiting list."),
                code="offer_closed",
            )
        else:
            meeting_type = offer.entry.meeting_type
            try:
                result = appointment_book(
                    actor=user,
                    worker_id=meeting_type.calendar.owner_id,
                    meeting_type_id=meeting_type.pk,
                    start=offer.start,
                    now=now,
                )
            except ApplicationError:
                # Taken by someone else, or no longer allowed (notice, hours changed).
                offer_close(offer, WaitingOffer.Status.GONE, now)
                _close_freed(offer.freed, now)
                gone = Conflict(
                    _("Sorry, that time was taken in the meantime. You keep your place on the waiting list."),
                    code="offer_taken",
                )
            else:
                gone = None
                offer.appointment = result.appointments[0]
                offer.status, offer.answered_at = WaitingOffer.Status.ACCEPTED, now
                offer.save(update_fields=["appointment", "status", "answered_at"])
                WaitingEntry.objects.filter(pk=offer.entry_id).update(status=WaitingEntry.Status.BOOKED, ended_at=now)
                _close_freed(offer.freed, now)
    # Raised after the transaction, so what was recorded above is kept.
    if gone is not None:
        raise gone
    return offer


def waiting_offer_decline(*, user: User, offer_id: int | None = None, now: datetime | None = None) -> WaitingOffer:
    """Say no to an open offer. The person keeps their place; the next person is asked."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _open_offer(user=user, offer_id=offer_id, now=now)
        if offer.status != WaitingOffer.Status.OPEN:
            raise ApplicationError(_("This offer is no longer open."), code="offer_closed")
        offer_close(offer, WaitingOffer.Status.DECLINED, now)
        offer_next(freed=offer.freed, now=now)
    return offer


def waiting_offers_sweep(*, now: datetime | None = None) -> int:
    """Expire offers not answered in time and ask the next person; offer freed times that
    wait for offer hours or for a busy person. Safe to run twice or concurrently."""
    now = now or timezone.now()
    changed = _catch_up_freed(now)
    overdue = WaitingOffer.objects.filter(status=WaitingOffer.Status.OPEN, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for offer_id in list(overdue):
        with transaction.atomic():
            offer = (
                WaitingOffer.objects.select_for_update(skip_locked=True)
                .filter(pk=offer_id, status=WaitingOffer.Status.OPEN)
                .first()
            )
            if offer is None:
                continue
            offer_close(offer, WaitingOffer.Status.EXPIRED, now)
            offer_next(freed=offer.freed, now=now)
            changed += 1
    waiting = FreedTime.objects.filter(closed_at__isnull=True).exclude(offers__status=WaitingOffer.Status.OPEN)
    for freed_id in list(waiting.values_list("pk", flat=True)):
        with transaction.atomic():
            freed = (
                FreedTime.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("calendar__owner")
                .filter(pk=freed_id, closed_at__isnull=True)
                .first()
            )
            if freed is not None and offer_next(freed=freed, now=now) is not None:
                changed += 1
    return changed


def _catch_up_freed(now: datetime) -> int:
    """Record the freed times whose ``slot_freed`` task never ran (its publish was lost with
    the broker, or its worker died): recent cancellations and moves of times still ahead, on
    calendars someone waits for, with no freed time recorded for that change. The
    appointment row changed in the same transaction as the cancellation, so it is the
    record to go by. Returns the offers made."""
    waited_for = WaitingEntry.objects.filter(status=WaitingEntry.Status.WAITING).values("meeting_type__calendar_id")
    recorded = FreedTime.objects.filter(appointment=OuterRef("pk"), sequence=OuterRef("sequence"))
    missed = (
        Appointment.objects.filter(
            calendar_id__in=waited_for,
            updated_at__gte=now - CATCH_UP_WINDOW,
            updated_at__lt=now - CATCH_UP_GRACE,
            blocked_end__gt=now,
        )
        # New bookings have sequence 0; a change (a move) bumps it.
        .filter(Q(status=Appointment.Status.CANCELLED) | Q(status=Appointment.Status.BOOKED, sequence__gt=0))
        .exclude(Exists(recorded))
        .order_by("updated_at", "pk")
        .values_list("pk", flat=True)[:200]
    )
    return sum(waiting_slot_freed(appointment_id=pk, now=now) is not None for pk in list(missed))


def waiting_sms_reply(*, user: User, keyword: str, ref: str, now: datetime) -> bool:
    """JA or NEI while an offer is open answers the offer; returns False when no offer is
    open, so the reply means what it always does (confirm or cancel the next meeting)."""
    if keyword not in ("confirm", "cancel"):
        return False
    offer = WaitingOffer.objects.filter(user=user, status=WaitingOffer.Status.OPEN, expires_at__gt=now).first()
    if offer is None:
        return False
    what = "declined"
    try:
        if keyword == "confirm":
            # A booked time is confirmed by the booking's own message.
            waiting_offer_accept(user=user, offer_id=offer.pk, now=now)
            return True
        waiting_offer_decline(user=user, offer_id=offer.pk, now=now)
    except ApplicationError:
        what = "taken"
    reminders.notice_now(
        recipient=user,
        kind=MessageKind.WAITING_OFFER,
        ref=f"waiting-reply:{ref}",
        at=offer.start,
        context={"what": what},
        now=now,
    )
    return True
