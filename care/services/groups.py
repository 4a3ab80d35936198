"""Services (writes) for responsibility groups and their meetings.

A group meeting is booked into every internal participant's calendar in one transaction:
the calendar rows are locked in id order, each calendar is checked again with the same
availability engine that proposed the time, and one appointment per calendar is written.
If any calendar was taken meanwhile nothing is booked (409 with fresh proposals); the
exclusion constraint on appointments is the last guard on PostgreSQL.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from booking import services as booking
from booking.availability import Interval, SlotRules
from booking.models import OCCUPYING_STATUSES, Appointment, Calendar, MeetingType
from booking.slots import free_times, joint_rules, offers_start
from care.models import (
    AgreedAction,
    ExternalParticipant,
    GroupMeeting,
    GroupMeetingAppointment,
    GroupMeetingType,
    GroupMember,
    InvitationMail,
    MeetingInvitee,
    ResponsibilityGroup,
)
from care.selectors.groups import (
    externals_active,
    group_get,
    groups_manageable_by,
    invitee_by_token,
    meeting_changeable,
    members_active,
)
from care.selectors.peers import sharing_active
from config.errors import ApplicationError, Conflict, NotFound, Unprocessable
from people.models import User
from people.selectors import clients_manageable_by, current_worker_of
from reminders import services as reminders

logger = logging.getLogger(__name__)

# Group meetings start on a quarter-hour grid in every calendar, so calendars whose working
# hours begin at different quarter hours still share start times.
GROUP_STEP = timedelta(minutes=15)
GROUP_MIN_DURATION, GROUP_MAX_DURATION = 15, 240
# The hidden group-meeting type of a calendar gets these until its owner changes them:
# externals need a day's notice, and responsibility groups are planned months ahead.
GROUP_MIN_NOTICE_MINUTES = 24 * 60
GROUP_HORIZON_DAYS = 120
PROPOSALS_ON_CONFLICT = 5
# Further ahead than any calendar's horizon: dates beyond it are never proposed or booked.
FAR_DAYS = 10 * 366
# A claim on an invitation e-mail older than this is taken to be from a crashed worker.
MAIL_CLAIM_TIMEOUT = timedelta(minutes=10)
# Tries per invitation e-mail, by its task and the sweep together, before it is left unsent.
MAIL_MAX_ATTEMPTS = 10


# --- The group --------------------------------------------------------------------------------


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
            _queue_mails(meeting, [invitee], InvitationMail.Method.REQUEST)
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


# --- Collective availability ------------------------------------------------------------------


def _type_defaults(calendar: Calendar) -> dict[str, int | bool | str]:
    """A new group-meeting type takes the calendar's largest buffers, so a worker who needs
    a quarter of an hour between meetings gets it around group meetings too."""
    buffers = calendar.meeting_types.filter(is_active=True).aggregate(
        before=Max("buffer_before_minutes"), after=Max("buffer_after_minutes")
    )
    return {
        "name": _("Responsibility group meeting"),
        "duration_minutes": 60,
        "buffer_before_minutes": buffers["before"] or 0,
        "buffer_after_minutes": 15 if buffers["after"] is None else buffers["after"],
        "slot_step_minutes": int(GROUP_STEP.total_seconds() // 60),
        "min_notice_minutes": GROUP_MIN_NOTICE_MINUTES,
        "horizon_days": GROUP_HORIZON_DAYS,
        # Hidden from normal booking: meeting_types_bookable_by offers active types only.
        "is_active": False,
    }


def _group_type(calendar: Calendar) -> MeetingType:
    """The calendar's hidden group-meeting type; before its first group meeting, an unsaved one
    with the values it will be created with."""
    link = GroupMeetingType.objects.select_related("meeting_type").filter(calendar=calendar).first()
    if link is not None:
        return link.meeting_type
    return MeetingType(calendar=calendar, **_type_defaults(calendar))


def _group_type_get_or_create(calendar: Calendar) -> MeetingType:
    """Call with the calendar row locked: the lock makes get-or-create race-free."""
    meeting_type = _group_type(calendar)
    if meeting_type.pk is None:
        meeting_type = booking.meeting_type_create(calendar=calendar, **_type_defaults(calendar))
        GroupMeetingType.objects.create(calendar=calendar, meeting_type=meeting_type)
    return meeting_type


def _rules(calendar: Calendar, duration: timedelta) -> SlotRules:
    """A calendar's rules for a group meeting: its group type's buffers, notice and horizon,
    on the quarter-hour grid every calendar shares."""
    return joint_rules(meeting_type=_group_type(calendar), duration=duration, step=GROUP_STEP)


@dataclass(frozen=True)
class _Participant:
    """One internal participant's calendar, and (when a meeting is being moved) the
    appointment of that meeting in it, which does not count as busy."""

    calendar: Calendar
    owner: User
    moving_appointment_id: int | None = None


def _participants(group: ResponsibilityGroup, moving: "GroupMeeting | None") -> list[_Participant]:
    """Whose calendars must be free: the group's members for a new meeting; for a meeting
    being moved, the calendars it is booked in."""
    if moving is None:
        return [_Participant(m.user.calendar, m.user) for m in members_active(group=group)]
    appointments = (
        Appointment.objects.filter(group_link__meeting=moving, status=Appointment.Status.BOOKED)
        .select_related("calendar__owner")
        .order_by("calendar_id")
    )
    return [_Participant(a.calendar, a.calendar.owner, a.pk) for a in appointments]


def _calendar_starts(
    *, participant: _Participant, duration: timedelta, first_day: date, last_day: date, now: datetime
) -> set[datetime]:
    slots = free_times(
        calendar=participant.calendar,
        rules=_rules(participant.calendar, duration),
        first_day=first_day,
        last_day=last_day,
        now=now,
        exclude_appointment_id=participant.moving_appointment_id,
    )
    return {slot.start.astimezone(UTC) for slot in slots}


def _client_busy(client: User, first: datetime, last: datetime, moving: "GroupMeeting | None" = None) -> list[Interval]:
    rows = Appointment.objects.filter(client=client, status__in=OCCUPYING_STATUSES, start__lt=last, end__gt=first)
    if moving is not None:
        rows = rows.exclude(group_link__meeting=moving)
    return [Interval(s, e) for s, e in rows.values_list("start", "end")]


def group_proposals(
    *,
    group: ResponsibilityGroup,
    duration_minutes: int,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    moving: GroupMeeting | None = None,
) -> list[Interval]:
    """Times on local days first_day..last_day when every internal participant is free.

    Each calendar's free start times come from the booking engine with that calendar's
    hours, breaks, overrides, existing appointments, buffers, notice and horizon; a
    proposal is a start time free in all of them, and not while the service user is in
    another meeting. With ``moving``, the participants are that meeting's, and the meeting
    itself does not count as busy (it may move by a quarter of an hour).
    """
    now = now or timezone.now()
    duration = _duration(duration_minutes)
    # Nothing is ever free before today or beyond any horizon; clamping keeps a far-off date
    # asked for from overflowing the date arithmetic below (year 1 or 9999).
    today = now.astimezone(ZoneInfo(group.client.timezone)).date()
    first_day = max(first_day, today - timedelta(days=1))
    last_day = min(last_day, today + timedelta(days=FAR_DAYS))
    participants = _participants(group, moving)
    if not participants or first_day > last_day:
        return []
    common: set[datetime] | None = None
    for participant in participants:
        starts = _calendar_starts(
            participant=participant, duration=duration, first_day=first_day, last_day=last_day, now=now
        )
        common = starts if common is None else common & starts
        if not common:
            return []
    ordered = sorted(common or ())
    if not ordered:
        return []
    busy = _client_busy(group.client, ordered[0], ordered[-1] + duration, moving)
    tz = ZoneInfo(group.client.timezone)
    return [
        Interval(start.astimezone(tz), (start + duration).astimezone(tz))
        for start in ordered
        if not any(b.start < start + duration and start < b.end for b in busy)
    ]


def _length_minutes(meeting: GroupMeeting) -> int:
    return int((meeting.end - meeting.start).total_seconds() // 60)


def move_proposals(
    *, meeting: GroupMeeting, first_day: date, last_day: date, now: datetime | None = None
) -> list[Interval]:
    """Times ``meeting`` could move to: its people all free for its length, other than now."""
    proposals = group_proposals(
        group=meeting.group,
        duration_minutes=_length_minutes(meeting),
        first_day=first_day,
        last_day=last_day,
        now=now,
        moving=meeting,
    )
    return [p for p in proposals if p.start != meeting.start]  # where it already is, is no answer


def _duration(minutes: int) -> timedelta:
    if not GROUP_MIN_DURATION <= minutes <= GROUP_MAX_DURATION:
        message = _("A group meeting lasts between %(min)d and %(max)d minutes.") % {
            "min": GROUP_MIN_DURATION,
            "max": GROUP_MAX_DURATION,
        }
        raise ApplicationError(message, fields={"duration": [message]})
    return timedelta(minutes=minutes)


def proposals_as_json(proposals: list[Interval]) -> list[dict[str, str]]:
    return [{"start": p.start.isoformat(), "end": p.end.isoformat()} for p in proposals]


# --- Booking and cancelling -------------------------------------------------------------------


def _fresh_proposals(
    group: ResponsibilityGroup,
    duration_minutes: int,
    around: datetime,
    now: datetime,
    moving: GroupMeeting | None = None,
) -> list:
    day = around.astimezone(ZoneInfo(group.client.timezone)).date()
    proposals = group_proposals(
        group=group,
        duration_minutes=duration_minutes,
        first_day=day,
        last_day=day + timedelta(days=14),
        now=now,
        moving=moving,
    )
    if moving is not None:  # where it already is, is no answer
        proposals = [p for p in proposals if p.start != moving.start]
    return proposals_as_json(proposals[:PROPOSALS_ON_CONFLICT])


def _never_offered(participants: list[_Participant], duration: timedelta, start: datetime, now: datetime) -> bool:
    """True when ``start`` would not be proposed even with every calendar empty: outside
    someone's hours, too soon, too far ahead or off the quarter-hour grid."""
    return any(
        not offers_start(
            calendar=p.calendar, rules=_rules(p.calendar, duration), start=start, now=now, ignore_bookings=True
        )
        for p in participants
    )


