"""Asking for a dispatch soon after a commit, at most once per short window per process.

A booking's confirmation is due at once, so each commit that writes a row due now asks the
Celery worker for a dispatch instead of leaving it to the next beat tick. Publishing that
task cost about a tenth of a booking's CPU, and one dispatch claims every due row anyway,
so the requests of a process are folded together: the first one starts a short timer,
later ones within it add nothing, and the task is published when the timer runs out. The
timer starts after the commit that asked, so every asking commit is followed by a publish
that comes after it, and the dispatch it starts sees that commit's rows.

The publish happens in the timer's thread, never in the request: a broker that is slow or
down costs the person booking nothing, and the beat's next sweep sends what a lost publish
would have (`REMINDERS_DISPATCH_EVERY`).
"""

import logging
import threading
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


class Coalescer:
    """Runs ``action`` once, ``delay`` seconds after the first of any number of requests."""

    def __init__(self, action: Callable[[], object], delay: float) -> None:
        self._action = action
        self._delay = delay
        self._lock = threading.Lock()
        self._pending = False

    def request(self) -> None:
        with self._lock:
            if self._pending:
                return
            self._pending = True
        timer = threading.Timer(self._delay, self._run)
        # A process that exits with a request pending loses only a head start: the beat
        # sends those rows on its next sweep.
        timer.daemon = True
        timer.start()

    def _run(self) -> None:
        with self._lock:
            # Cleared before the action: a request arriving from here on starts a new timer,
            # and one that arrived before is covered by the action that follows.
            self._pending = False
        try:
            self._action()
        except Exception:
            logger.warning("could not ask for a dispatch; the next beat sweep sends the rows", exc_info=True)


def _publish_dispatch() -> None:
    # By name: the outbox's services never import its tasks.
    current_app.send_task("messaging.tasks.dispatch_due")


_dispatch_soon: Coalescer | None = None


def dispatch_soon_on_commit() -> None:
    """Ask for a dispatch soon after the current transaction commits, so a message due now
    does not wait for the next beat tick (folded with this process's other requests of the
    same moment)."""
    global _dispatch_soon
    if not settings.REMINDERS_DISPATCH_ON_COMMIT:
        return
    if _dispatch_soon is None:
        # Made on first use, from the settings of the running process. Two threads racing
        # here make two coalescers at worst: one extra dispatch request, once.
        _dispatch_soon = Coalescer(_publish_dispatch, settings.REMINDERS_DISPATCH_KICK_DELAY_MS / 1000)
    transaction.on_commit(_dispatch_soon.request)
