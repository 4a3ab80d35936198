"""Medication: a dose marked as taken (only while that makes sense) or the mark taken back,
and a chosen supporter alerted when a dose is not confirmed."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from messaging.models import Delivery
from people.models import User
from reminders.models import MedicationLog, MessageKind, ReminderPlan, ReminderPreferences
from reminders.services.notices import staff_alert, tz_of
from reminders.services.plans import plan_occurrences
from reminders.services.preferences import preferences_read
from reminders.services.supporters import supporter_alert


@dataclass(frozen=True)
class DoseWindow:
    """When a dose may be marked taken, and the mark undone: from ``opens`` until ``closes``."""

    opens: datetime
    closes: datetime

    def holds(self, now: datetime) -> bool:
        return self.opens <= now < self.closes


class DoseOutsideWindow(ApplicationError):
    """A dose marked (or its mark undone) outside its window; ``at`` is the moment to tell the
    person: when it opens, or when it closed."""

    def __init__(self, message: str, *, code: str, at: datetime, key: str, plan: ReminderPlan) -> None:
        super().__init__(message, code=code, **{key: at.astimezone(tz_of(plan.owner)).isoformat()})
        self.at = at


def dose_window(*, plan: ReminderPlan, occurrence_at: datetime) -> DoseWindow:
    """The time a dose may be marked taken or the mark undone, in the owner's time zone.

    It opens ``MEDICATION_TAKEN_EARLY_MINUTES`` before the dose is due and closes when the
    plan's next dose is due. The next dose is looked for until the end of the local day after
    the dose's own, so a daily dose is found across a daylight-saving change (23 or 25 hours
    later); a plan with no dose in that time (weekly, or one that ends) closes at the end of
    the local day the dose is due on (midnight in the owner's zone)."""
    tz = tz_of(plan.owner)
    # In UTC: arithmetic on zone-aware local times is wall-clock arithmetic, wrong across a change.
    due = occurrence_at.astimezone(UTC)
    day = due.astimezone(tz).date()
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    look_until = datetime.combine(day + timedelta(days=2), time(0), tzinfo=tz).astimezone(UTC)
    following = plan_occurrences(plan=plan, after=due, until=look_until)
    return DoseWindow(
        opens=due - timedelta(minutes=settings.MEDICATION_TAKEN_EARLY_MINUTES),
        closes=following[0] if following else day_end,
    )


def _when(moment: datetime, *, plan: ReminderPlan, now: datetime) -> str:
    """A moment as the owner reads it: the time, with the date when it is not today."""
    tz = tz_of(plan.owner)
    local = moment.astimezone(tz)
    clock = local.strftime("%H:%M")
    if local.date() == now.astimezone(tz).date():
        return clock
    return f"{formats.date_format(local.date(), 'SHORT_DATE_FORMAT')} {clock}"


def medication_mark_taken(
    *, plan: ReminderPlan, occurrence_at: datetime, via: str, now: datetime | None = None
) -> MedicationLog:
    """Mark a dose taken, only inside its window (``dose_window``); web, API and SMS all come
    here. Outside it, ``DoseOutsideWindow`` says when the dose can be marked (code
    ``dose_not_yet_due``, ``opens_at``) or when the time for it ended (``dose_window_passed``,
    ``closed_at``). Marking a dose already logged as not confirmed makes it taken; the alert
    a supporter may have had stays sent."""
    now = now or timezone.now()
    window = dose_window(plan=plan, occurrence_at=occurrence_at)
    if now < window.opens:
        raise DoseOutsideWindow(
            _("You can mark this dose from %(when)s.") % {"when": _when(window.opens, plan=plan, now=now)},
            code="dose_not_yet_due",
            at=window.opens,
            key="opens_at",
            plan=plan,
        )
    if now >= window.closes:
        raise DoseOutsideWindow(
            _("This dose can no longer be marked: the time for it ended at %(when)s.")
            % {"when": _when(window.closes, plan=plan, now=now)},
            code="dose_window_passed",
            at=window.closes,
            key="closed_at",
            plan=plan,
        )
    log, _created = MedicationLog.objects.update_or_create(
        plan=plan, occurrence_at=occurrence_at, defaults={"status": MedicationLog.Status.TAKEN, "via": via}
    )
    return log


def medication_taken_undo(*, log: MedicationLog, now: datetime | None = None) -> MedicationLog | None:
    """Take a "taken" mark back, until the plan's next dose is due (``dose_window``).

    What the mark replaced comes back. A dose that had been logged as not confirmed before it
    was marked (its supporter alerted) is "not confirmed" again, the alert as sent; it is
    returned. Any other entry is removed (None is returned): the dose is unconfirmed, as if it
    had never been marked, so ``medication_followups`` logs it missed and alerts the chosen
    supporter once the person's delay has passed, if its reminder was sent. Refused with
    ``undo_window_passed`` after the window, and ``dose_not_taken`` for a dose not taken."""
    now = now or timezone.now()
    with transaction.atomic():
        log = MedicationLog.objects.select_for_update().select_related("plan__owner").get(pk=log.pk)
        if log.status != MedicationLog.Status.TAKEN:
            raise ApplicationError(_("This dose is not marked as taken."), code="dose_not_taken")
        window = dose_window(plan=log.plan, occurrence_at=log.occurrence_at)
        if now >= window.closes:
            raise DoseOutsideWindow(
                _("Taken can no longer be undone: the time for this dose ended at %(when)s.")
                % {"when": _when(window.closes, plan=log.plan, now=now)},
                code="undo_window_passed",
                at=window.closes,
                key="closed_at",
                plan=log.plan,
            )
        if log.supporter_alerted_at is None:
            log.delete()
            return None
        log.status = MedicationLog.Status.MISSED
        log.via = ""
        log.save(update_fields=["status", "via", "recorded_at"])
        return log


def medication_followups(*, now: datetime | None = None) -> int:
    """Doses not confirmed within the person's delay: log them as missed and, if the person
    chose supporters, alert them (once per dose; ``_supporters_alert``)."""
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
            if not _supporters_alert(
                prefs=prefs, plan=plan, owner=delivery.recipient, dose=delivery.occurrence_at, now=now
            ):
                continue
            log.supporter_alerted_at = now
            log.save(update_fields=["supporter_alerted_at", "recorded_at"])
            alerted += 1
    return alerted


def _supporters_alert(
    *, prefs: ReminderPreferences, plan: ReminderPlan, owner: User, dose: datetime, now: datetime
) -> bool:
    """Alert the supporters the person chose for a dose not confirmed: a peer or worker in the
    unit (``followup_supporter``) and a family member or friend who agreed by SMS
    (``Supporter``). Whether anyone was alerted."""
    ref = f"dose:{plan.pk}:{int(dose.timestamp())}"
    alerted = False
    staff = prefs.followup_supporter
    if staff is not None and staff.is_active:
        staff_alert(staff=staff, task="medication_unconfirmed", client=owner, ref=ref, at=dose, now=now)
        alerted = True
    # Only the owner's first name goes to them: the ref (plan and time) stays in the dedupe key.
    return supporter_alert(owner=owner, ref=ref, dose=dose, now=now) or alerted
