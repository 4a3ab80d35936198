"""Writes for reminders: plans, delivery rows, claiming and sending, inbound SMS.

Reminders are rows (``Delivery``) written in the same transaction as their cause. A
periodic dispatcher claims due rows and hands their ids to send tasks; nothing is
ever scheduled as a far-future task.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, F, Q
from django.db.models.functions import Cast
from django.utils import timezone

from booking.models import Appointment
from config import prepared
from people.models import PhoneNumber, User
from people.selectors import current_worker_of
from reminders import channels
from reminders.messages import render
from reminders.models import (
    Channel,
    Delivery,
    DispatchState,
    FollowUpTask,
    MedicationLog,
    ReminderPlan,
    ReminderPreferences,
)
from reminders.schedule import apply_quiet_hours, occurrences, previous_business_day

logger = logging.getLogger(__name__)

# How long after the moment it is about a reminder is still worth sending.
USEFUL_FOR = {
    Delivery.Kind.MEDICATION: timedelta(hours=2),
    Delivery.Kind.MONEY: timedelta(hours=12),
    Delivery.Kind.ROUTINE: timedelta(hours=1),
    Delivery.Kind.SUMMARY: timedelta(hours=3),
    Delivery.Kind.REPLY: timedelta(hours=1),
    Delivery.Kind.STAFF_ALERT: timedelta(hours=24),
}
# Kinds bundled into the morning summary when the person has turned it on.
SUMMARY_KINDS = (Delivery.Kind.MONEY, Delivery.Kind.ROUTINE)
# Kinds that respect quiet hours; a reply to a person's own SMS does not wait.
QUIET_KINDS = {
    Delivery.Kind.APPOINTMENT,
    Delivery.Kind.APPOINTMENT_BOOKED,
    Delivery.Kind.APPOINTMENT_MOVED,
    Delivery.Kind.APPOINTMENT_CANCELLED,
    Delivery.Kind.MEDICATION,
    Delivery.Kind.MONEY,
    Delivery.Kind.ROUTINE,
    Delivery.Kind.SUMMARY,
    Delivery.Kind.STAFF_ALERT,
}


def _tz(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone)


def preferences_prefetch(users: Iterable[User]) -> None:
    """Load many people's preferences in one query. People without a row get the defaults
    in memory only: reading preferences never writes.

    One person often comes as several instances (one per plan or per delivery row, each
    from its own select_related); every instance gets the cache, or preferences_for would
    fall back to a get_or_create, one query and one insert, per extra instance."""
    by_id: dict[int, list[User]] = {}
    for user in users:
        by_id.setdefault(user.pk, []).append(user)
    found = {p.user_id: p for p in ReminderPreferences.objects.filter(user_id__in=by_id)}
    for user_id, same in by_id.items():
        prefs = found.get(user_id) or ReminderPreferences(user=same[0])
        for user in same:
            user._reminder_prefs_cache = prefs


def preferences_for(user: User) -> ReminderPreferences:
    """The person's saved preferences, created with the defaults if they have none yet."""
    prefs = getattr(user, "_reminder_prefs_cache", None)
    if prefs is None or prefs.pk is None:
        prefs, _created = ReminderPreferences.objects.get_or_create(user=user)
        user._reminder_prefs_cache = prefs
    return prefs


def preferences_read(user: User) -> ReminderPreferences:
    """Preferences for reading only: the defaults in memory when none are saved, so the hot
    paths (booking, sending) never write a preferences row."""
    prefs = getattr(user, "_reminder_prefs_cache", None)
    if prefs is None:
        # Compiled once (config.prepared): every booking reads this.
        found = prepared.rows("reminder-preferences", _preferences_row, [user.pk])
        prefs = prepared.instance(ReminderPreferences, found[0]) if found else ReminderPreferences(user=user)
        prefs.user = user
        user._reminder_prefs_cache = prefs
    return prefs


def _preferences_row(user_id: int) -> Any:
    return ReminderPreferences.objects.filter(user_id=user_id).values_list(*prepared.field_paths(ReminderPreferences))[
        :1
    ]


@dataclass(frozen=True)
class Planned:
    """A delivery to create: the values that differ between causes."""

    recipient: User
    kind: str
    channel: str
    occurrence_at: datetime
    due_at: datetime
    expires_at: datetime
    dedupe_key: str
    context: dict[str, Any]
    plan: ReminderPlan | None = None
    appointment: Appointment | None = None


def _fit_quiet_hours(item: Planned, prefs: ReminderPreferences, now: datetime) -> Planned | None:
    if item.kind not in QUIET_KINDS:
        return item
    due = apply_quiet_hours(
        due=item.due_at,
        expires=item.expires_at,
        now=now,
        tz=_tz(item.recipient),
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
    )
    if due is None:
        return None
    return Planned(**{**item.__dict__, "due_at": due})


def _create(items: Iterable[Planned], now: datetime) -> int:
    """Insert delivery rows, skipping any whose dedupe key exists (idempotent).

    Returns how many rows were offered to the insert; rows already there are skipped by the
    database and still counted."""
    rows = []
    for item in items:
        fitted = _fit_quiet_hours(item, preferences_read(item.recipient), now)
        if fitted is None or fitted.expires_at <= now:
            continue
        rows.append(
            Delivery(
                recipient=fitted.recipient,
                kind=fitted.kind,
                channel=fitted.channel,
                plan=fitted.plan,
                appointment=fitted.appointment,
                occurrence_at=fitted.occurrence_at,
                due_at=max(fitted.due_at, now),
                expires_at=fitted.expires_at,
                dedupe_key=fitted.dedupe_key,
                context=fitted.context,
            )
        )
    if rows:
        if len(rows) <= 16:
            prepared.insert(rows, ignore_conflicts=True)  # a booking's few rows, SQL built once
        else:
            Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        if any(row.due_at <= now + timedelta(seconds=5) for row in rows):
            from reminders.tasks import queue_dispatch_on_commit

            queue_dispatch_on_commit()
    return len(rows)


