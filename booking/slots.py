"""Which times a calendar offers: the one place the slot rules are built and applied.

Every path that asks whether a time is free goes through here — the slots API, booking and
moving a meeting, a joint (responsibility-group) meeting across several calendars, a
handover checking the new worker's calendar, the waiting list — so a rule added to
``slot_rules`` applies to all of them. Reads only: the writes are in ``booking.services``.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.availability import Interval, SlotRules, _local_midnight, fits_any_hour, free_slots, nearest
from booking.models import Calendar, MeetingType
from booking.selectors import calendar_state, calendar_version
from config.errors import ApplicationError, Conflict
from people.models import User


def tz_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone)


def slot_rules(*, meeting_type: MeetingType, staff: bool, **overrides: Any) -> SlotRules:
    """The rules a meeting type's times are offered by.

    Service users get the meeting type's notice and horizon; staff booking on someone's
    behalf (``staff``) may book at short notice and further ahead (a series, a meeting set
    in person). ``overrides`` replace single rules for a path that needs them (a joint
    meeting's length and grid, a handover's one-minute grid), named where they are used."""
    rules = SlotRules(
        duration=meeting_type.duration,
        buffer_before=meeting_type.buffer_before,
        buffer_after=meeting_type.buffer_after,
        step=timedelta(minutes=meeting_type.slot_step_minutes),
        min_notice=timedelta(0) if staff else timedelta(minutes=meeting_type.min_notice_minutes),
        horizon_days=settings.BOOKING_STAFF_HORIZON_DAYS if staff else meeting_type.horizon_days,
    )
    return replace(rules, **overrides) if overrides else rules


def slot_rules_for(*, meeting_type: MeetingType, actor: User) -> SlotRules:
    """The rules ``actor`` books ``meeting_type`` by (staff rules for anyone but a service user)."""
    return slot_rules(meeting_type=meeting_type, staff=not actor.is_service_user)


def free_times(
    *,
    calendar: Calendar,
    rules: SlotRules,
    first_day: date,
    last_day: date,
    now: datetime,
    exclude_appointment_id: int | None = None,
    extra_busy: list[Interval] | None = None,
) -> list[Interval]:
    """Free slots of ``calendar`` under ``rules`` on its owner's local days first_day..last_day.

    ``exclude_appointment_id``: an appointment being moved, whose own time is not busy.
    ``extra_busy``: blocked ranges not yet written (meetings a handover is placing)."""
    tz = tz_of(calendar.owner)
    state = calendar_state(
        calendar=calendar, tz=tz, first_day=first_day, last_day=last_day, exclude_appointment_id=exclude_appointment_id
    )
    if extra_busy:
        state = replace(state, busy=[*state.busy, *extra_busy])
    return free_slots(state=state, rules=rules, first_day=first_day, last_day=last_day, now=now)


def offers_start(
    *,
    calendar: Calendar,
    rules: SlotRules,
    start: datetime,
    now: datetime,
    exclude_appointment_id: int | None = None,
    extra_busy: list[Interval] | None = None,
    ignore_bookings: bool = False,
) -> bool:
    """Whether ``calendar`` offers a meeting starting exactly at ``start`` under ``rules``.

    With ``ignore_bookings`` the calendar's appointments do not count: the answer is whether
    the time would be offered at all (hours, time off, notice, horizon, grid), which tells a
    time someone took (409) from one that was never on offer (400)."""
    day = start.astimezone(tz_of(calendar.owner)).date()
    if ignore_bookings:
        state = calendar_state(calendar=calendar, tz=tz_of(calendar.owner), first_day=day, last_day=day)
        slots = free_slots(state=replace(state, busy=()), rules=rules, first_day=day, last_day=day, now=now)
    else:
        slots = free_times(
            calendar=calendar,
            rules=rules,
            first_day=day,
            last_day=day,
            now=now,
            exclude_appointment_id=exclude_appointment_id,
            extra_busy=extra_busy,
        )
    wanted = start.astimezone(UTC)
    return any(slot.start.astimezone(UTC) == wanted for slot in slots)


def slots_for(
    *,
    meeting_type: MeetingType,
    actor: User,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    exclude_appointment_id: int | None = None,
) -> list[Interval]:
    """The times ``actor`` may book ``meeting_type`` on its calendar's local days first..last."""
    return free_times(
        calendar=meeting_type.calendar,
        rules=slot_rules_for(meeting_type=meeting_type, actor=actor),
        first_day=first_day,
        last_day=last_day,
        now=now or timezone.now(),
        exclude_appointment_id=exclude_appointment_id,
    )


