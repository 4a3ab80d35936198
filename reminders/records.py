"""A person's reminders in what Triangel holds about them (``audit.records``): plans, settings,
the supporters they named, the medication log, and the tasks their worker had about them.
Erased, plans, settings and supporters go (titles, doses and supporters' names are the
person's own words); tasks stay as rows without notes."""

from datetime import datetime
from typing import Any

from audit.records import Record, iso
from messaging.models import Delivery
from reminders.models import (
    FollowUpTask,
    InboundSms,
    MedicationLog,
    ReminderPlan,
    ReminderPreferences,
    SmsBookingOffer,
    Supporter,
)


def export(person: Any) -> dict[str, Any]:
    prefs = ReminderPreferences.objects.filter(user=person).first()
    return {
        "plans": [
            {
                "kind": p.kind,
                "title": p.title,
                "schedule": p.rrule,
                "starts_on": iso(p.starts_on),
                "dose": p.dose,
                "money_item": p.money_kind,
                "amount": str(p.amount) if p.amount is not None else None,
                "channels": p.channels,
                "active": p.is_active,
                "created": iso(p.created_at),
            }
            for p in ReminderPlan.objects.filter(owner=person).order_by("created_at")
        ],
        "settings": None
        if prefs is None
        else {
            "minutes_before_meetings": prefs.appointment_offsets,
            "channels": prefs.appointment_channels,
            "sms_on": prefs.sms_enabled,
            "quiet_from": iso(prefs.quiet_start),
            "quiet_until": iso(prefs.quiet_end),
            "discreet_texts": prefs.discreet,
            "morning_summary": prefs.morning_summary,
            "meeting_reminders_to_spare_number": prefs.spare_for_meetings,
        },
        "supporters": [
            {
                "name": s.name,
                "number": str(s.number),
                "status": s.status,
                "named": iso(s.created_at),
                "answered": iso(s.answered_at),
            }
            for s in Supporter.objects.filter(owner=person).order_by("created_at")
        ],
        "medication_log": [
            {"plan": entry.plan.title, "dose_time": iso(entry.occurrence_at), "status": entry.status, "via": entry.via}
            for entry in MedicationLog.objects.filter(plan__owner=person).select_related("plan")
        ],
        "tasks_for_the_worker": [
            {"kind": task.kind, "note": task.note, "created": iso(task.created_at), "done": iso(task.done_at)}
            for task in FollowUpTask.objects.filter(client=person).order_by("created_at")
        ],
    }


def erase(person: Any, now: datetime) -> None:
    ReminderPlan.objects.filter(owner=person).delete()  # its medication log and ticks go with it
    ReminderPreferences.objects.filter(user=person).delete()
    # A supporter's name and number are the person's words about someone else: they go too,
    # with the messages sent to them (their number is in each).
    supporters = list(Supporter.objects.filter(owner=person).values_list("pk", flat=True))
    Delivery.objects.filter(about="supporter", about_id__in=supporters).delete()
    Supporter.objects.filter(pk__in=supporters).delete()
    FollowUpTask.objects.filter(client=person).exclude(note="").update(note="")
    InboundSms.objects.filter(sender=person).delete()
    SmsBookingOffer.objects.filter(user=person).delete()  # times offered by SMS


RECORD = Record(name="reminders", export=export, erase=erase)