# --- Appointments ------------------------------------------------------------------------------


def _appointment_context(appointment: Appointment) -> dict[str, Any]:
    worker = appointment.calendar.owner
    return {
        "worker": worker.short_name,
        "place": appointment.meeting_type.place,
        "mode": appointment.meeting_type.mode,
    }


def _channels_for(user: User, wanted: Iterable[str]) -> list[str]:
    return [c for c in wanted if c in Channel.values] or [Channel.SMS]


def appointment_reminders_schedule(*, appointment: Appointment, now: datetime | None = None) -> int:
    """Create the reminders for a booked appointment. Call inside the booking transaction."""
    now = now or timezone.now()
    return _create(_reminder_items(appointment, now), now)


def appointments_booked(*, appointments: list[Appointment], now: datetime | None = None) -> int:
    """Reminders for newly booked appointments and one confirmation (for a series, of its
    first meeting), written in one insert inside the booking transaction."""
    now = now or timezone.now()
    if not appointments:
        return 0
    items = [item for appointment in appointments for item in _reminder_items(appointment, now)]
    first = appointments[0]
    items += _notice_items(
        appointment=first, kind=Delivery.Kind.APPOINTMENT_BOOKED, key=f"appt-booked:{first.pk}", now=now
    )
    return _create(items, now)


def _reminder_items(appointment: Appointment, now: datetime) -> list[Planned]:
    client = appointment.client
    prefs = preferences_read(client)
    context = _appointment_context(appointment)
    stamp = int(appointment.start.timestamp())
    return [
        Planned(
            recipient=client,
            kind=Delivery.Kind.APPOINTMENT,
            channel=channel,
            occurrence_at=appointment.start,
            due_at=appointment.start - timedelta(minutes=offset),
            expires_at=appointment.start,
            # The sequence keeps a meeting moved back to an earlier time from colliding with
            # the cancelled rows of that time.
            dedupe_key=f"appt:{appointment.pk}:{appointment.sequence}:{stamp}:{offset}:{channel}",
            context=context,
            appointment=appointment,
        )
        for offset in prefs.appointment_offsets
        for channel in _channels_for(client, prefs.appointment_channels)
        if appointment.start - timedelta(minutes=offset) > now
    ]


def _cancel_pending(qs: Any, reason: str) -> int:
    return qs.filter(status=Delivery.Status.SCHEDULED).update(
        status=Delivery.Status.CANCELLED, last_error=reason, updated_at=timezone.now()
    )


def _notice(*, appointment: Appointment, kind: str, key: str, now: datetime) -> int:
    return _create(_notice_items(appointment=appointment, kind=kind, key=key, now=now), now)


def _notice_items(*, appointment: Appointment, kind: str, key: str, now: datetime) -> list[Planned]:
    client = appointment.client
    prefs = preferences_read(client)
    return [
        Planned(
            recipient=client,
            kind=kind,
            channel=channel,
            occurrence_at=appointment.start,
            due_at=now,
            expires_at=max(appointment.start, now + timedelta(hours=1)),
            dedupe_key=f"{key}:{channel}",
            context=_appointment_context(appointment),
            appointment=appointment,
        )
        for channel in _channels_for(client, prefs.appointment_channels)
    ]


def appointment_reminders_moved(*, appointment: Appointment, actor: User, now: datetime | None = None) -> None:
    """The appointment moved: drop its pending reminders, plan new ones, and tell the
    service user if someone else moved it."""
    now = now or timezone.now()
    _cancel_pending(Delivery.objects.filter(appointment=appointment), "appointment moved")
    appointment_reminders_schedule(appointment=appointment, now=now)
    if actor.pk != appointment.client_id:
        _notice(
            appointment=appointment,
            kind=Delivery.Kind.APPOINTMENT_MOVED,
            key=f"appt-moved:{appointment.pk}:{appointment.sequence}",
            now=now,
        )


def appointment_reminders_cancelled(*, appointment: Appointment, actor: User, now: datetime | None = None) -> None:
    """The appointment was cancelled: drop its reminders and tell the service user if
    someone else cancelled it (a person who cancels by SMS gets a reply instead)."""
    now = now or timezone.now()
    _cancel_pending(Delivery.objects.filter(appointment=appointment), "appointment cancelled")
    if actor.pk != appointment.client_id and appointment.start > now:
        _notice(
            appointment=appointment,
            kind=Delivery.Kind.APPOINTMENT_CANCELLED,
            key=f"appt-cancelled:{appointment.pk}",
            now=now,
        )


# --- Plans -----------------------------------------------------------------------------------


def _plan_kind_to_delivery(plan: ReminderPlan) -> str:
    return {
        ReminderPlan.Kind.MEDICATION: Delivery.Kind.MEDICATION,
        ReminderPlan.Kind.MONEY: Delivery.Kind.MONEY,
        ReminderPlan.Kind.ROUTINE: Delivery.Kind.ROUTINE,
    }[plan.kind]


# Days in one period of the frequencies whose periods are a fixed number of days.
_PERIOD_DAYS = {"DAILY": 1, "WEEKLY": 7}