def slots_offered(
    *, meeting_type: MeetingType, actor: User, first_day: date, last_day: date, now: datetime | None = None
) -> list[dict[str, str]]:
    """The free times ``slots_for`` gives, as local ISO strings (``{"start", "end"}``).

    Served from the ``slots`` cache while the calendar's version (``calendar_version``) is
    the one the answer was computed at; the version changes in the same transaction as any
    appointment, working hours or override of the calendar, whoever writes it. The version
    must be read before the calendar state (``meeting_type_for_booking`` does), so a cached
    answer is never older than its version. What depends on the clock is kept out of the
    cached answer: it is computed from the start of the local day (the horizon counts from
    that day, which is part of the key) and the minimum notice is applied on every read.
    """
    now = now or timezone.now()
    tz = tz_of(meeting_type.calendar.owner)
    rules = slot_rules_for(meeting_type=meeting_type, actor=actor)
    earliest = (now + rules.min_notice).timestamp()
    token = calendar_version(calendar=meeting_type.calendar)
    today = now.astimezone(tz).date()
    key = (
        f"slots:2:{meeting_type.calendar_id}:{token}:{tz.key}:{today}:{first_day}:{last_day}:"
        f"{rules.duration}:{rules.buffer_before}:{rules.buffer_after}:{rules.step}:{rules.horizon_days}:"
        f"{settings.PUBLIC_HOLIDAYS_COUNTRY}"
    )
    cache = caches["slots"]
    entries = cache.get(key) if token else None
    if entries is None:
        state = calendar_state(calendar=meeting_type.calendar, tz=tz, first_day=first_day, last_day=last_day)
        # From local midnight with no notice: every slot of today and later; the notice is
        # applied below, so the same answer serves every moment of the day.
        day_rules = replace(rules, min_notice=timedelta(0))
        slots = free_slots(
            state=state, rules=day_rules, first_day=first_day, last_day=last_day, now=_local_midnight(today, tz)
        )
        entries = [
            (s.start.timestamp(), s.start.astimezone(tz).isoformat(), s.end.astimezone(tz).isoformat()) for s in slots
        ]
        if token:
            cache.set(key, entries)
    return [{"start": start, "end": end} for stamp, start, end in entries if stamp >= earliest]


def bookable_until(*, meeting_type: MeetingType, actor: User, now: datetime | None = None) -> date:
    """The last local day ``actor`` may book ``meeting_type`` on (its horizon from today)."""
    now = now or timezone.now()
    rules = slot_rules_for(meeting_type=meeting_type, actor=actor)
    return now.astimezone(tz_of(meeting_type.calendar.owner)).date() + timedelta(days=rules.horizon_days)


def beyond_horizon(*, meeting_type: MeetingType, actor: User, first_day: date, now: datetime | None = None) -> None:
    """400 ``beyond_horizon`` for a request of free times that starts after the last bookable
    day, saying how far ahead one may book; a range that only ends beyond it is answered with
    the times inside it."""
    until = bookable_until(meeting_type=meeting_type, actor=actor, now=now)
    if first_day > until:
        days = slot_rules_for(meeting_type=meeting_type, actor=actor).horizon_days
        raise ApplicationError(
            _("This meeting can be booked at most %(days)s days ahead, until %(until)s. Ask for an earlier week.")
            % {"days": days, "until": until.isoformat()},
            code="beyond_horizon",
            fields={"start": [_("After the last day that can be booked.")]},
            bookable_until=until.isoformat(),
        )


# --- Answers for a time that is not free -------------------------------------------------------


def alternatives(
    *, meeting_type: MeetingType, actor: User, around: datetime, exclude: int | None = None
) -> list[dict[str, str]]:
    """The free times nearest ``around`` (a week before to two weeks after), as local ISO strings."""
    tz = tz_of(meeting_type.calendar.owner)
    day = around.astimezone(tz).date()
    slots = slots_for(
        meeting_type=meeting_type,
        actor=actor,
        first_day=day - timedelta(days=7),
        last_day=day + timedelta(days=14),
        exclude_appointment_id=exclude,
    )
    return [
        {"start": s.start.astimezone(tz).isoformat(), "end": s.end.astimezone(tz).isoformat()}
        for s in nearest(slots, around, settings.BOOKING_ALTERNATIVES)
    ]


def slot_taken(*, meeting_type: MeetingType, actor: User, start: datetime, exclude: int | None = None) -> Conflict:
    """409 for a time someone else took, with the nearest free times."""
    return Conflict(
        _("That time is no longer free. Here are the nearest free times."),
        code="slot_taken",
        alternatives=alternatives(meeting_type=meeting_type, actor=actor, around=start, exclude=exclude),
    )


