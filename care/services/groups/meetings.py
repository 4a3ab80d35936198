"""A responsibility group's meetings: booked into every internal participant's calendar as one
joint meeting (``booking.services.joint``) or not at all, moved and cancelled as a whole; the
place, the agenda before and the agreed actions after. Everyone whose calendar changes is told;
people from outside the service get the invitation (``invitations``).
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import services as booking
from care.models import AgreedAction, GroupMeeting, GroupMeetingAppointment, MeetingInvitee, ResponsibilityGroup
from care.selectors.groups import externals_active, groups_manageable_by, meeting_changeable, members_active
from care.services.groups.invitations import Method, invitations_queue
from care.services.groups.members import _managed_group
from care.services.groups.times import (
    GROUP_STEP,
    _duration,
    _fresh_proposals,
    _group_type_get_or_create,
    _length_minutes,
    _not_offered,
    _Participant,
    _participants,
    _start_in_reach,
    _taken_conflict,
)
from config.errors import ApplicationError, NotFound
from people.models import User
from people.selectors import current_worker_of
from reminders import services as reminders


def group_meeting_book(
    *,
    actor: User,
    group_id: int,
    start: datetime,
    duration_minutes: int,
    agenda: str = "",
    place: str = "",
    now: datetime | None = None,
) -> GroupMeeting:
    """Book a meeting into every internal participant's calendar, all or nothing.

    Raises NotFound for a group the actor does not manage, ApplicationError for bad input,
    and Conflict (``group_slot_taken``, with ``proposals``) when any calendar is not free
    at ``start`` — in which case no appointment at all is written.
    """
    now = now or timezone.now()
    group = _managed_group(actor, group_id)
    duration = _duration(duration_minutes)
    asked = _start_in_reach(group, start, now)
    if asked is None:
        raise _not_offered(_fresh_proposals(group, duration_minutes, now, now))
    start = asked
    participants = sorted(_participants(group, None), key=lambda p: p.calendar.pk)
    if not participants:
        raise ApplicationError(_("Add at least one social worker or peer to the group first."), code="no_participants")
    try:
        with transaction.atomic():
            meeting = _book_in_calendars(
                actor=actor,
                group=group,
                participants=participants,
                start=start,
                duration=duration,
                place=place.strip() or (group.client.unit.address if group.client.unit_id else ""),
                agenda=agenda.strip(),
                now=now,
            )
            invitees = MeetingInvitee.objects.bulk_create(
                [MeetingInvitee(meeting=meeting, external=e) for e in externals_active(group=group)]
            )
            invitations_queue(meeting, invitees, Method.REQUEST)
    except booking.TimeNotFree:
        raise _taken_conflict(group, duration_minutes, start, now) from None
    return meeting


def _book_in_calendars(
    *,
    actor: User,
    group: ResponsibilityGroup,
    participants: list[_Participant],
    start: datetime,
    duration: timedelta,
    place: str,
    agenda: str,
    now: datetime,
) -> GroupMeeting:
    """Inside the booking transaction: one appointment in every participant's calendar, or
    ``booking.TimeNotFree``; then the meeting, and a notice to everyone whose calendar changed."""
    # The race: a single booking (or another group meeting) takes one of these calendars
    # between our check and our insert. Booking locks every calendar row first, in id order,
    # so check-then-insert is one step and two group bookings sharing calendars wait for each
    # other; the hidden meeting types are made under the same locks.
    booking.calendars_lock(*(p.calendar.pk for p in participants))
    parts = [booking.JointPart(p.calendar, _group_type_get_or_create(p.calendar)) for p in participants]
    # The service user gets one set of reminders and one confirmation, hung on the
    # appointment with their own worker when that worker takes part.
    worker = current_worker_of(client=group.client)
    own = next((p.calendar for p in participants if p.owner == worker), participants[0].calendar)
    appointments = booking.appointments_place(
        actor=actor,
        client=group.client,
        parts=parts,
        client_copy=own,
        start=start,
        duration=duration,
        step=GROUP_STEP,
        now=now,
    )
    meeting = GroupMeeting.objects.create(
        group=group, organiser=actor, start=start, end=start + duration, place=place, agenda=agenda
    )
    GroupMeetingAppointment.objects.bulk_create(
        [GroupMeetingAppointment(meeting=meeting, appointment=a) for a in appointments]
    )
    _tell_participants(actor, group.client, meeting, [p.owner for p in participants], "booked", now)
    return meeting


def _tell_participants(
    actor: User, client: User, meeting: GroupMeeting, people: list[User], event: str, now: datetime
) -> None:
    """Everyone whose calendar changed, except the person who changed it, gets a short notice."""
    for person in people:
        if person.pk != actor.pk:
            reminders.group_meeting_notice(
                staff=person,
                client=client,
                ref=f"{meeting.pk}:{meeting.sequence}",
                event=event,
                at=meeting.start,
                now=now,
            )


def _managed_meeting(actor: User, meeting_id: int, *, for_update: bool = False) -> GroupMeeting:
    qs = GroupMeeting.objects.filter(group__in=groups_manageable_by(actor=actor))
    if for_update:
        qs = qs.select_for_update()
    meeting = qs.select_related("group__client").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("Meeting not found."))
    return meeting


def group_meeting_cancel(
    *, actor: User, meeting_id: int, reason: str = "", now: datetime | None = None
) -> GroupMeeting:
    """Cancel the meeting and all its appointments in one transaction; externals get a
    cancellation (METHOD:CANCEL, SEQUENCE bumped)."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _managed_meeting(actor, meeting_id, for_update=True)
        if meeting.status != GroupMeeting.Status.BOOKED:
            raise ApplicationError(_("This meeting is already cancelled."), code="not_cancellable")
        meeting.status = GroupMeeting.Status.CANCELLED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        parts = list(meeting.links.values_list("appointment_id", flat=True))
        cancelled = booking.appointments_cancel(actor=actor, appointment_ids=parts, reason=reason, now=now)
        invitations_queue(meeting, list(meeting.invitees.all()), Method.CANCEL)
        if meeting.start > now:
            owners = [appointment.calendar.owner for appointment in cancelled]
            _tell_participants(actor, meeting.group.client, meeting, owners, "cancelled", now)
    return meeting


