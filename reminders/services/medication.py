"""Medication: a dose marked as taken, and a chosen supporter alerted when one is not."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from messaging.models import Delivery
from reminders.models import MedicationLog, MessageKind, ReminderPlan
from reminders.services.notices import staff_alert
from reminders.services.preferences import preferences_read


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
    sent = list(
        Delivery.objects.filter(
            kind=MessageKind.MEDICATION,
            status=Delivery.Status.SENT,
            about="plan",
            occurrence_at__gte=now - timedelta(days=1),
            occurrence_at__lte=now - timedelta(minutes=15),
        )
        .select_related("recipient")
        .order_by("about_id", "occurrence_at")
    )
    plans = ReminderPlan.objects.in_bulk({row.about_id for row in sent})
    seen: set[tuple[int, datetime]] = set()
    for delivery in sent:
        plan = plans.get(delivery.about_id)
        key = (delivery.about_id, delivery.occurrence_at)
        if key in seen or plan is None:
            continue
        seen.add(key)
        prefs = preferences_read(delivery.recipient)
        if delivery.occurrence_at + timedelta(minutes=prefs.followup_delay_minutes) > now:
            continue
        with transaction.atomic():
            log, _created = MedicationLog.objects.get_or_create(
                plan=plan,
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
                ref=f"dose:{plan.pk}:{int(delivery.occurrence_at.timestamp())}",
                at=delivery.occurrence_at,
                now=now,
            )
            log.supporter_alerted_at = now
            log.save(update_fields=["supporter_alerted_at", "recorded_at"])
            alerted += 1
    return alerted
