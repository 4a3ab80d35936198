"""Selectors (scoped reads) for responsibility groups and their meetings.

Who sees a group: the service user (read-only), the coordinator of the user's unit, the
user's current social worker, and the group's active internal members. Who manages it
(members, meetings, agenda, actions): the coordinator and the current worker. Anyone else
gets a 404, decided in the query.
"""

import string
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from booking.models import Appointment
from care.models import (
    AgreedAction,
    ExternalParticipant,
    GroupMeeting,
    GroupMeetingAppointment,
    GroupMember,
    MeetingInvitee,
    ResponsibilityGroup,
    Sharing,
)
from people.models import User
from people.selectors import clients_manageable_by

TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-_")


def groups_manageable_by(*, actor: User) -> QuerySet[ResponsibilityGroup]:
    return ResponsibilityGroup.objects.filter(client__in=clients_manageable_by(actor=actor))


def groups_visible_to(*, user: User) -> QuerySet[ResponsibilityGroup]:
    qs = ResponsibilityGroup.objects.select_related("client").audited(viewer=user, what="group_meeting")
    if user.is_service_user:
        return qs.filter(client=user)
    active_member = Exists(GroupMember.objects.filter(group=OuterRef("pk"), user=user, removed_at__isnull=True))
    if user.is_peer:
        # A peer sits in a person's group only on that person's word: while they share with
        # the peer. Revoking the consent closes the group to the peer at once.
        consent = Exists(Sharing.objects.filter(user=OuterRef("client"), peer=user, revoked_at__isnull=True))
        return qs.filter(active_member & consent)
    return qs.filter(Q(client__in=clients_manageable_by(actor=user)) | Q(active_member))


def group_get(*, user: User, group_id: int, manage: bool = False) -> ResponsibilityGroup | None:
    qs = groups_manageable_by(actor=user) if manage else groups_visible_to(user=user)
    return qs.select_related("client").filter(pk=group_id).first()


def group_for_client(*, user: User, client_id: int) -> ResponsibilityGroup | None:
    return groups_visible_to(user=user).filter(client_id=client_id).first()


def may_manage(*, user: User, group: ResponsibilityGroup) -> bool:
    return groups_manageable_by(actor=user).filter(pk=group.pk).exists()


def group_meeting_id_of(*, appointment: Appointment) -> int | None:
    """The group meeting this appointment is one calendar's part of, if any."""
    return GroupMeetingAppointment.objects.filter(appointment=appointment).values_list("meeting_id", flat=True).first()


def meeting_changeable(*, meeting: GroupMeeting, now: datetime) -> bool:
    """Agenda and place can change until the meeting starts, and not once it is cancelled."""
    return meeting.status == GroupMeeting.Status.BOOKED and meeting.start > now


def members_active(*, group: ResponsibilityGroup) -> QuerySet[GroupMember]:
    # Someone who has left the service neither blocks nor receives new meetings, and neither
    # does a peer the person no longer shares with: their consent decides, not the member list.
    consent = Exists(Sharing.objects.filter(user_id=group.client_id, peer=OuterRef("user"), revoked_at__isnull=True))
    return (
        group.members.filter(removed_at__isnull=True, user__is_active=True, user__calendar__isnull=False)
        .filter(~Q(user__role=User.Role.PEER) | Q(consent))
        .select_related("user", "user__calendar")
        .order_by("user_id")
    )


def externals_active(*, group: ResponsibilityGroup) -> QuerySet[ExternalParticipant]:
    return group.externals.filter(removed_at__isnull=True)


def candidates_for(*, group: ResponsibilityGroup) -> QuerySet[User]:
    """Staff and peers of the user's unit who have a calendar and are not yet members; a peer
    only when the user shares with them (the rule ``member_add`` enforces)."""
    consent = Exists(Sharing.objects.filter(user_id=group.client_id, peer=OuterRef("pk"), revoked_at__isnull=True))
    return (
        User.objects.filter(~Q(role=User.Role.PEER) | Q(consent))
        .filter(
            unit_id=group.client.unit_id,
            is_active=True,
            role__in=[User.Role.SOCIAL_WORKER, User.Role.PEER, User.Role.COORDINATOR],
            calendar__isnull=False,
        )
        .exclude(group_memberships__group=group, group_memberships__removed_at__isnull=True)
        .order_by("first_name", "last_name", "id")
    )


def meetings_visible_to(*, user: User) -> QuerySet[GroupMeeting]:
    return (
        GroupMeeting.objects.filter(group__in=groups_visible_to(user=user))
        .select_related("group__client", "organiser")
        .audited(viewer=user, what="group_meeting")
        .prefetch_related(
            Prefetch("invitees", queryset=MeetingInvitee.objects.select_related("external")),
            Prefetch(
                "actions",
                queryset=AgreedAction.objects.select_related("responsible_user", "responsible_external"),
            ),
            "links__appointment__calendar__owner",
        )
    )


def meeting_get(*, user: User, meeting_id: int) -> GroupMeeting | None:
    return meetings_visible_to(user=user).filter(pk=meeting_id).first()


def invitee_by_token(*, token: str) -> MeetingInvitee | None:
    # Tokens are URL-safe base64 (secrets.token_urlsafe); anything else, such as a NUL byte
    # PostgreSQL would refuse to compare, is simply no invitation.
    if not token or len(token) > 64 or not TOKEN_CHARS.issuperset(token):
        return None
    return (
        MeetingInvitee.objects.select_related("meeting__group__client", "meeting__organiser", "external")
        .filter(token=token)
        .first()
    )
