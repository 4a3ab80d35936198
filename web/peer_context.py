"""What other pages show about peers: the peer part of a service user's meeting page, and the
peers on a worker's Today and week pages. Kept apart from the peer pages themselves so that
the booking, staff and calendar pages need no other page module."""

from typing import Any

from django.utils import timezone

from booking.models import Appointment
from care.selectors import peers as selectors
from people.models import User
from reminders.models import FollowUpTask
from web.forms_peers import InviteForm


def meeting_peer_context(*, user: User, appointment: Appointment) -> dict[str, Any]:
    """What the meeting page shows about a peer: the live invitation, or the form to invite."""
    invitation = selectors.live_invitations_by_appointment(appointment_ids=[appointment.pk]).get(appointment.pk)
    can_invite = invitation is None and not selectors.not_invitable_because(appointment=appointment, now=timezone.now())
    form = InviteForm(peers=list(selectors.peers_shared_with(user=user))) if can_invite else None
    return {"invitation": invitation, "invite_form": form}


def decorate_today(*, appointments: list[Appointment], tasks: list[FollowUpTask]) -> None:
    """Give the worker's Today and week pages what they show about peers, in a fixed number of
    queries: the peer coming to each meeting, and for each no-show task the peers who could
    check in."""
    invitations = selectors.live_invitations_by_appointment(appointment_ids=[a.pk for a in appointments])
    for appointment in appointments:
        appointment.peer_invitation = invitations.get(appointment.pk)
    no_shows = [t for t in tasks if t.kind == FollowUpTask.Kind.NO_SHOW]
    peers = selectors.sharing_peers_by_client(client_ids=[t.client_id for t in no_shows])
    check_ins = selectors.check_ins_by_task(task_ids=[t.pk for t in no_shows])
    for task in no_shows:
        task.check_in_peers = peers.get(task.client_id, [])
        task.check_in = check_ins.get(task.pk)
