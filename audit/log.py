"""Noting who looks at a person's information, at little cost per request.

A read is noted where the data is selected: a selector marks its queryset ``audited``
(``audit.querysets``), and the rows it returns are noted when the queryset runs. A change is
noted by the service that makes it (booking notes every event it publishes). Notes are
gathered per request, one per person and kind of information, and the middleware writes
them in one INSERT when the request ends (``audit.middleware``). Outside a request, in a
Celery task, nothing is noted: the system handling data is not a person looking at it; and
nothing is noted of a person looking at their own information.
"""

from collections.abc import Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _

from audit.models import AccessEntry

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FEED_PREFIX = "/api/calendar/feed/"
# A calendar app fetches its subscription every half hour or so: what it showed is noted once
# a day, not 48 times.
FEED_NOTED_EVERY = timedelta(hours=24)

# The kinds of information noted, as a person reads them in their log. The apps that hold the
# information name the kind when they note it.
WHAT = {
    "appointment": _("meetings"),
    "reminder_plan": _("reminders"),
    "reminder_settings": _("reminder settings"),
    "delivery": _("messages sent"),
    "medication": _("medication log"),
    "plan_entry": _("goals and agreements"),
    "help_request": _("requests for help"),
    "group_meeting": _("responsibility group"),
    "contact": _("contact details"),
    "identity": _("national identity number"),
    "task": _("tasks for your social worker"),
    "waiting": _("waiting list"),
    "peer_request": _("requests for a peer"),
    "conversation": _("conversations"),
    "export": _("everything (an export)"),
}


def label_of(what: str) -> str:
    return str(WHAT.get(what, what))


class Row(NamedTuple):
    """One entry to write, as plain values (``AccessEntry``'s columns, without the id)."""

    subject_id: int
    actor_id: int
    actor_role: str
    action: str
    what: str
    object_id: int | None
    count: int
    via: str
    path: str
    at: datetime


@dataclass
class _Note:
    actor_role: str
    change: bool
    objects: set[int] = field(default_factory=set)
    count: int = 0


@dataclass
class _Request:
    path: str
    via: str
    reads: bool
    notes: dict[tuple[int, int, str], _Note] = field(default_factory=dict)


_current: ContextVar[_Request | None] = ContextVar("audit_request", default=None)


def begin(*, path: str, method: str) -> Token:
    """Start gathering the notes of one request."""
    via = AccessEntry.Via.API if path.startswith("/api/") else AccessEntry.Via.WEB
    if path.startswith("/admin/"):
        via = AccessEntry.Via.ADMIN
    elif path.startswith(FEED_PREFIX):
        via = AccessEntry.Via.FEED
        path = FEED_PREFIX  # the rest is the feed's secret
    return _current.set(_Request(path=path[:200], via=via, reads=method.upper() in SAFE_METHODS))


def end(token: Token, *, at: datetime) -> list[Row]:
    """Stop gathering; the entries to write for what was noted."""
    request = _current.get()
    _current.reset(token)
    if request is None:
        return []
    entries = [
        Row(
            subject_id=subject_id,
            actor_id=actor_id,
            actor_role=note.actor_role,
            action=AccessEntry.Action.CHANGE if note.change or not request.reads else AccessEntry.Action.READ,
            what=what,
            object_id=next(iter(note.objects)) if len(note.objects) == 1 else None,
            count=max(note.count, len(note.objects), 1),
            via=request.via,
            path=request.path,
            at=at,
        )
        for (subject_id, actor_id, what), note in request.notes.items()
    ]
    if entries and request.via == AccessEntry.Via.FEED:
        # One actor per request: the feed's owner.
        noted = set(
            AccessEntry.objects.filter(
                actor_id=entries[0].actor_id, via=AccessEntry.Via.FEED, at__gte=at - FEED_NOTED_EVERY
            ).values_list("subject_id", "what")
        )
        entries = [e for e in entries if (e.subject_id, e.what) not in noted]
    return entries


def watches(viewer: Any) -> bool:
    """Whether what ``viewer`` sees is noted: staff and peers, not a person on their own."""
    return _current.get() is not None and bool(getattr(viewer, "pk", None)) and not viewer.is_service_user


def role_of(viewer: Any) -> str:
    return viewer.role if viewer.role and not (viewer.is_superuser and viewer.is_service_user) else "administrator"


def saw(
    *,
    viewer: Any,
    what: str,
    subjects: Iterable[tuple[int, int | None]],
    change: bool = False,
) -> None:
    """Note that ``viewer`` saw (or changed) ``what`` of these people: ``subjects`` are pairs
    of (person id, object id or None). A person's own information is not noted."""
    request = _current.get()
    if request is None or not watches(viewer):
        return
    role = role_of(viewer)
    for subject_id, object_id in subjects:
        if subject_id is None or subject_id == viewer.pk:
            continue
        note = request.notes.get((subject_id, viewer.pk, what))
        if note is None:
            note = request.notes[(subject_id, viewer.pk, what)] = _Note(actor_role=role, change=change)
        note.change = note.change or change
        note.count += 1
        if object_id is not None:
            note.objects.add(object_id)
