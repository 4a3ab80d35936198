"""When a responsibility group can meet: the times every internal participant is free, and
the answers for a time that is not (409 with fresh proposals, or 400 for one never on offer).

Each calendar's free times come from booking (``booking.slots``) under the calendar's rules for
group meetings: the hidden group-meeting type's buffers, notice and horizon, on a quarter-hour
grid every calendar shares.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import services as booking
from booking.availability import Interval, SlotRules
from booking.models import OCCUPYING_STATUSES, Appointment, Calendar, MeetingType
from booking.slots import free_times, joint_rules, offers_start
from care.models import GroupMeeting, GroupMeetingType, ResponsibilityGroup
from care.selectors.groups import members_active
from config.errors import ApplicationError, Conflict
from people.models import User

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