def group_meeting_move(*, actor: User, meeting_id: int, start: datetime, now: datetime | None = None) -> GroupMeeting:
    """Move the meeting, with the same length and people, to a time all of them are free.

    Every calendar's appointment moves in one transaction (its old time not counting as
    busy), or none does: Conflict (``group_slot_taken``, with proposals) when someone is no
    longer free, ApplicationError (``time_not_offered``) for a time never on offer. Each
    appointment keeps its UID and history; the person's reminders follow; participants are
    told; externals get the updated invitation (same UID, SEQUENCE bumped) and are asked
    again whether they can come; the old time goes to the waiting list.
    """
    now = now or timezone.now()
    meeting = _managed_meeting(actor, meeting_id)
    group = meeting.group
    duration_minutes = _length_minutes(meeting)
    asked = _start_in_reach(group, start, now)
    if asked is None:
        raise _not_offered()
    start = asked
    try:
        with transaction.atomic():
            meeting = _managed_meeting(actor, meeting_id, for_update=True)
            if not meeting_changeable(meeting=meeting, now=now):
                raise ApplicationError(_("Only a meeting that has not started can be changed."), code="not_changeable")
            if start == meeting.start:
                return meeting
            participants = _participants(group, meeting)
            if not participants:
                raise ApplicationError(
                    _("Nobody with a calendar takes part in this meeting any more. Cancel it instead."),
                    code="no_participants",
                )
            duration = timedelta(minutes=duration_minutes)
            booking.appointments_move(
                actor=actor,
                appointment_ids=[p.moving_appointment_id for p in participants],
                start=start,
                duration=duration,
                step=GROUP_STEP,
                now=now,
            )
            meeting.start, meeting.end = start, start + duration
            meeting.sequence += 1
            meeting.save(update_fields=["start", "end", "sequence", "updated_at"])
            _tell_participants(actor, group.client, meeting, [p.owner for p in participants], "moved", now)
            invitees = list(meeting.invitees.select_related("external"))
            # A new time is a new question: an earlier yes or no was for the old one.
            MeetingInvitee.objects.filter(meeting=meeting).update(
                response=MeetingInvitee.Response.NEEDS_ACTION, responded_at=None
            )
            invitations_queue(meeting, invitees, Method.REQUEST)
    except booking.TimeNotFree:
        raise _taken_conflict(group, duration_minutes, start, now, meeting) from None
    return meeting