def _expansion_start(plan: ReminderPlan, first_day: date) -> date:
    """A start date no later than needed that gives the same occurrences from ``first_day``.

    An RRULE is expanded from its start, so a daily plan started a year ago would walk 365
    days to find tomorrow. Moving the start forward by whole periods (INTERVAL × a day or a
    week) keeps every occurrence on or after the new start: the same weekday, the same
    phase of the interval, and the BY… parts are calendar filters. Not with COUNT (counted
    from the real start), nor for monthly and yearly rules, whose periods vary in length.
    """
    text = plan.rrule.strip().upper().removeprefix("RRULE:")
    parts = {name.strip(): value.strip() for name, _, value in (part.partition("=") for part in text.split(";"))}
    days = _PERIOD_DAYS.get(parts.get("FREQ", ""))
    if days is None or "COUNT" in text:
        return plan.starts_on
    try:
        period = days * int(parts.get("INTERVAL", "1"))
    except ValueError:
        return plan.starts_on  # the expansion reports the bad rule
    # Two days of slack: the expansion looks at the local day before the window as well.
    gap = (first_day - timedelta(days=2) - plan.starts_on).days
    if period < 1 or gap < period:
        return plan.starts_on
    return plan.starts_on + timedelta(days=gap // period * period)


def plan_occurrences(*, plan: ReminderPlan, after: datetime, until: datetime) -> list[datetime]:
    """The plan's reminder times in (after, until]; paydays on a weekend or public holiday
    move to the business day before, at the same local time."""
    tz = _tz(plan.owner)
    # Look a few days past `until` so a payday moved earlier into the window is found.
    extra = timedelta(days=5) if plan.money_kind == ReminderPlan.MoneyKind.PAYDAY else timedelta(0)
    starts_on = _expansion_start(plan, after.astimezone(tz).date())
    times = occurrences(rule_text=plan.rrule, starts_on=starts_on, tz=tz, after=after, until=until + extra)
    if plan.money_kind == ReminderPlan.MoneyKind.PAYDAY:
        moved = []
        for at in times:
            local = at.astimezone(tz)
            day = previous_business_day(local.date())
            moved.append(datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC))
        times = sorted({t for t in moved if after < t <= until})
    return times


def _plan_context(plan: ReminderPlan) -> dict[str, Any]:
    return {
        "title": plan.title,
        "dose": plan.dose,
        "money_kind": plan.money_kind,
        "amount": f"{plan.amount:.0f}" if plan.amount is not None else "",
    }


def _plan_items(*, plan: ReminderPlan, until: datetime, now: datetime) -> list[Planned]:
    """The deliveries a plan needs from where it was materialised to ``until``."""
    start = max(plan.materialized_until or now, now - timedelta(minutes=1))
    if not plan.is_active or until <= start:
        return []
    kind = _plan_kind_to_delivery(plan)
    context = _plan_context(plan)
    return [
        Planned(
            recipient=plan.owner,
            kind=kind,
            channel=channel,
            occurrence_at=at,
            due_at=at,
            expires_at=at + USEFUL_FOR[kind],
            dedupe_key=f"plan:{plan.pk}:v{plan.version}:{int(at.timestamp())}:{channel}",
            context=context,
            plan=plan,
        )
        for at in plan_occurrences(plan=plan, after=start, until=until)
        for channel in _channels_for(plan.owner, plan.channels)
    ]


def plan_materialize(*, plan: ReminderPlan, until: datetime, now: datetime | None = None) -> int:
    """Create delivery rows for the plan's occurrences up to ``until``. Idempotent."""
    now = now or timezone.now()
    created = _create(_plan_items(plan=plan, until=until, now=now), now)
    ReminderPlan.objects.filter(pk=plan.pk).update(materialized_until=until)
    plan.materialized_until = until
    return created


def _horizon(now: datetime) -> datetime:
    return now + timedelta(hours=settings.REMINDERS_HORIZON_HOURS)


