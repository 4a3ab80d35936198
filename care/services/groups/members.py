"""A service user's responsibility group: who is in it (staff and peers with calendars, and
people from outside the service), set up by the coordinator or the person's worker."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Calendar
from care.models import ExternalParticipant, GroupMeeting, GroupMember, MeetingInvitee, ResponsibilityGroup
from care.selectors.groups import externals_active, group_get
from care.selectors.peers import sharing_active
from care.services.groups.invitations import Method, invitations_queue
from config.errors import ApplicationError, NotFound, Unprocessable
from people.models import User
from people.selectors import clients_manageable_by, current_worker_of


def group_create(*, actor: User, client_id: int) -> ResponsibilityGroup:
    """Set up a service user's responsibility group (one per user). The coordinator of the
    unit or the user's current worker only; the current worker joins it at once."""
    client = clients_manageable_by(actor=actor).filter(pk=client_id).first()
    if client is None:
        raise NotFound(_("Service user not found."))
    with transaction.atomic():
        group, created = ResponsibilityGroup.objects.get_or_create(client=client, defaults={"created_by": actor})
        if created:
            worker = current_worker_of(client=client)
            if worker is not None and Calendar.objects.filter(owner=worker).exists():
                GroupMember.objects.create(group=group, user=worker)
    return group


def _managed_group(actor: User, group_id: int) -> ResponsibilityGroup:
    group = group_get(user=actor, group_id=group_id, manage=True)
    if group is None:
        raise NotFound(_("Responsibility group not found."))
    return group


def member_add(*, actor: User, group_id: int, user_id: int) -> GroupMember:
    """Add a member of staff or a peer of the user's unit who has a calendar."""
    group = _managed_group(actor, group_id)
    person = User.objects.filter(
        pk=user_id,
        is_active=True,
        unit_id=group.client.unit_id,
        role__in=[User.Role.SOCIAL_WORKER, User.Role.PEER, User.Role.COORDINATOR],
    ).first()
    if person is None or not Calendar.objects.filter(owner=person).exists():
        raise Unprocessable(
            _("Choose a social worker or peer of the unit who has a calendar."),
            fields={"user": [_("Not a member of staff with a calendar in this unit.")]},
        )
    if person.is_peer and sharing_active(user=group.client, peer=person) is None:
        # The person decides which peer knows about their follow-up (see care.models.Sharing).
        raise Unprocessable(
            _("A peer can join the group only when the person has chosen to share with that peer."),
            fields={"user": [_("This person does not share with that peer.")]},
        )
    try:
        with transaction.atomic():
            return GroupMember.objects.create(group=group, user=person)
    except IntegrityError:
        return GroupMember.objects.get(group=group, user=person, removed_at__isnull=True)


def member_remove(*, actor: User, group_id: int, user_id: int, now: datetime | None = None) -> None:
    """Take someone out of the group; meetings already booked keep their appointments."""
    group = _managed_group(actor, group_id)
    ended = GroupMember.objects.filter(group=group, user_id=user_id, removed_at__isnull=True).update(
        removed_at=now or timezone.now()
    )
    if not ended:
        raise NotFound(_("That person is not in the group."))


def _external_values(*, name: str, role: str, organisation: str, email: str, phone: str) -> dict[str, str]:
    values = {
        "name": name.strip(),
        "role": role.strip(),
        "organisation": organisation.strip(),
        "email": email.strip(),
        "phone": phone.strip(),
    }
    if not values["name"]:
        raise ApplicationError(_("Write the person's name."), fields={"name": [_("This field is required.")]})
    if not (values["email"] or values["phone"]):
        message = _("Give an e-mail address or a phone number, so the person can be reached.")
        raise ApplicationError(message, fields={"email": [message]})
    return values


def external_add(
    *, actor: User, group_id: int, name: str, role: str = "", organisation: str = "", email: str = "", phone: str = ""
) -> ExternalParticipant:
    """Add someone from outside the service; they are invited to the group's upcoming meetings."""
    group = _managed_group(actor, group_id)
    values = _external_values(name=name, role=role, organisation=organisation, email=email, phone=phone)
    with transaction.atomic():
        external = ExternalParticipant.objects.create(group=group, **values)
        upcoming = GroupMeeting.objects.filter(group=group, status=GroupMeeting.Status.BOOKED, start__gt=timezone.now())
        for meeting in upcoming.select_for_update():
            invitee = MeetingInvitee.objects.create(meeting=meeting, external=external)
            invitations_queue(meeting, [invitee], Method.REQUEST)
    return external


def external_update(*, actor: User, group_id: int, external_id: int, **fields: str) -> ExternalParticipant:
    group = _managed_group(actor, group_id)
    external = externals_active(group=group).filter(pk=external_id).first()
    if external is None:
        raise NotFound(_("External participant not found."))
    current = {k: getattr(external, k) for k in ("name", "role", "organisation", "email", "phone")}
    values = _external_values(**{**current, **{k: v for k, v in fields.items() if k in current and v is not None}})
    for key, value in values.items():
        setattr(external, key, value)
    external.save(update_fields=list(values))
    return external


def external_remove(*, actor: User, group_id: int, external_id: int, now: datetime | None = None) -> None:
    group = _managed_group(actor, group_id)
    ended = externals_active(group=group).filter(pk=external_id).update(removed_at=now or timezone.now())
    if not ended:
        raise NotFound(_("External participant not found."))
