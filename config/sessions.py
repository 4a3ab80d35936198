"""The database session store, with its one read per request compiled once.

Every signed-in page and htmx call loads its session; Django's store builds and compiles the
same queryset for each of them (about a millisecond of CPU, many times the query itself).
This store runs that query as prepared SQL (``config.prepared``) and is otherwise Django's:
the class keeps the name ``SessionStore`` because the name is part of the key that signs the
stored data, so sessions written before stay readable.
"""

import logging
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.utils import timezone

from config import prepared

_PATHS = prepared.field_paths(Session)


def _live(session_key: str, now: datetime) -> QuerySet:
    return Session.objects.filter(session_key=session_key, expire_date__gt=now).values_list(*_PATHS)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        try:
            key = self.session_key
            found = prepared.rows("session-live", _live, [key, timezone.now()]) if key else []
        except SuspiciousOperation as exc:  # as Django's store: logged, and no session
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            found = []
        if not found:
            self._session_key = None
            return None
        return prepared.instance(Session, found[0])