def plan_save(*, plan: ReminderPlan, now: datetime | None = None) -> ReminderPlan:
    """Save a new or changed plan and plan its next reminders at once, so a reminder due
    in two minutes goes out in two minutes. Pending rows of the old version are cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        if plan.pk:
            plan.version += 1
            plan.materialized_until = None
            plan.save()
            _cancel_pending(Delivery.objects.filter(plan=plan), "plan changed")
        else:
            plan.save()
        plan_materialize(plan=plan, until=_horizon(now), now=now)
    return plan


def plan_delete(*, plan: ReminderPlan) -> None:
    """Retire a plan: its pending reminders are cancelled, its history is kept."""
    with transaction.atomic():
        plan.is_active = False
        plan.version += 1
        plan.save(update_fields=["is_active", "version", "updated_at"])
        _cancel_pending(Delivery.objects.filter(plan=plan), "plan removed")


def plans_materialize_all(*, now: datetime | None = None, chunk: int = 2000) -> int:
    """The rolling horizon: extend every active plan to now + REMINDERS_HORIZON_HOURS.

    Safe to run twice or concurrently: rows are keyed, and plans already materialised
    that far are not even loaded.
    """
    now = now or timezone.now()
    until = _horizon(now)
    created = 0
    qs = (
        ReminderPlan.objects.filter(is_active=True)
        .filter(Q(materialized_until__isnull=True) | Q(materialized_until__lt=until))
        .select_related("owner")
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(qs.filter(pk__gt=last_pk)[:chunk])
        if not batch:
            break
        preferences_prefetch(p.owner for p in batch)
        # One insert and one marker update per chunk, not two statements per plan.
        items = [item for plan in batch for item in _plan_items(plan=plan, until=until, now=now)]
        with transaction.atomic():
            created += _create(items, now)
            ReminderPlan.objects.filter(pk__in=[p.pk for p in batch]).update(materialized_until=until)
        last_pk = batch[-1].pk
    return created


def summaries_materialize(*, now: datetime | None = None) -> int:
    """Plan the morning summary for people who turned it on, today and tomorrow."""
    now = now or timezone.now()
    items = []
    for prefs in ReminderPreferences.objects.filter(morning_summary=True).select_related("user"):
        user = prefs.user
        user._reminder_prefs_cache = prefs
        tz = _tz(user)
        today = now.astimezone(tz).date()
        for day in (today, today + timedelta(days=1)):
            at = datetime.combine(day, prefs.morning_summary_time, tzinfo=tz)
            for channel in _channels_for(user, prefs.appointment_channels):
                items.append(
                    Planned(
                        recipient=user,
                        kind=Delivery.Kind.SUMMARY,
                        channel=channel,
                        occurrence_at=at,
                        due_at=at,
                        expires_at=at + USEFUL_FOR[Delivery.Kind.SUMMARY],
                        dedupe_key=f"summary:{user.pk}:{day.isoformat()}:{channel}",
                        context={},
                    )
                )
    return _create(items, now)


# --- Staff alerts and tasks -------------------------------------------------------------------


def _one_off(
    *,
    recipient: User,
    kind: str,
    key: str,
    context: dict[str, Any],
    at: datetime,
    now: datetime,
    expires_at: datetime,
    channels: Iterable[str] | None = None,
    due_at: datetime | None = None,
) -> int:
    """One message to one person, over ``channels`` (default: the channels they chose for
    meetings), due now unless ``due_at`` says otherwise. ``key`` makes it once per channel:
    the same key never sends twice."""
    if channels is None:
        channels = preferences_read(recipient).appointment_channels
    return _create(
        [
            Planned(
                recipient=recipient,
                kind=kind,
                channel=channel,
                occurrence_at=at,
                due_at=due_at or now,
                expires_at=expires_at,
                dedupe_key=f"{key}:{channel}",
                context=context,
            )
            for channel in _channels_for(recipient, channels)
        ],
        now,
    )


def _cancel_by_key(*, kind: str, key_prefix: str) -> int:
    pending = Delivery.objects.filter(kind=kind, dedupe_key__startswith=key_prefix)
    return _cancel_pending(pending, "no longer needed")


def staff_alert(*, staff: User, task: str, client: User, ref: str, at: datetime, now: datetime) -> int:
    return _one_off(
        recipient=staff,
        kind=Delivery.Kind.STAFF_ALERT,
        key=f"staff:{task}:{ref}",
        # Initials only: a staff phone can be seen by others. The id (never shown) lets a
        # handover find the alerts about this person.
        context={"task": task, "client": client.initials, "client_id": client.pk},
        at=at,
        now=now,
        expires_at=now + USEFUL_FOR[Delivery.Kind.STAFF_ALERT],
    )


def follow_up_task_create(*, client: User, kind: str, ref: str, at: datetime, now: datetime) -> FollowUpTask | None:
    """A task for the client's current worker, with an alert to them. None if nobody follows the client."""
    worker = current_worker_of(client=client)
    if worker is None:
        return None
    task = FollowUpTask.objects.create(worker=worker, client=client, kind=kind)
    staff_alert(staff=worker, task=kind, client=client, ref=ref, at=at, now=now)
    return task


# --- Dispatch ---------------------------------------------------------------------------------


def deliveries_claim(*, limit: int, now: datetime | None = None) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due rows for sending; returns (claim token, ids).

    Exclusive: on PostgreSQL the rows are locked with SKIP LOCKED, so two dispatchers
    never get the same row; on SQLite the write transaction is serialised. The update
    is conditional on the row still being scheduled either way.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.SCHEDULED, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return str(token), []
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SCHEDULED).update(
            status=Delivery.Status.SENDING,
            # The attempt is recorded here, before any provider is called.
            attempts=F("attempts") + 1,
            claim_token=token,
            lease_until=now + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS),
            updated_at=now,
        )
        ids = list(Delivery.objects.filter(pk__in=ids, claim_token=token).values_list("pk", flat=True))
    return str(token), ids


def dispatch_room() -> int:
    """How many more rows a dispatcher may claim now.

    A claimed row must be sent within its lease, or the sweeper returns it and it is claimed
    again (one more attempt counted) while its send task still waits in the queue. So no
    more rows are in flight than the workers send in half a lease at
    ``REMINDERS_SEND_RATE`` per second; the next dispatch tops up."""
    limit = max(settings.REMINDERS_SEND_BATCH, int(settings.REMINDERS_SEND_RATE * settings.REMINDERS_LEASE_SECONDS / 2))
    in_flight = Delivery.objects.filter(status=Delivery.Status.SENDING).count()
    return max(0, limit - in_flight)


def dispatch_state_touch(*, now: datetime | None = None) -> None:
    """Record that a dispatch sweep ran (the health endpoint reports it)."""
    DispatchState.objects.update_or_create(name="dispatch", defaults={"last_run_at": now or timezone.now()})


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Return rows stuck in 'sending' after their lease (a worker died) to 'scheduled'."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__lt=now).update(
        status=Delivery.Status.SCHEDULED, claim_token=None, lease_until=None, updated_at=now
    )


