"""What booking announces when appointments change, and who hears it.

Booking knows none of the apps built on it: every change of appointments is published here
as a typed event, and reminders and care react in their own ``receivers.py``. Booking's
services publish inside the transaction that made the change, after its rows are written.

A subscriber chooses when it hears an event, and that choice is part of the contract:

* ``in_transaction=True``: the handler runs at once, inside the transaction that made the
  change. Its writes commit or roll back with the change, and an exception it raises undoes
  the change. For what must never be out of step with the appointment: the reminders of a
  moved meeting are replaced in the same transaction, so a process that dies right after
  the commit cannot leave the old reminders behind.
* ``in_transaction=False``: the handler runs after the commit (``transaction.on_commit``,
  robust: an error is logged and the change stands). For work handed on elsewhere, such as
  offering a freed time to the waiting list, where a sweep makes good a handler that never
  ran.

A small typed module rather than Django signals: the events are dataclasses a type checker
follows into every receiver, and the moment a handler runs is declared where it subscribes,
instead of each receiver deciding whether to defer itself.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db import transaction

from audit import log as access_log
from booking.models import Appointment, AppointmentSeries
from people.models import User


@dataclass(frozen=True, kw_only=True)
class AppointmentsEvent:
    """Something happened to these appointments: one meeting, or every calendar's part of
    one joint meeting (``Appointment.joint``), which change only together."""

    appointments: tuple[Appointment, ...]
    actor: User
    now: datetime

    @property
    def client_copies(self) -> list[Appointment]:
        """The appointments the service user sees and is reminded of (one per meeting)."""
        return [a for a in self.appointments if a.client_copy]


@dataclass(frozen=True, kw_only=True)
class AppointmentBooked(AppointmentsEvent):
    """A meeting was booked (in one calendar, or jointly in several)."""


@dataclass(frozen=True, kw_only=True)
class AppointmentSeriesBooked(AppointmentsEvent):
    """A weekly series was booked: ``appointments`` are its meetings, first one first."""

    series: AppointmentSeries


@dataclass(frozen=True, kw_only=True)
class AppointmentRescheduled(AppointmentsEvent):
    """A meeting moved to another time (a joint meeting: every part together).

    ``previous`` holds each appointment's old (start, end) by id."""

    previous: dict[int, tuple[datetime, datetime]]


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(AppointmentsEvent):
    """A meeting was cancelled; its time is free again."""

    reason: str


@dataclass(frozen=True, kw_only=True)
class AppointmentReassigned(AppointmentsEvent):
    """A meeting keeps its time and client but is now in another calendar (a handover)."""


@dataclass(frozen=True, kw_only=True)
class AppointmentHeld(AppointmentsEvent):
    """A meeting that has started was marked as held."""


@dataclass(frozen=True, kw_only=True)
class AppointmentNoShow(AppointmentsEvent):
    """The service user did not come to a meeting that has started."""


@dataclass(frozen=True, kw_only=True)
class AppointmentsClashWithBusyTime(AppointmentsEvent):
    """Busy time read from the worker's own calendar landed on these booked meetings. They
    stand (another calendar never cancels a meeting a person counts on); the worker decides.
    ``actor`` is the worker whose calendar it is."""


@dataclass(frozen=True, kw_only=True)
class ExternalCalendarFailing(AppointmentsEvent):
    """A calendar the worker (``actor``) connected has failed to sync for a long while; sent
    once per run of failures. ``appointments`` is empty."""

    source_id: int
    since: datetime


@dataclass(frozen=True, kw_only=True)
class AppointmentCloseUndone(AppointmentsEvent):
    """A held or no-show mark was taken back the same day: the meeting is booked again.

    ``outcome`` is the status taken back (``completed`` or ``no_show``)."""

    outcome: str


E = TypeVar("E", bound=AppointmentsEvent)
Handler = Callable[[E], None]

_subscribers: dict[type[AppointmentsEvent], list[tuple[Callable, bool]]] = defaultdict(list)


def subscribe(*event_types: type[E], in_transaction: bool) -> Callable[[Handler], Handler]:
    """Register the decorated function for ``event_types`` (see the module for the two moments).

    Receivers are registered once, when their app is ready; registering the same function
    again changes nothing."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            entry = (handler, in_transaction)
            if entry not in _subscribers[event_type]:
                _subscribers[event_type].append(entry)
        return handler

    return register


def publish(event: AppointmentsEvent) -> None:
    """Announce ``event`` from inside the transaction that made the change.

    In-transaction handlers run now, in the order they subscribed; the others are queued
    for after the commit (and are dropped if the transaction rolls back)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Booking events are published inside the transaction that made the change.")
    # Every change of a person's meetings by someone else is in their access log.
    access_log.saw(
        viewer=event.actor, what="appointment", subjects=[(a.client_id, a.pk) for a in event.appointments], change=True
    )
    for handler, in_transaction in _subscribers.get(type(event), ()):
        if in_transaction:
            handler(event)
        else:
            transaction.on_commit(_later(handler, event), robust=True)


def _later(handler: Callable, event: AppointmentsEvent) -> Callable[[], None]:
    def run() -> None:
        handler(event)

    # Django names a robust callback that failed by its qualified name.
    run.__qualname__ = f"{getattr(handler, '__qualname__', repr(handler))} after {type(event).__name__}"
    return run
