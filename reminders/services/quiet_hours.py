"""Saving a person's reminder preferences, and what a change of quiet hours does to the
messages already waiting for them.

Service users, social workers, coordinators and peers all save here, from the web and from
``/api/reminder-preferences/``. When the quiet hours change, the person's waiting messages
follow in the same transaction: one that now falls in the quiet hours moves to their end
(or the evening before, if the morning is too late), and one held back only by the old
hours goes back to the time it was written for. A message already claimed for sending, sent
or finished is never touched.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from messaging.models import Delivery
from messaging.outbox import deliveries_retime
from people import services as people
from people.models import User
from reminders.models import ReminderPreferences
from reminders.quiet import retimed_kinds
from reminders.schedule import apply_quiet_hours
from reminders.services.preferences import preferences_for

# What a person may change; ``language`` is theirs in people (User.language).
EDITABLE = frozenset(
    {
        "appointment_offsets",
        "appointment_channels",
        "sms_enabled",
        "email_fallback",
        "quiet_start",
        "quiet_end",
        "discreet",
        "morning_summary",
        "morning_summary_time",
        "followup_supporter",
        "followup_delay_minutes",
        "spare_for_meetings",
        "conversation_notice_minutes",
    }
)


def preferences_update(*, person: User, changes: Mapping[str, Any], now: datetime | None = None) -> ReminderPreferences:
    """Save ``changes`` to the person's preferences (and ``language`` to the person), all or
    nothing. New quiet hours re-time the messages waiting for them (``quiet_hours_retime``).
    Raises ApplicationError for a language that is not offered; unknown keys are a bug."""
    now = now or timezone.now()
    unknown = set(changes) - EDITABLE - {"language"}
    if unknown:
        raise ValueError(f"not a preference: {sorted(unknown)}")
    with transaction.atomic():
        if "language" in changes:
            people.user_language_set(user=person, language=changes["language"])
        prefs = ReminderPreferences.objects.select_for_update().get(pk=preferences_for(person).pk)
        before = (prefs.quiet_start, prefs.quiet_end)
        fields = [name for name in changes if name in EDITABLE]
        for name in fields:
            setattr(prefs, name, changes[name])
        if fields:
            prefs.save(update_fields=[*fields, "updated_at"])
        # The readers' cache (preferences_read) must see the new hours in this request too.
        person._reminder_prefs_cache = prefs
        if (prefs.quiet_start, prefs.quiet_end) != before:
            quiet_hours_retime(person=person, prefs=prefs, now=now)
    return prefs


def quiet_hours_retime(*, person: User, prefs: ReminderPreferences, now: datetime) -> tuple[int, int]:
    """Fit the person's waiting messages to their quiet hours as they are now. Returns
    (moved, cancelled): a message with no useful time left outside the hours is cancelled.

    Each message starts again from the time it was written for (``wanted_at``; the time it
    is due, for rows written before that was kept), or from now if that has passed. A
    message a temporary error put off keeps its back-off."""
    tz = ZoneInfo(person.timezone)

    def when(row: Delivery) -> datetime | None:
        start = row.due_at if row.attempts else max(row.wanted_at or row.due_at, now)
        return apply_quiet_hours(
            due=start,
            expires=row.expires_at,
            now=now,
            tz=tz,
            quiet_start=prefs.quiet_start,
            quiet_end=prefs.quiet_end,
        )

    waiting = Delivery.objects.filter(recipient=person, kind__in=retimed_kinds())
    return deliveries_retime(waiting, when, now=now, reason="no useful time outside the new quiet hours")
