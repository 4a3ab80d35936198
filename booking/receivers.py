"""How booking follows its own events: a calendar that receives the worker's meetings
(write-back) hears of a change at once instead of at its next scheduled read.

After the commit, and only a queued task: the write itself talks to another server, which
must never hold a booking's transaction open. A lost task is made good by the next
scheduled read of the calendar (``external_calendars_sync_due``)."""

from booking import events, selectors
from booking.tasks import external_calendar_sync


@events.subscribe(
    events.AppointmentBooked,
    events.AppointmentSeriesBooked,
    events.AppointmentRescheduled,
    events.AppointmentCancelled,
    events.AppointmentReassigned,
    events.AppointmentHeld,
    events.AppointmentNoShow,
    events.AppointmentCloseUndone,
    in_transaction=False,
)
def write_back_soon(event: events.AppointmentsEvent) -> None:
    calendar_ids = {a.calendar_id for a in event.appointments}
    for source_id in selectors.write_back_calendars_of(calendar_ids=calendar_ids):
        external_calendar_sync.delay(source_id)