def deliveries_purge(*, now: datetime | None = None) -> int:
    """Delete finished rows older than REMINDERS_KEEP_DAYS (the history a person can see)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REMINDERS_KEEP_DAYS)
    finished = [Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.CANCELLED, Delivery.Status.MISSED]
    deleted, _ = Delivery.objects.filter(status__in=finished, due_at__lt=cutoff).delete()
    return deleted


@dataclass
class _Target:
    address: str
    phone: PhoneNumber | None = None


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


def _usable_numbers(user: User) -> list[PhoneNumber]:
    cached = getattr(user, "_phone_numbers_cache", None)
    everyone = cached if cached is not None else user.phone_numbers.all()
    numbers = [p for p in everyone if p.unusable_since is None]
    return sorted(numbers, key=lambda p: (not p.is_active, -p.created_at.timestamp()))


def _target(delivery: Delivery) -> _Target | None:
    user = delivery.recipient
    if delivery.channel == Channel.SMS:
        forced = delivery.context.get("force_sms")
        if not forced and not preferences_read(user).sms_enabled:
            return None
        numbers = _usable_numbers(user)
        if not numbers:
            return None
        # The number as stored (E.164), loaded as text by deliveries_send: parsing and
        # formatting it again cost more than rendering the message.
        address = getattr(numbers[0], "stored_number", None) or str(numbers[0].number)
        return _Target(address=address, phone=numbers[0])
    return _Target(address=user.email) if user.email else None


def _no_target_reason(delivery: Delivery) -> str:
    if delivery.channel == Channel.EMAIL:
        return "no e-mail address"
    if not delivery.context.get("force_sms") and not preferences_read(delivery.recipient).sms_enabled:
        return "SMS turned off by the person"
    return "no usable phone number"


def _summary_items(delivery: Delivery) -> list[dict[str, str]]:
    user = delivery.recipient
    tz = _tz(user)
    start = delivery.occurrence_at
    day_end = datetime.combine(start.astimezone(tz).date() + timedelta(days=1), time(0), tzinfo=tz)
    items: list[tuple[datetime, str]] = []
    for appointment in Appointment.objects.filter(
        client=user, status=Appointment.Status.BOOKED, start__gte=start, start__lt=day_end
    ).select_related("calendar__owner"):
        worker = appointment.calendar.owner
        items.append((appointment.start, f"{worker.short_name}"))
    for plan in ReminderPlan.objects.filter(owner=user, is_active=True, kind__in=["money", "routine"]):
        for at in plan_occurrences(plan=plan, after=start - timedelta(seconds=1), until=day_end):
            items.append((at, plan.title))
    items.sort(key=lambda item: item[0])
    return [{"time": at.astimezone(tz).strftime("%H:%M"), "text": text} for at, text in items]


def _message_for(delivery: Delivery, target: _Target) -> channels.Message:
    user = delivery.recipient
    prefs = preferences_read(user)
    context = {**delivery.context, "discreet": prefs.discreet}
    if delivery.kind == Delivery.Kind.SUMMARY:
        context["items"] = _summary_items(delivery)
    subject, text = render(
        kind=delivery.kind, language=user.language, tz=_tz(user), at=delivery.occurrence_at, context=context
    )
    return channels.Message(
        to=target.address, text=text, subject=subject, idempotency_key=str(delivery.idempotency_key)
    )


def _finish(delivery: Delivery, token: str, **values: Any) -> bool:
    values.setdefault("updated_at", timezone.now())
    return bool(
        Delivery.objects.filter(pk=delivery.pk, claim_token=token, status=Delivery.Status.SENDING).update(**values)
    )


class _SentMarks:
    """Rows posted under one run's token and not yet marked sent, written together.

    One UPDATE … FROM (VALUES …) per flush instead of one statement and one commit per
    message: the commit (an fsync) and building the statement cost more than the send. It
    keeps _finish's condition, so a row passed to a newer claim (its token changed) or
    finished otherwise is never overwritten. A flush happens every
    ``REMINDERS_MARK_SENT_EVERY`` rows and at least once a second, before a lease is renewed
    and when the batch ends: a crash can leave at most that many posted rows of a thread to
    be posted again after their lease, with the same idempotency key."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.pending: list[tuple[int, int | None, str]] = []
        self.since = 0.0

    def add(self, delivery: Delivery, phone: PhoneNumber | None, provider_id: str) -> None:
        if not self.pending:
            self.since = monotonic()
        self.pending.append((delivery.pk, phone.pk if phone is not None else None, provider_id[:100]))
        if len(self.pending) >= settings.REMINDERS_MARK_SENT_EVERY or monotonic() - self.since >= 1.0:
            self.flush()

    def flush(self) -> int:
        """Write the pending marks; returns how many rows this run still held and marked."""
        if not self.pending:
            return 0
        marks, self.pending = self.pending, []
        return _mark_sent(marks, self.token)


def _mark_sent(marks: list[tuple[int, int | None, str]], token: str) -> int:
    """_finish(status=SENT, …) for many rows in one statement, written directly because
    compiling the ORM update cost more CPU than running it. ``marks`` are (row id, phone
    number id, provider message id). Same condition as _finish: only rows still carrying
    this token and sending. Returns the number of rows marked."""
    opts = Delivery._meta

    def prep(name: str, value: Any) -> Any:
        # The backend's representation (a UUID is 32 hex characters on SQLite, for one).
        return opts.get_field(name).get_db_prep_value(value, connection)

    now = timezone.now()
    values = ", ".join(["(%s, %s, %s)"] * len(marks))
    if connection.vendor == "postgresql":
        source = f"(VALUES {values}) AS v (id, phone_id, provider_id)"
    else:
        # SQLite names a VALUES list's columns column1, column2 …
        source = f"(SELECT column1 AS id, column2 AS phone_id, column3 AS provider_id FROM (VALUES {values})) AS v"  # noqa: S608
    # UPDATE … FROM reads the same on both (SQLite 3.33+). The cast: a column of NULLs
    # only would be text on PostgreSQL. Only placeholders go into the text; every value is
    # a parameter.
    sql = (
        "UPDATE reminders_delivery SET status = %s, phone_number_id = CAST(v.phone_id AS BIGINT), "  # noqa: S608
        "provider_message_id = v.provider_id, sent_at = %s, last_error = %s, updated_at = %s "
        f"FROM {source} WHERE reminders_delivery.id = v.id AND reminders_delivery.claim_token = %s "
        "AND reminders_delivery.status = %s"
    )
    params: list[Any] = [Delivery.Status.SENT.value, prep("sent_at", now), "", prep("updated_at", now)]
    params += [value for mark in marks for value in mark]
    params += [prep("claim_token", token), Delivery.Status.SENDING.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _hold(ids: list[int], token: str, now: datetime) -> set[int]:
    """Extend the lease of those rows this claim still holds; returns their ids.

    While a row's lease runs nobody else can touch it: the sweeper returns only rows whose
    lease ran out, and every other writer needs the token."""
    held = Delivery.objects.filter(pk__in=ids, claim_token=token, status=Delivery.Status.SENDING)
    held.update(lease_until=now + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS), updated_at=timezone.now())
    return set(held.values_list("pk", flat=True))