def group_meeting_update(*, actor: User, meeting_id: int, place: str, now: datetime | None = None) -> GroupMeeting:
    """Change where the meeting is. The externals get the updated invitation (same UID,
    SEQUENCE bumped), so their calendars replace the old one."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _managed_meeting(actor, meeting_id, for_update=True)
        if not meeting_changeable(meeting=meeting, now=now):
            raise ApplicationError(_("Only a meeting that has not started can be changed."), code="not_changeable")
        place = place.strip()
        if place == meeting.place:
            return meeting
        meeting.place = place
        meeting.sequence += 1
        meeting.save(update_fields=["place", "sequence", "updated_at"])
        invitations_queue(meeting, list(meeting.invitees.select_related("external")), Method.REQUEST)
    return meeting


def agenda_update(*, actor: User, meeting_id: int, agenda: str, now: datetime | None = None) -> GroupMeeting:
    """The agenda can be edited until the meeting starts."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _managed_meeting(actor, meeting_id, for_update=True)
        if not meeting_changeable(meeting=meeting, now=now):
            raise ApplicationError(_("The agenda can be changed only before the meeting starts."), code="agenda_closed")
        meeting.agenda = agenda.strip()
        meeting.save(update_fields=["agenda", "updated_at"])
    return meeting


def action_add(
    *,
    actor: User,
    meeting_id: int,
    what: str,
    responsible_user_id: int | None = None,
    responsible_external_id: int | None = None,
    due_on: date | None = None,
) -> AgreedAction:
    """Record an agreed action. Who: the service user, an internal participant of the
    meeting or group, or an external participant of the group."""
    meeting = _managed_meeting(actor, meeting_id)
    what = what.strip()
    if not what:
        raise ApplicationError(_("Write what was agreed."), fields={"what": [_("This field is required.")]})
    if (responsible_user_id is None) == (responsible_external_id is None):
        message = _("Choose who is responsible.")
        raise ApplicationError(message, fields={"who": [message]})
    user = external = None
    if responsible_user_id is not None:
        allowed = {meeting.group.client_id}
        allowed |= set(meeting.links.values_list("appointment__calendar__owner_id", flat=True))
        allowed |= set(members_active(group=meeting.group).values_list("user_id", flat=True))
        if responsible_user_id not in allowed:
            raise ApplicationError(_("Choose someone in the meeting."), fields={"who": [_("Not in the meeting.")]})
        user = User.objects.get(pk=responsible_user_id)
    else:
        external = meeting.group.externals.filter(pk=responsible_external_id).first()
        if external is None:
            raise ApplicationError(_("Choose someone in the meeting."), fields={"who": [_("Not in the meeting.")]})
    return AgreedAction.objects.create(
        meeting=meeting,
        what=what,
        responsible_user=user,
        responsible_external=external,
        due_on=due_on,
        created_by=actor,
    )


def action_delete(*, actor: User, meeting_id: int, action_id: int) -> None:
    meeting = _managed_meeting(actor, meeting_id)
    deleted, _counts = AgreedAction.objects.filter(meeting=meeting, pk=action_id).delete()
    if not deleted:
        raise NotFound(_("Agreed action not found."))