def _not_offered(proposals: list | None = None) -> ApplicationError:
    return ApplicationError(
        _("That time is not one of the proposed times. Pick one of the free times."),
        code="time_not_offered",
        fields={"start": [_("Not a proposed time.")]},
        **({"proposals": proposals} if proposals is not None else {}),
    )


def _start_in_reach(group: ResponsibilityGroup, start: datetime, now: datetime) -> datetime | None:
    """``start`` in UTC (a naive one read in the person's zone), or None when it is so far
    off that no calendar could offer it: year 1 or 9999 cannot even be turned into a local day."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(group.client.timezone))
    try:
        start = start.astimezone(UTC)
    except OverflowError:
        return None
    return start if now - timedelta(days=1) < start < now + timedelta(days=FAR_DAYS) else None


def _taken_conflict(
    group: ResponsibilityGroup,
    duration_minutes: int,
    start: datetime,
    now: datetime,
    moving: GroupMeeting | None = None,
) -> ApplicationError:
    """409 for a time someone took meanwhile, 400 for a time that was never on offer."""
    proposals = _fresh_proposals(group, duration_minutes, start, now, moving)
    if _never_offered(_participants(group, moving), timedelta(minutes=duration_minutes), start, now):
        return _not_offered(proposals)
    return Conflict(
        _("Someone in the group is no longer free at that time. Nothing was changed; here are free times."),
        code="group_slot_taken",
        proposals=proposals,
    )


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
            _queue_mails(meeting, invitees, InvitationMail.Method.REQUEST)
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
        _queue_mails(meeting, list(meeting.invitees.all()), InvitationMail.Method.CANCEL)
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
            _queue_mails(meeting, invitees, InvitationMail.Method.REQUEST)
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
        _queue_mails(meeting, list(meeting.invitees.select_related("external")), InvitationMail.Method.REQUEST)
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


# --- Invitations to external participants -----------------------------------------------------


def _queue_mails(meeting: GroupMeeting, invitees: list[MeetingInvitee], method: str) -> None:
    rows = [
        InvitationMail(
            invitee=invitee,
            method=method,
            sequence=meeting.sequence,
            message_id=(
                f"<group-{meeting.uid}-{invitee.pk}-{method.lower()}-{meeting.sequence}"
                f"@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
            ),
        )
        for invitee in invitees
        if invitee.external.email
    ]
    if not rows:
        return
    InvitationMail.objects.bulk_create(rows, ignore_conflicts=True)
    # Ids read back: an insert that skips conflicts does not report them on every database.
    ids = list(InvitationMail.objects.filter(message_id__in=[r.message_id for r in rows]).values_list("pk", flat=True))

    from care.tasks.groups import send_invitation_mail

    # Robust: the meeting is saved whatever the broker does, and a publish that failed is
    # made good by the sweep (invitation_mails_sweep), which finds the unsent rows.
    transaction.on_commit(lambda: [send_invitation_mail.delay(mail_id) for mail_id in ids], robust=True)


def invitation_mails_sweep(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send the invitation e-mails still owed: rows whose task was never published, ran out
    of retries, or died with its worker. Only for meetings that have not ended (and, for an
    invitation, are still on). Returns how many were sent; a failure is logged and left to
    the next sweep, up to ``MAIL_MAX_ATTEMPTS`` tries in all."""
    now = now or timezone.now()
    due = (
        InvitationMail.objects.filter(
            sent_at__isnull=True,
            attempts__lt=MAIL_MAX_ATTEMPTS,
            invitee__meeting__end__gt=now,
            # Older than a task's first try, so the sweep does not race the task it backs up.
            created_at__lt=now - timedelta(minutes=1),
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - MAIL_CLAIM_TIMEOUT))
        .exclude(method=InvitationMail.Method.REQUEST, invitee__meeting__status=GroupMeeting.Status.CANCELLED)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for mail_id in list(due):
        try:
            sent += invitation_mail_send(mail_id=mail_id, now=now)
        except Exception as exc:
            # invitation_mail_send released the claim; the next sweep tries again.
            logger.warning("invitation mail %s failed in the sweep: %s", mail_id, type(exc).__name__)
    return sent