def _bundled_in_summary(delivery: Delivery) -> bool:
    if delivery.kind not in SUMMARY_KINDS:
        return False
    prefs = preferences_read(delivery.recipient)
    if not prefs.morning_summary:
        return False
    local = delivery.occurrence_at.astimezone(_tz(delivery.recipient))
    return local.time() >= prefs.morning_summary_time


def _fallback(delivery: Delivery, now: datetime, reason: str) -> Delivery | None:
    """After a permanent SMS failure: try another usable number, then e-mail if allowed.

    Returns the new row, or None when the person has no other way to be reached."""
    user = delivery.recipient
    channel: str | None = None
    # Another SMS only where SMS is allowed: after STOPP it would fail the same way, again
    # and again until the reminder expires.
    sms_allowed = preferences_read(user).sms_enabled or delivery.context.get("force_sms")
    if delivery.channel == Channel.SMS and sms_allowed and _usable_numbers(user):
        channel = Channel.SMS
    elif delivery.channel != Channel.EMAIL and user.email and preferences_read(user).email_fallback:
        # Not after a failed e-mail (the same address would refuse it again), and no second
        # e-mail when the person already gets this one by e-mail.
        already = Delivery.objects.filter(
            recipient=user,
            kind=delivery.kind,
            occurrence_at=delivery.occurrence_at,
            channel=Channel.EMAIL,
            plan=delivery.plan,
            appointment=delivery.appointment,
        ).exclude(status__in=[Delivery.Status.FAILED, Delivery.Status.CANCELLED])
        if not already.exists():
            channel = Channel.EMAIL
    if channel is None or delivery.expires_at <= now:
        return None
    fallback, _created = Delivery.objects.get_or_create(
        dedupe_key=f"fb:{delivery.pk}:{channel}",
        defaults={
            "recipient": user,
            "kind": delivery.kind,
            "channel": channel,
            "plan": delivery.plan,
            "appointment": delivery.appointment,
            "occurrence_at": delivery.occurrence_at,
            "due_at": now,
            "expires_at": delivery.expires_at,
            "context": delivery.context,
            "last_error": f"fallback after: {reason}"[:300],
        },
    )
    return fallback


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


def _on_permanent_failure(delivery: Delivery, error: channels.PermanentError, now: datetime) -> None:
    if delivery.channel == Channel.SMS and delivery.phone_number_id and error.destination_dead:
        phone_number_failed(phone=delivery.phone_number, now=now)
    _fallback(delivery, now, str(error))


def deliveries_send(*, ids: list[int], claim_token: str, now: datetime | None = None) -> dict[str, int]:
    """Send the claimed rows. Each row is re-checked against the claim token, so a task
    that runs twice (redelivered after a crash) sends nothing the second time."""
    counts = {"sent": 0, "failed": 0, "retry": 0, "missed": 0, "cancelled": 0, "skipped": 0}
    # Take the rows over under a token of this run, with a fresh lease, in one statement.
    # The task may have waited in the queue past the claim's lease, and the sweeper may have
    # handed rows to a new claim since: those no longer carry the claim token and are not
    # taken. A copy of this task running at the same time (redelivered by the broker) finds
    # nothing left to take.
    run_token = str(uuid.uuid4())
    lease_s = settings.REMINDERS_LEASE_SECONDS
    Delivery.objects.filter(pk__in=ids, claim_token=claim_token, status=Delivery.Status.SENDING).update(
        claim_token=run_token,
        lease_until=(now or timezone.now()) + timedelta(seconds=lease_s),
        updated_at=timezone.now(),
    )
    claim_token = run_token
    renew_at = monotonic() + lease_s / 2
    rows = list(
        # The row's phone number is set from the prefetched numbers before it is posted.
        Delivery.objects.filter(pk__in=ids, claim_token=claim_token, status=Delivery.Status.SENDING).select_related(
            "recipient"
        )
    )
    _phone_numbers_prefetch(row.recipient for row in rows if row.channel == Channel.SMS)
    counts["skipped"] = len(ids) - len(rows)
    preferences_prefetch(row.recipient for row in rows)
    backends: dict[str, channels.Backend] = {}
    held = {row.pk for row in rows}
    marks = _SentMarks(claim_token)
    try:
        for index, delivery in enumerate(rows):
            now_ = now or timezone.now()
            if delivery.expires_at <= now_:
                _finish(delivery, claim_token, status=Delivery.Status.MISSED, last_error="too late to be useful")
                counts["missed"] += 1
                continue
            if _bundled_in_summary(delivery):
                _finish(delivery, claim_token, status=Delivery.Status.CANCELLED, last_error="in the morning summary")
                counts["cancelled"] += 1
                continue
            target = _target(delivery)
            if target is None:
                with transaction.atomic():
                    reason = _no_target_reason(delivery)
                    if _finish(delivery, claim_token, status=Delivery.Status.FAILED, last_error=reason):
                        _fallback(delivery, now_, reason)
                counts["failed"] += 1
                continue
            message = _message_for(delivery, target)
            # Each row is posted only under a lease with at least half its length left,
            # renewed for the rest of the batch when half has passed (a slow gateway, a long
            # batch); the marks still pending are written first, so no posted row outlives its
            # lease unmarked. A row whose lease ran out meanwhile may have gone to a new claim:
            # it is skipped, so two live tasks never both post it. A re-post remains only after
            # a crash between the provider's answer and the flush of its mark, and carries the
            # same idempotency key.
            if monotonic() >= renew_at:
                marks.flush()
                held = _hold([row.pk for row in rows[index:]], claim_token, now_)
                renew_at = monotonic() + lease_s / 2
            if delivery.pk not in held:
                counts["skipped"] += 1
                continue
            delivery.phone_number = target.phone
            backend = backends.setdefault(delivery.channel, channels.backend_for(delivery.channel))
            try:
                provider_id = backend.send(message)
            except channels.PermanentError as exc:
                with transaction.atomic():
                    if _finish(
                        delivery,
                        claim_token,
                        status=Delivery.Status.FAILED,
                        last_error=str(exc)[:300],
                        phone_number=target.phone,
                    ):
                        _on_permanent_failure(delivery, exc, now_)
                counts["failed"] += 1
                continue
            except channels.ChannelError as exc:
                if delivery.attempts >= settings.REMINDERS_MAX_ATTEMPTS:
                    _finish(delivery, claim_token, status=Delivery.Status.FAILED, last_error=str(exc)[:300])
                    counts["failed"] += 1
                else:
                    # Back off: 30 s, 2 min, 8 min … and try again with the same idempotency key.
                    backoff = timedelta(seconds=30 * 4 ** (delivery.attempts - 1))
                    _finish(
                        delivery,
                        claim_token,
                        status=Delivery.Status.SCHEDULED,
                        claim_token=None,
                        lease_until=None,
                        due_at=min(now_ + backoff, delivery.expires_at),
                        last_error=str(exc)[:300],
                    )
                    counts["retry"] += 1
                continue
            marks.add(delivery, target.phone, provider_id)
            counts["sent"] += 1
    finally:
        # Also when a later row raised: what was posted is recorded.
        marks.flush()
    return counts


