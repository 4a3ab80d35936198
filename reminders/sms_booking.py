"""Booking by SMS alone, for people without a smartphone or web access.

``TIME`` or ``BESTILL`` from the person's active number answers with the next three free
times of their own worker, for the meeting type they use most (else the first one they may
book), numbered in one SMS. A reply ``1``, ``2`` or ``3`` within ``OPEN_FOR`` books that time
through ``booking.services.appointment_book``, as the web does (offered times, notice,
horizon, the per-type limit, the calendar lock). The offer is used up in the booking's own
transaction, so an answer sent twice books once and the second is told what was booked; a
time someone took meanwhile gets an apology and three new times. With no offer open, ``1``
means what it always did (confirm the next meeting).

Every answer is an SMS sent at once, even in quiet hours and after STOPP (the person asked),
and the answer to a choice is the booking's confirmation: the usual "booked" notice for the
meeting is dropped in the same transaction, so no second text says the same thing.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count
from django.utils import formats, translation

from booking.models import Appointment, MeetingType
from booking.selectors import meeting_type_for_booking, meeting_types_bookable_by
from booking.services import appointment_book
from booking.slots import bookable_until, slots_for, tz_of
from config.errors import ApplicationError, NotFound
from messaging.outbox import deliveries_about, deliveries_cancel
from people.models import User
from people.selectors import current_worker_of
from reminders.models import MessageKind, SmsBookingOffer
from reminders.services import notice_now

# How long a reply 1, 2 or 3 books one of the offered times.
OPEN_FOR = timedelta(minutes=30)
OFFERED = 3
# Offered times at least this far apart, so the three are three real choices (a morning, an
# afternoon, another day) rather than three half-hours in a row.
SPREAD = timedelta(hours=2)
# Short enough for three times and the question in one SMS segment.
_DAY_FORMAT = {"nb": "D j.n.", "en": "D j M"}


def choice_of(text: str) -> int | None:
    """0, 1 or 2 for a reply "1", "2" or "3" (punctuation and spaces aside); else None."""
    normalized = " ".join(re.sub(r"[^\w]", " ", text).split())
    return {"1": 0, "2": 1, "3": 2}.get(normalized)


def times_asked(user: User, ref: str, now: datetime) -> None:
    """The answer to TIME/BESTILL: three free times in a new offer, or why there are none."""
    times_offer(user=user, ref=ref, now=now)


def times_offer(*, user: User, ref: str, now: datetime, taken: bool = False) -> SmsBookingOffer | None:
    """Offer the next free times by SMS (``taken``: with an apology, the time chosen was
    taken meanwhile). Older open offers of the person close; returns the new one, or None when
    there is nothing to offer (the person is told what to do instead)."""
    meeting_type = _meeting_type_of(user)
    if meeting_type is None:
        _answer(user=user, ref=ref, what="none", context={"phone": _unit_phone(user)}, now=now)
        return None
    if _limit_reached(meeting_type=meeting_type, user=user, now=now):
        _answer(user=user, ref=ref, what="limit", context={}, now=now)
        return None
    starts = _next_free(meeting_type=meeting_type, user=user, now=now)
    if not starts:
        _answer(user=user, ref=ref, what="none", context={"phone": _unit_phone(user)}, now=now)
        return None
    with transaction.atomic():
        SmsBookingOffer.objects.filter(user=user, used_at__isnull=True, created_at__lte=now, expires_at__gt=now).update(
            expires_at=now
        )
        offer = SmsBookingOffer.objects.create(
            user=user,
            meeting_type=meeting_type,
            starts=[start.astimezone(UTC).isoformat() for start in starts],
            created_at=now,
            expires_at=now + OPEN_FOR,
        )
        context = {"worker": meeting_type.calendar.owner.short_name, "times": _times_text(starts, user)}
        _answer(user=user, ref=ref, what="taken" if taken else "offer", context=context, now=now)
    return offer


def choice_answer(*, user: User, text: str, ref: str, now: datetime) -> bool:
    """Book the time a reply 1, 2 or 3 chose from the person's open offer. False (nothing done)
    when the text is not such a reply or no offer is open: the keyword means what it always did."""
    index = choice_of(text)
    if index is None:
        return False
    with transaction.atomic():
        # Locked: a second answer waits for the first and then finds the offer used.
        offer = (
            SmsBookingOffer.objects.select_for_update()
            .filter(user=user, created_at__lte=now, expires_at__gt=now)
            .order_by("-created_at", "-pk")
            .first()
        )
        if offer is None:
            return False
        if offer.used_at is not None:
            if offer.appointment.status != Appointment.Status.BOOKED:
                return False  # booked and since cancelled: nothing left to answer here
            _answer_booked(offer.appointment, ref=ref, what="already_booked", now=now)
            return True
        if index >= len(offer.starts):
            # "3" to an offer of two times: the same times again, to choose from.
            starts = [datetime.fromisoformat(start) for start in offer.starts]
            context = {"worker": offer.meeting_type.calendar.owner.short_name, "times": _times_text(starts, user)}
            _answer(user=user, ref=ref, what="offer", context=context, now=now)
            return True
        _book(offer, start=datetime.fromisoformat(offer.starts[index]), ref=ref, now=now)
    return True


def _book(offer: SmsBookingOffer, *, start: datetime, ref: str, now: datetime) -> None:
    user = offer.user
    try:
        result = appointment_book(
            actor=user,
            worker_id=offer.meeting_type.calendar.owner_id,
            meeting_type_id=offer.meeting_type_id,
            start=start,
            now=now,
        )
    except NotFound:
        # The type is no longer theirs to book (a new worker, a type taken out of use).
        _answer(user=user, ref=ref, what="none", context={"phone": _unit_phone(user)}, now=now)
        return
    except ApplicationError as refused:
        if getattr(refused, "code", "") == "meeting_limit_reached":
            _answer(user=user, ref=ref, what="limit", context={}, now=now)
        else:
            # Taken meanwhile, or no longer offered (notice passed): three new times.
            times_offer(user=user, ref=ref, now=now, taken=True)
        return
    appointment = result.appointments[0]
    offer.used_at = now
    offer.appointment = appointment
    offer.save(update_fields=["used_at", "appointment"])
    # The answer below confirms the booking: the usual "booked" notice would say it twice
    # (and, in quiet hours, be a second text the person did not ask for).
    booked_notice = deliveries_about("appointment", appointment.pk).filter(kind=MessageKind.APPOINTMENT_BOOKED)
    deliveries_cancel(booked_notice, "confirmed in the answer to the SMS booking")
    _answer_booked(appointment, ref=ref, what="booked", now=now)


def _answer_booked(appointment: Appointment, *, ref: str, what: str, now: datetime) -> None:
    meeting_type = appointment.meeting_type
    worker = appointment.calendar.owner
    place = meeting_type.place
    if not place and meeting_type.mode == MeetingType.Mode.IN_PERSON and worker.unit is not None:
        place = worker.unit.address
    context = {"worker": worker.short_name, "place": place, "mode": meeting_type.mode}
    _answer(user=appointment.client, ref=ref, what=what, context=context, now=now, at=appointment.start)


def _answer(
    *, user: User, ref: str, what: str, context: dict[str, Any], now: datetime, at: datetime | None = None
) -> None:
    # The person asked: the answer goes at once, in quiet hours and after STOPP too.
    notice_now(
        recipient=user,
        kind=MessageKind.SMS_BOOKING,
        ref=ref,
        context={**context, "what": what},
        at=at or now,
        now=now,
        force_sms=True,
    )


def _meeting_type_of(user: User) -> MeetingType | None:
    """The type the person books with their own worker: the one they have used most, else the
    first one offered to them. None without a worker or a type they may book."""
    worker = current_worker_of(client=user)
    if worker is None:
        return None
    types = meeting_types_bookable_by(user=user).filter(calendar__owner=worker)
    most_used = (
        Appointment.objects.filter(client=user, meeting_type__in=types)
        .exclude(status=Appointment.Status.CANCELLED)
        .values("meeting_type")
        .annotate(held=Count("id"))
        .order_by("-held", "meeting_type")
        .first()
    )
    type_id = most_used["meeting_type"] if most_used else types.order_by("pk").values_list("pk", flat=True).first()
    if type_id is None:
        return None
    return meeting_type_for_booking(user=user, worker_id=worker.pk, meeting_type_id=type_id)


def _limit_reached(*, meeting_type: MeetingType, user: User, now: datetime) -> bool:
    """Whether the person already holds as many meetings of the type as they may (booking
    checks it again under the calendar lock; this only spares them an offer they cannot take)."""
    limit = meeting_type.max_ahead_per_person
    if limit is None:
        return False
    held = Appointment.objects.filter(
        client=user, meeting_type=meeting_type, status=Appointment.Status.BOOKED, end__gt=now
    ).count()
    return held >= limit


def _next_free(*, meeting_type: MeetingType, user: User, now: datetime) -> list[datetime]:
    """The first free times the person may book, ``SPREAD`` apart, within the horizon."""
    first_day = now.astimezone(tz_of(meeting_type.calendar.owner)).date()
    last_day = bookable_until(meeting_type=meeting_type, actor=user, now=now)
    chosen: list[datetime] = []
    for slot in slots_for(meeting_type=meeting_type, actor=user, first_day=first_day, last_day=last_day, now=now):
        if all(abs(slot.start - earlier) >= SPREAD for earlier in chosen):
            chosen.append(slot.start)
            if len(chosen) == OFFERED:
                break
    return chosen


def _times_text(starts: list[datetime], user: User) -> list[dict[str, str]]:
    """Each time as the person reads it: "tir 8.12." and "10:00", in their language and zone."""
    tz = ZoneInfo(user.timezone)
    language = user.language if user.language in _DAY_FORMAT else "nb"
    with translation.override(language):
        return [
            {
                "day": formats.date_format(start.astimezone(tz), _DAY_FORMAT[language]),
                "time": start.astimezone(tz).strftime("%H:%M"),
            }
            for start in starts
        ]


def _unit_phone(user: User) -> str:
    phone = user.unit.phone if user.unit is not None else None
    return phone.as_national if phone else ""