def invitation_respond(*, token: str, response: str, now: datetime | None = None) -> MeetingInvitee:
    """Record an external participant's answer, given the secret from their link."""
    if response not in (MeetingInvitee.Response.ACCEPTED, MeetingInvitee.Response.DECLINED):
        raise ApplicationError(_("Answer yes or no."), fields={"response": [_("Answer yes or no.")]})
    invitee = invitee_by_token(token=token)
    if invitee is None:
        raise NotFound(_("This invitation link is not valid."))
    if invitee.meeting.status != GroupMeeting.Status.BOOKED:
        raise ApplicationError(_("This meeting has been cancelled."), code="meeting_cancelled")
    invitee.response = response
    invitee.responded_at = now or timezone.now()
    invitee.save(update_fields=["response", "responded_at"])
    return invitee


_PARTSTAT = {
    MeetingInvitee.Response.NEEDS_ACTION: "NEEDS-ACTION",
    MeetingInvitee.Response.ACCEPTED: "ACCEPTED",
    MeetingInvitee.Response.DECLINED: "DECLINED",
}


def _address(email: str, name: str, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["cn"] = icalendar.vText(name)
    for key, value in params.items():
        address.params[key] = icalendar.vText(value)
    return address


def invitation_answer_url(invitee: MeetingInvitee) -> str:
    return settings.SITE_URL + reverse("web:group_invitation", args=[invitee.token])


def _summary(meeting: GroupMeeting) -> str:
    # Initials only: an invitation is read in other organisations' mail systems.
    return _("Responsibility group meeting – %(initials)s") % {"initials": meeting.group.client.initials}


def invitation_ics(*, invitee: MeetingInvitee, method: str, sequence: int, now: datetime) -> bytes:
    """The iCalendar object (RFC 5546) sent to one external participant."""
    meeting = invitee.meeting
    tz = ZoneInfo(meeting.group.client.timezone)
    organiser = meeting.organiser
    organiser_email = organiser.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Triangel//Group meetings//NB")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", f"{meeting.uid}@triangel")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("dtstart", meeting.start.astimezone(tz))
    event.add("dtend", meeting.end.astimezone(tz))
    event.add("summary", _summary(meeting))
    event.add("status", "CANCELLED" if method == InvitationMail.Method.CANCEL else "CONFIRMED")
    if meeting.place:
        event.add("location", meeting.place)
    event.add("organizer", _address(organiser_email, str(organiser)))
    for link in meeting.links.select_related("appointment__calendar__owner"):
        owner = link.appointment.calendar.owner
        if owner.email:
            event.add(
                "attendee",
                _address(owner.email, str(owner), role="REQ-PARTICIPANT", partstat="ACCEPTED", cutype="INDIVIDUAL"),
            )
    for other in meeting.invitees.select_related("external"):
        if not other.external.email:
            continue
        params = {"role": "REQ-PARTICIPANT", "partstat": _PARTSTAT[other.response], "cutype": "INDIVIDUAL"}
        if other.pk == invitee.pk and method == InvitationMail.Method.REQUEST:
            params["rsvp"] = "TRUE"
        event.add("attendee", _address(other.external.email, other.external.name, **params))
    event.add("description", _("Answer here: %(url)s") % {"url": invitation_answer_url(invitee)})
    event.add("url", invitation_answer_url(invitee))
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


@dataclass(frozen=True)
class _Mail:
    subject: str
    body: str


def _mail_text(invitee: MeetingInvitee, method: str) -> _Mail:
    meeting = invitee.meeting
    when = formats.date_format(timezone.localtime(meeting.start), "l j. F Y H:i")
    values = {"when": when, "place": meeting.place or "–", "url": invitation_answer_url(invitee)}
    if method == InvitationMail.Method.CANCEL:
        return _Mail(
            subject=_("Cancelled: responsibility group meeting %(when)s") % values,
            body=_("The responsibility group meeting on %(when)s is cancelled.") % values,
        )
    return _Mail(
        subject=_("Invitation: responsibility group meeting %(when)s") % values,
        body=_(
            "You are invited to a responsibility group meeting.\n\nWhen: %(when)s\nWhere: %(place)s\n\n"
            "Please tell us whether you can come: %(url)s\n\nThe invitation is attached for your calendar."
        )
        % values,
    )


def invitation_mail_send(*, mail_id: int, now: datetime | None = None) -> bool:
    """Send one invitation e-mail at most once. Returns whether this call sent it.

    The row is claimed with a conditional update that must change exactly one row, so two
    copies of the task (a retry, a redelivered message) cannot both send. A failed send
    releases the claim and raises, for the task to retry.
    """
    now = now or timezone.now()
    claimed = (
        InvitationMail.objects.filter(pk=mail_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - MAIL_CLAIM_TIMEOUT))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return False
    mail = InvitationMail.objects.select_related(
        "invitee__external", "invitee__meeting__group__client", "invitee__meeting__organiser"
    ).get(pk=mail_id)
    invitee = mail.invitee
    meeting = invitee.meeting
    if mail.method == InvitationMail.Method.REQUEST and meeting.status != GroupMeeting.Status.BOOKED:
        # Cancelled before the invitation went out: the cancellation mail says all there is.
        InvitationMail.objects.filter(pk=mail.pk).update(last_error="meeting cancelled before sending")
        return False
    if meeting.end <= now:
        # Neither an invitation nor a cancellation helps anyone after the meeting.
        InvitationMail.objects.filter(pk=mail.pk).update(last_error="meeting over before sending")
        return False
    with translation.override(settings.LANGUAGE_CODE), timezone.override(ZoneInfo(meeting.group.client.timezone)):
        text = _mail_text(invitee, mail.method)
        ics = invitation_ics(invitee=invitee, method=mail.method, sequence=mail.sequence, now=now)
    headers = {"Message-ID": mail.message_id}
    if meeting.organiser.email:
        headers["Reply-To"] = meeting.organiser.email
    message = EmailMessage(subject=text.subject, body=text.body, to=[invitee.external.email], headers=headers)
    message.attach("invite.ics", ics, f"text/calendar; charset=utf-8; method={mail.method}")
    try:
        message.send()
    except Exception as exc:
        InvitationMail.objects.filter(pk=mail.pk).update(claimed_at=None, last_error=type(exc).__name__)
        logger.warning("invitation mail %s failed: %s", mail.pk, type(exc).__name__)
        raise
    InvitationMail.objects.filter(pk=mail.pk).update(sent_at=timezone.now(), last_error="")
    return True