# --- Provider webhooks -------------------------------------------------------------------------


PERMANENT_STATUSES = {"undeliverable", "invalid_number", "rejected"}


def sms_status(*, provider_message_id: str, status: str, permanent: bool = False) -> bool:
    """Record a delivery report. A permanent failure reported later still stops the number
    being used and falls back. Returns False for an unknown message id."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            # Lock only the delivery: PostgreSQL refuses FOR UPDATE on the nullable side of
            # the outer join to phone_number.
            Delivery.objects.select_for_update(of=("self",))
            .select_related("phone_number__user", "recipient")
            .filter(provider_message_id=provider_message_id, channel=Channel.SMS)
            .first()
        )
        if delivery is None:
            return False
        delivery.delivery_status = status[:30]
        delivery.save(update_fields=["delivery_status", "updated_at"])
        if permanent or status in PERMANENT_STATUSES:
            _on_permanent_failure(delivery, channels.PermanentError(f"delivery report: {status}"), now)
    return True


def reply_to(
    *, user: User, ref: str, reply: str, context: dict[str, Any], now: datetime, force_sms: bool = False
) -> int:
    return _create(
        [
            Planned(
                recipient=user,
                kind=Delivery.Kind.REPLY,
                channel=Channel.SMS,
                occurrence_at=context.pop("at", now),
                due_at=now,
                expires_at=now + USEFUL_FOR[Delivery.Kind.REPLY],
                dedupe_key=f"reply:{ref}",
                context={**context, "reply": reply, "force_sms": force_sms},
            )
        ],
        now,
    )


def medication_mark_taken(*, plan: ReminderPlan, occurrence_at: datetime, via: str) -> MedicationLog:
    log, _created = MedicationLog.objects.update_or_create(
        plan=plan, occurrence_at=occurrence_at, defaults={"status": MedicationLog.Status.TAKEN, "via": via}
    )
    return log


def medication_followups(*, now: datetime | None = None) -> int:
    """Doses not confirmed within the person's delay: log them as missed and, if the person
    chose a supporter, alert that supporter (once per dose)."""
    now = now or timezone.now()
    alerted = 0
    sent = (
        Delivery.objects.filter(
            kind=Delivery.Kind.MEDICATION,
            status=Delivery.Status.SENT,
            occurrence_at__gte=now - timedelta(days=1),
            occurrence_at__lte=now - timedelta(minutes=15),
        )
        .select_related("plan", "recipient")
        .order_by("plan_id", "occurrence_at")
    )
    seen: set[tuple[int, datetime]] = set()
    for delivery in sent:
        key = (delivery.plan_id, delivery.occurrence_at)
        if key in seen or delivery.plan is None:
            continue
        seen.add(key)
        prefs = preferences_read(delivery.recipient)
        if delivery.occurrence_at + timedelta(minutes=prefs.followup_delay_minutes) > now:
            continue
        with transaction.atomic():
            log, _created = MedicationLog.objects.get_or_create(
                plan=delivery.plan,
                occurrence_at=delivery.occurrence_at,
                defaults={"status": MedicationLog.Status.MISSED},
            )
            if log.status != MedicationLog.Status.MISSED or log.supporter_alerted_at is not None:
                continue
            supporter = prefs.followup_supporter
            if supporter is None or not supporter.is_active:
                continue
            staff_alert(
                staff=supporter,
                task="medication_unconfirmed",
                client=delivery.recipient,
                ref=f"dose:{delivery.plan_id}:{int(delivery.occurrence_at.timestamp())}",
                at=delivery.occurrence_at,
                now=now,
            )
            log.supporter_alerted_at = now
            log.save(update_fields=["supporter_alerted_at", "recorded_at"])
            alerted += 1
    return alerted


# --- Continuity (handover to a new worker) -----------------------------------------------------


def appointment_reminders_reassigned(*, appointment: Appointment, now: datetime | None = None) -> int:
    """The meeting keeps its time but is now with another worker: its pending reminders are
    replaced by fresh ones naming the new worker. No notice per meeting: the person gets one
    introduction to the new worker instead (``handover_introduce``)."""
    now = now or timezone.now()
    _cancel_pending(Delivery.objects.filter(appointment=appointment), "appointment handed over")
    return appointment_reminders_schedule(appointment=appointment, now=now)


def handover_introduce(
    *, client: User, worker: User, ref: str, moved: int, reoffered: int, now: datetime | None = None
) -> int:
    """One message introducing the new worker (first name only), over the person's channels,
    outside their quiet hours. ``ref`` makes it once per handover and person."""
    now = now or timezone.now()
    prefs = preferences_read(client)
    expires = now + timedelta(days=3)
    due = apply_quiet_hours(
        due=now, expires=expires, now=now, tz=_tz(client), quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end
    )
    return _one_off(
        recipient=client,
        kind=Delivery.Kind.HANDOVER,
        key=f"handover:{ref}:{client.pk}",
        context={"worker": worker.short_name, "moved": moved, "reoffered": reoffered},
        at=now,
        now=now,
        expires_at=expires,
        channels=prefs.appointment_channels,
        due_at=due,
    )


# --- Peers ------------------------------------------------------------------------------------

# A peer's notices wait for the morning like other reminders; nobody is woken by a pool alert.
QUIET_KINDS.update({Delivery.Kind.PEER_POOL, Delivery.Kind.PEER_ASSIGNED})


def peer_notice(
    *,
    recipient: User,
    kind: str,
    ref: str,
    context: dict[str, Any],
    now: datetime,
    at: datetime | None = None,
    useful_for: timedelta | None = None,
) -> int:
    """Send one person a one-off peer notice (``peer_pool`` or ``peer_assigned``) on their channels.

    ``ref`` makes it idempotent: the same ref never sends twice. ``context`` goes to the message
    template as it is, so it must hold only what the recipient may read (no names beyond what
    the person chose to share). ``at`` is the moment the message speaks of (a meeting's start)."""
    return _one_off(
        recipient=recipient,
        kind=kind,
        key=f"peer:{kind}:{ref}:{recipient.pk}",
        context=context,
        at=at or now,
        now=now,
        expires_at=now + (useful_for or timedelta(hours=24)),
    )


def staff_alerts_move(*, client: User, from_staff: User, to_staff: User, ref: str, now: datetime | None = None) -> int:
    """Pending alerts about ``client`` to ``from_staff`` go to ``to_staff`` instead. Returns how
    many alerts (not rows per channel) moved."""
    now = now or timezone.now()
    pending = Delivery.objects.select_for_update().filter(
        recipient=from_staff,
        kind=Delivery.Kind.STAFF_ALERT,
        status=Delivery.Status.SCHEDULED,
        context__client_id=client.pk,
    )
    alerts = {(row.context.get("task", ""), row.occurrence_at) for row in pending}
    _cancel_pending(pending, "handed over to another worker")
    for task, at in alerts:
        staff_alert(staff=to_staff, task=task, client=client, ref=f"{ref}:{int(at.timestamp())}", at=at, now=now)
    return len(alerts)


def peer_notices_cancel(*, kind: str, ref: str) -> int:
    """Cancel notices of ``ref`` not sent yet (a pool alert waiting for the morning once
    another peer has said yes, or the person has withdrawn)."""
    return _cancel_by_key(kind=kind, key_prefix=f"peer:{kind}:{ref}:")


# --- Help (care) -------------------------------------------------------------------------------


def notice_now(
    *,
    recipient: User,
    kind: str,
    ref: str,
    context: dict[str, Any],
    at: datetime,
    now: datetime,
    useful_for: timedelta = timedelta(hours=1),
    force_sms: bool = False,
) -> int:
    """One SMS to one person, due now, about the moment ``at``; sent once per ``ref``."""
    return _create(
        [
            Planned(
                recipient=recipient,
                kind=kind,
                channel=Channel.SMS,
                occurrence_at=at,
                due_at=now,
                expires_at=now + useful_for,
                dedupe_key=f"{kind}:{ref}",
                context={**context, "force_sms": force_sms},
            )
        ],
        now,
    )


# --- Responsibility groups (care.groups) -------------------------------------------------------


def group_meeting_notice(*, staff: User, client: User, ref: str, event: str, at: datetime, now: datetime) -> int:
    """Tell a member of staff that a group meeting was put in (``booked``) or taken out of
    (``cancelled``) their calendar by someone else. The client is named by initials only."""
    return _one_off(
        recipient=staff,
        kind=Delivery.Kind.GROUP_MEETING,
        key=f"group:{ref}:{staff.pk}:{event}",
        context={"client": client.initials, "event": event},
        at=at,
        now=now,
        expires_at=max(at, now + timedelta(hours=1)),
    )


def notices_cancel(*, kind: str, ref_prefix: str) -> int:
    """Cancel ``notice_now`` messages of ``kind`` whose ref starts with ``ref_prefix`` and that
    are not sent yet (the reason for them went away)."""
    return _cancel_by_key(kind=kind, key_prefix=f"{kind}:{ref_prefix}")
