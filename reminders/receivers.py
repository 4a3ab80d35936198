"""How reminders follow what booking announces (``booking.events``).

All in the booking transaction: a meeting's reminders are written, moved and dropped in the
same commit as the meeting, so a process that dies right after it cannot leave a moved or
cancelled meeting with its old reminders. Only the service user's copy of a meeting carries
reminders (a joint meeting has one per calendar).
"""

from booking import events
from reminders import services


@events.subscribe(events.AppointmentBooked, events.AppointmentSeriesBooked, in_transaction=True)
def remind_of_booked(event: events.AppointmentBooked | events.AppointmentSeriesBooked) -> None:
    """The reminders of every new meeting, and one confirmation (of a series: its first meeting)."""
    services.appointments_booked(appointments=event.client_copies, now=event.now)


@events.subscribe(events.AppointmentRescheduled, in_transaction=True)
def remind_of_moved(event: events.AppointmentRescheduled) -> None:
    for appointment in event.client_copies:
        services.appointment_reminders_moved(appointment=appointment, actor=event.actor, now=event.now)


@events.subscribe(events.AppointmentCancelled, in_transaction=True)
def drop_cancelled(event: events.AppointmentCancelled) -> None:
    for appointment in event.client_copies:
        services.appointment_reminders_cancelled(appointment=appointment, actor=event.actor, now=event.now)


@events.subscribe(events.AppointmentReassigned, in_transaction=True)
def remind_of_reassigned(event: events.AppointmentReassigned) -> None:
    for appointment in event.client_copies:
        services.appointment_reminders_reassigned(appointment=appointment, now=event.now)


@events.subscribe(events.AppointmentsClashWithBusyTime, in_transaction=True)
def task_for_clash(event: events.AppointmentsClashWithBusyTime) -> None:
    """Busy time from the worker's own calendar landed on a booked meeting: the meeting stands,
    and the worker gets a task (and an alert) to sort it out."""
    for appointment in event.appointments:
        services.calendar_clash_task_open(appointment=appointment, worker=event.actor, now=event.now)


@events.subscribe(events.ExternalCalendarFailing, in_transaction=True)
def alert_calendar_failing(event: events.ExternalCalendarFailing) -> None:
    services.calendar_failing_alert(worker=event.actor, source_id=event.source_id, since=event.since, now=event.now)
