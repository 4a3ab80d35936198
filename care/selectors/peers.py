"""Selectors (scoped reads) for peers: what a peer may see is decided here, in the query."""

from datetime import datetime
from typing import Literal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from booking.models import Appointment
from care.models import PeerCheckIn, PeerInvitation, PeerRequest, Sharing
from people.models import User

Scope = Literal["appointments", "plan"]

# Invitations that still let the peer see the meeting.
LIVE_INVITATION = (PeerInvitation.Status.INVITED, PeerInvitation.Status.ACCEPTED)


def sharing_active(*, user: User, peer: User) -> Sharing | None:
    return Sharing.objects.filter(user=user, peer=peer, revoked_at__isnull=True).first()


def sharings_of(*, user: User) -> QuerySet[Sharing]:
    """A service user's active sharing rows, with the peer."""
    return (
        Sharing.objects.filter(user=user, revoked_at__isnull=True).select_related("peer").order_by("peer__first_name")
    )


def clients_sharing_with(*, peer: User, scope: Scope) -> QuerySet[User]:
    """Service users who currently share ``scope`` with ``peer``. Empty for anyone but a peer."""
    if peer.role != User.Role.PEER:
        return User.objects.none()
    return User.objects.filter(
        sharings__peer=peer, sharings__revoked_at__isnull=True, **{f"sharings__{scope}": True}
    ).distinct()


def peer_may_see(*, peer: User, client: User, scope: Scope) -> bool:
    return clients_sharing_with(peer=peer, scope=scope).filter(pk=client.pk).exists()


def peers_of_unit(*, unit_id: int | None) -> QuerySet[User]:
    """The active peers of a unit: the pool a request or an "any peer" invitation goes to."""
    if unit_id is None:
        return User.objects.none()
    return User.objects.filter(role=User.Role.PEER, unit_id=unit_id, is_active=True).order_by("first_name", "id")


def peers_shared_with(*, user: User, scope: Scope | None = None) -> QuerySet[User]:
    """The peers ``user`` currently shares ``scope`` with (anything at all when None): the
    peers the person has chosen, who may be invited to a meeting or asked to check in."""
    scoped = {f"shared_with_me__{scope}": True} if scope else {}
    return (
        User.objects.filter(
            role=User.Role.PEER,
            is_active=True,
            shared_with_me__user=user,
            shared_with_me__revoked_at__isnull=True,
            **scoped,
        )
        .distinct()
        .order_by("first_name", "id")
    )


def not_invitable_because(*, appointment: Appointment, now: datetime) -> str | None:
    """Why a peer cannot be invited to this meeting, or None when they can: only a coming,
    booked meeting with the person's social worker takes a peer."""
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= now:
        return _("You can invite a peer only to a coming meeting.")
    if not appointment.calendar.owner.is_social_worker:
        return _("You can invite a peer to a meeting with your social worker.")
    return None


def appointments_peer_filter(*, peer: User) -> Q:
    """The appointments a peer may read beyond their own calendar: those of people who share
    their meetings with them now, and single meetings they are invited to. A Q on Appointment,
    so booking's selectors apply it inside the same query."""
    sharing = Sharing.objects.filter(peer=peer, revoked_at__isnull=True, appointments=True)
    invited = PeerInvitation.objects.filter(peer=peer, status__in=LIVE_INVITATION)
    # A responsibility-group meeting holds one appointment per participant's calendar: a peer
    # reads it once, through their own part if they are in it, else through the person's copy
    # (as the person sees it).
    own_part = Appointment.objects.filter(joint=OuterRef("joint"), calendar__owner=peer)
    shared = Q(client_id__in=sharing.values("user_id"), client_copy=True) & ~Q(Exists(own_part))
    return shared | Q(pk__in=invited.values("appointment_id"))


def appointments_read_grant(user: User) -> Q | None:
    """What booking's appointment queries also show ``user`` (``booking.access``): a peer's
    shared and invited meetings."""
    return appointments_peer_filter(peer=user) if user.is_peer else None


# --- Requests --------------------------------------------------------------------------------


def peer_requests_visible_to(*, user: User) -> QuerySet[PeerRequest]:
    """A service user's own requests; for a peer, the open requests of their unit's pool and
    the ones they took. Nobody else sees any."""
    qs = PeerRequest.objects.select_related("user", "peer").audited(viewer=user, what="peer_request")
    if user.is_service_user:
        return qs.filter(user=user)
    if user.is_peer and user.unit_id is not None:
        return qs.filter(Q(status=PeerRequest.Status.OPEN, user__unit_id=user.unit_id) | Q(peer=user))
    return qs.none()


def peer_request_current(*, user: User) -> PeerRequest | None:
    """The request to show a service user: the open one, or the latest taken one."""
    return (
        PeerRequest.objects.filter(user=user, status__in=[PeerRequest.Status.OPEN, PeerRequest.Status.TAKEN])
        .select_related("peer")
        .order_by("-created_at")
        .first()
    )


# --- Invitations -----------------------------------------------------------------------------


def invitations_visible_to(*, user: User) -> QuerySet[PeerInvitation]:
    """A service user's invitations for their meetings; for a peer, those addressed to them and
    the open "any peer" invitations of their unit; for a worker, those for their calendar."""
    qs = PeerInvitation.objects.select_related(
        "appointment__meeting_type", "appointment__calendar__owner", "appointment__client", "peer"
    ).audited(viewer=user, what="appointment")
    if user.is_service_user:
        return qs.filter(appointment__client=user)
    if user.is_peer and user.unit_id is not None:
        return qs.filter(
            Q(peer=user)
            | Q(peer__isnull=True, status=PeerInvitation.Status.INVITED, appointment__client__unit_id=user.unit_id)
        )
    if user.has_calendar_role:
        return qs.filter(appointment__calendar__owner=user)
    return qs.none()


def live_invitations_by_appointment(*, appointment_ids: list[int]) -> dict[int, PeerInvitation]:
    """The live invitation of each of these meetings (one query), for the worker's pages."""
    return {
        inv.appointment_id: inv
        for inv in PeerInvitation.objects.filter(appointment_id__in=appointment_ids, status__in=LIVE_INVITATION)
        .select_related("peer")
        .order_by("created_at")
    }


# --- No-show outreach ------------------------------------------------------------------------


def check_ins_by_task(*, task_ids: list[int]) -> dict[int, PeerCheckIn]:
    return {c.task_id: c for c in PeerCheckIn.objects.filter(task_id__in=task_ids).select_related("peer")}


def sharing_peers_by_client(*, client_ids: list[int]) -> dict[int, list[User]]:
    """For each client, the peers they share anything with now (one query)."""
    result: dict[int, list[User]] = {}
    for sharing in (
        Sharing.objects.filter(user_id__in=client_ids, revoked_at__isnull=True, peer__is_active=True)
        .select_related("peer")
        .order_by("peer__first_name")
    ):
        result.setdefault(sharing.user_id, []).append(sharing.peer)
    return result
