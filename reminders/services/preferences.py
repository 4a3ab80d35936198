"""How and when each person wants to be reminded: reading and creating their preferences."""

from collections.abc import Iterable
from typing import Any

from config import prepared
from people.models import User
from reminders.models import ReminderPreferences


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
