"""Reminder plans (medication, money, routines): when they fire, and their rows in the outbox.

A plan is an RRULE in its owner's local time. Its occurrences are written as outbox rows a
rolling horizon ahead (``plans_materialize_all``); a changed plan gets fresh rows at once and
its old pending ones are cancelled.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging.outbox import deliveries_about, deliveries_cancel
from reminders.models import MessageKind, ReminderPlan, ReminderPreferences
from reminders.schedule import occurrences, previous_business_day
from reminders.services.notices import USEFUL_FOR, Planned, channels_for, planned_write, tz_of
from reminders.services.preferences import preferences_prefetch


def _plan_kind_to_delivery(plan: ReminderPlan) -> str:
    return {
        ReminderPlan.Kind.MEDICATION: MessageKind.MEDICATION,
        ReminderPlan.Kind.MONEY: MessageKind.MONEY,
        ReminderPlan.Kind.ROUTINE: MessageKind.ROUTINE,
    }[plan.kind]


def plan_occurrences(*, plan: ReminderPlan, after: datetime, until: datetime) -> list[datetime]:
    """The plan's reminder times in (after, until]; paydays on a weekend or public holiday
    move to the business day before, at the same local time."""
    tz = tz_of(plan.owner)
    # Look a few days past `until` so a payday moved earlier into the window is found.
    extra = timedelta(days=5) if plan.money_kind == ReminderPlan.MoneyKind.PAYDAY else timedelta(0)
    # Only the window's days are expanded (reminders.rules), however long ago the plan began.
    times = occurrences(rule_text=plan.rrule, starts_on=plan.starts_on, tz=tz, after=after, until=until + extra)
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
        for channel in channels_for(plan.owner, plan.channels)
    ]


def plan_materialize(*, plan: ReminderPlan, until: datetime, now: datetime | None = None) -> int:
    """Create delivery rows for the plan's occurrences up to ``until``. Idempotent."""
    now = now or timezone.now()
    created = planned_write(_plan_items(plan=plan, until=until, now=now), now)
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
            deliveries_cancel(deliveries_about("plan", plan.pk), "plan changed")
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
        deliveries_cancel(deliveries_about("plan", plan.pk), "plan removed")


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
            created += planned_write(items, now)
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
        tz = tz_of(user)
        today = now.astimezone(tz).date()
        for day in (today, today + timedelta(days=1)):
            at = datetime.combine(day, prefs.morning_summary_time, tzinfo=tz)
            for channel in channels_for(user, prefs.appointment_channels):
                items.append(
                    Planned(
                        recipient=user,
                        kind=MessageKind.SUMMARY,
                        channel=channel,
                        occurrence_at=at,
                        due_at=at,
                        expires_at=at + USEFUL_FOR[MessageKind.SUMMARY],
                        dedupe_key=f"summary:{user.pk}:{day.isoformat()}:{channel}",
                        context={},
                    )
                )
    return planned_write(items, now)
