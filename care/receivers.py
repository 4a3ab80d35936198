"""How care follows what booking announces (``booking.events``), what it lets booking's queries
show a peer (``booking.access``), and the SMS replies it answers first (``reminders.inbound``)."""

from datetime import datetime

from booking import access, events
from booking.models import Appointment
from care.selectors.peers import appointments_read_grant
from care.services import help, peers, waiting
from care.tasks.waiting import slot_freed
from people.models import User
from reminders import inbound

# A peer reads the meetings people share with them, and single meetings they are invited to.
access.read_grant_register(appointments_read_grant)


@events.subscribe(events.AppointmentRescheduled, events.AppointmentCancelled, in_transaction=True)
def tell_invited_peers(event: events.AppointmentRescheduled | events.AppointmentCancelled) -> None:
    """A peer invited to the meeting is told in the same commit, never left waiting at the old time."""
    cancelled = isinstance(event, events.AppointmentCancelled)
    for appointment in event.appointments:
        peers.invitations_meeting_changed(appointment=appointment, cancelled=cancelled, now=event.now)


@events.subscribe(events.AppointmentNoShow, in_transaction=True)
def reach_out_after_no_show(event: events.AppointmentNoShow) -> None:
    for appointment in event.appointments:
        peers.no_show_outreach_open(appointment=appointment)


@events.subscribe(events.AppointmentCloseUndone, in_transaction=True)
def withdraw_outreach_after_undo(event: events.AppointmentCloseUndone) -> None:
    """Same transaction as the undo: a meeting booked again never keeps a no-show task."""
    if event.outcome != Appointment.Status.NO_SHOW:
        return
    for appointment in event.appointments:
        peers.no_show_outreach_withdraw(appointment=appointment)


@events.subscribe(events.AppointmentRescheduled, events.AppointmentCancelled, in_transaction=False)
def offer_freed_time(event: events.AppointmentRescheduled | events.AppointmentCancelled) -> None:
    """The time the meeting left goes to the waiting list. After the commit: a publish lost
    with the broker is made good by the waiting list's sweep (``waiting_offers_sweep``)."""
    for appointment in event.appointments:
        slot_freed.delay(appointment.pk)


# --- SMS replies ---------------------------------------------------------------------------------


def _offer_yes(user: User, ref: str, now: datetime) -> bool:
    """JA while a waiting-list offer is open takes the offer (else it confirms the next meeting)."""
    return waiting.waiting_sms_reply(user=user, keyword="confirm", ref=ref, now=now)


def _offer_no(user: User, ref: str, now: datetime) -> bool:
    """NEI while a waiting-list offer is open turns it down (else it cancels the next meeting)."""
    return waiting.waiting_sms_reply(user=user, keyword="cancel", ref=ref, now=now)


def _help_now(user: User, ref: str, now: datetime) -> bool:
    """HJELP asks for help now: routed to whoever is on duty, answered by SMS."""
    help.help_request_sms(user=user, ref=ref, now=now)
    return True


inbound.keyword_handler_register("confirm", _offer_yes)
inbound.keyword_handler_register("cancel", _offer_no)
inbound.keyword_handler_register("help_now", _help_now)