def slot_unavailable(
    *, meeting_type: MeetingType, actor: User, start: datetime, now: datetime, exclude: int | None = None
) -> ApplicationError:
    """Tell apart a time that was never offered (400) from one someone else took (409)."""
    rules = slot_rules_for(meeting_type=meeting_type, actor=actor)
    if offers_start(calendar=meeting_type.calendar, rules=rules, start=start, now=now, ignore_bookings=True):
        return slot_taken(meeting_type=meeting_type, actor=actor, start=start, exclude=exclude)
    return ApplicationError(
        _("That time is not one of the offered times. Pick one of the free times listed for this meeting type."),
        code="slot_not_offered",
        fields={"start": [_("Not an offered time.")]},
        alternatives=alternatives(meeting_type=meeting_type, actor=actor, around=start, exclude=exclude),
    )


def fitting_any_hour(*, meeting_type: MeetingType, actor: User, starts: list[datetime], now: datetime) -> set[datetime]:
    """Which of ``starts`` (as UTC instants) ``actor`` may book outside the usual hours: the
    opening hours, the grid and public holidays do not apply, but time off, the calendar's
    other meetings with their buffers, the notice and the horizon do (``fits_any_hour``)."""
    if not starts:
        return set()
    tz = tz_of(meeting_type.calendar.owner)
    days = sorted(s.astimezone(tz).date() for s in starts)
    state = calendar_state(calendar=meeting_type.calendar, tz=tz, first_day=days[0], last_day=days[-1])
    rules = slot_rules_for(meeting_type=meeting_type, actor=actor)
    return {s.astimezone(UTC) for s in starts if fits_any_hour(state=state, rules=rules, start=s, now=now)}


def any_hour_unavailable(*, meeting_type: MeetingType, actor: User, start: datetime, now: datetime) -> ApplicationError:
    """Why a time outside the usual hours cannot be booked: another meeting holds it (409), or
    it is in the past, in time off or too far ahead (400); both with the nearest free times."""
    tz = tz_of(meeting_type.calendar.owner)
    day = start.astimezone(tz).date()
    state = calendar_state(calendar=meeting_type.calendar, tz=tz, first_day=day, last_day=day)
    rules = slot_rules_for(meeting_type=meeting_type, actor=actor)
    if fits_any_hour(state=replace(state, busy=()), rules=rules, start=start, now=now):
        return slot_taken(meeting_type=meeting_type, actor=actor, start=start)
    return ApplicationError(
        _("That time cannot be booked: it has passed, falls in time off, or is too far ahead."),
        code="time_not_bookable",
        fields={"start": [_("Choose another time.")]},
        alternatives=alternatives(meeting_type=meeting_type, actor=actor, around=start),
    )


def any_hour_refusal(
    *, meeting_type: MeetingType, actor: User, start: datetime, now: datetime | None = None
) -> ApplicationError | None:
    """None if ``actor`` may book ``start`` outside the usual hours now, else why not (as
    ``any_hour_unavailable``). A read: the booking asks again under the calendar's lock."""
    now = now or timezone.now()
    if fitting_any_hour(meeting_type=meeting_type, actor=actor, starts=[start], now=now):
        return None
    return any_hour_unavailable(meeting_type=meeting_type, actor=actor, start=start, now=now)


def fits_at(
    *,
    calendar: Calendar,
    meeting_type: MeetingType,
    start: datetime,
    now: datetime,
    extra_busy: list[Interval] | None = None,
) -> bool:
    """Whether ``calendar`` can hold a meeting of ``meeting_type`` at exactly ``start``: inside
    its open hours, not in time off, clear of its meetings (buffers included) and of
    ``extra_busy``. No notice, horizon or grid apply: the time is already fixed (a meeting
    handed to another worker keeps its time), the question is only whether it fits."""
    tz = tz_of(calendar.owner)
    day = start.astimezone(tz).date()
    rules = slot_rules(
        meeting_type=meeting_type,
        staff=True,
        step=timedelta(minutes=1),
        horizon_days=max(1, (day - now.astimezone(tz).date()).days + 1),
    )
    return offers_start(calendar=calendar, rules=rules, start=start, now=now, extra_busy=extra_busy)


def joint_rules(*, meeting_type: MeetingType, duration: timedelta, step: timedelta) -> SlotRules:
    """The rules one calendar offers a joint meeting by: its meeting type's buffers, notice and
    horizon, for the meeting's length, on a grid every calendar shares."""
    return slot_rules(meeting_type=meeting_type, staff=False, duration=duration, step=step)
