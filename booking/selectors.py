"""Reads for booking. Every query here is scoped to what the caller may see."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, QuerySet

from booking.availability import CalendarState, Interval, WeeklyInterval
from booking.models import MAX_BLOCKED, OCCUPYING_STATUSES, Appointment, Calendar, FeedToken, MeetingType
from care.selectors.peers import appointments_peer_filter
from people.models import User
from people.selectors import active_caseload_exists


def meeting_types_bookable_by(*, user: User) -> QuerySet[MeetingType]:
    """Active meeting types the user may book for themselves (service user) or manage (staff).

    A service user may book a type offered to the whole unit, or a caseload-only type of
    the worker who follows them now. Staff see their own calendar's types; a coordinator
    sees the unit's.
    """
    qs = MeetingType.objects.filter(is_active=True, calendar__owner__is_active=True)
    if user.is_service_user:
        return qs.filter(
            Q(audience=MeetingType.Audience.UNIT, calendar__owner__unit_id=user.unit_id)
            | Q(
                active_caseload_exists(worker_ref=OuterRef("calendar__owner"), client=user),
                audience=MeetingType.Audience.CASELOAD,
            )
        ).exclude(calendar__owner__unit__isnull=True)
    if user.is_coordinator:
        return qs.filter(calendar__owner__unit_id=user.unit_id).exclude(calendar__owner__unit__isnull=True)
    if user.has_calendar_role:
        return qs.filter(calendar__owner=user)
    return qs.none()


def workers_bookable_by(*, user: User) -> QuerySet[User]:
    """Calendar owners (workers and peers) with at least one meeting type the user may use."""
    types = meeting_types_bookable_by(user=user)
    return (
        User.objects.filter(calendar__meeting_types__in=types)
        .distinct()
        # Social workers before peers: most service users book with their own worker.
        .order_by("-role", "first_name", "last_name", "id")
    )


def meeting_type_for_booking(*, user: User, worker_id: int, meeting_type_id: int) -> MeetingType | None:
    """One query: the meeting type with its calendar and owner, only if the user may use it."""
    return (
        meeting_types_bookable_by(user=user)
        .select_related("calendar__owner")
        .filter(pk=meeting_type_id, calendar__owner_id=worker_id)
        .first()
    )


def calendar_state(
    *, calendar: Calendar, tz: ZoneInfo, first_day: date, last_day: date, exclude_appointment_id: int | None = None
) -> CalendarState:
    """Load what the availability engine needs for local days first_day..last_day (three queries)."""
    # Widen by a day each side so buffers and time off reaching across midnight are seen.
    range_start = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    range_end = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), tzinfo=tz)

    weekly = [
        WeeklyInterval(weekday, start, end)
        for weekday, start, end in calendar.working_hours.values_list("weekday", "start", "end")
    ]
    extra: list[Interval] = []
    time_off: list[Interval] = []
    for kind, start, end in calendar.overrides.filter(start__lt=range_end, end__gt=range_start).values_list(
        "kind", "start", "end"
    ):
        (extra if kind == "extra" else time_off).append(Interval(start, end))

    appointments = Appointment.objects.filter(
        calendar=calendar,
        status__in=OCCUPYING_STATUSES,
        blocked_start__lt=range_end,
        blocked_start__gt=range_start - MAX_BLOCKED,
        blocked_end__gt=range_start,
    )
    if exclude_appointment_id is not None:
        appointments = appointments.exclude(pk=exclude_appointment_id)
    busy = [Interval(s, e) for s, e in appointments.values_list("blocked_start", "blocked_end")]
    return CalendarState(tz=tz, weekly=weekly, extra=extra, time_off=time_off, busy=busy)


def appointments_visible_to(*, user: User, for_write: bool = False) -> QuerySet[Appointment]:
    """The appointments a person may see: their own as a service user, their calendar's as
    staff, and the unit's as a coordinator. Anything else does not exist for them (404).

    A peer also reads the meetings of people who share their meetings with them now, and a
    single meeting they are invited to; read only: with ``for_write`` a peer has their own
    calendar's meetings and nothing else."""
    qs = Appointment.objects.select_related("meeting_type", "calendar__owner", "client")
    if user.is_superuser:
        return qs
    if user.is_service_user:
        return qs.filter(client=user)
    if user.is_coordinator:
        if not user.unit_id:
            return qs.none()
        return qs.filter(calendar__owner__unit_id=user.unit_id)
    if user.is_peer and not for_write:
        return qs.filter(Q(calendar__owner=user) | appointments_peer_filter(peer=user))
    if user.has_calendar_role:
        return qs.filter(calendar__owner=user)
    return qs.none()


def appointment_get(*, user: User, appointment_id: int, for_update: bool = False) -> Appointment | None:
    """One appointment the person may see; with ``for_update`` (every write) one they may change."""
    qs = appointments_visible_to(user=user, for_write=for_update)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(pk=appointment_id).first()


def feed_token_active(*, user: User) -> FeedToken | None:
    return FeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_owner_by_secret(*, secret: str) -> User | None:
    token = (
        FeedToken.objects.filter(secret=secret, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return token.user if token else None


def feed_appointments(*, user: User, since: datetime) -> QuerySet[Appointment]:
    """Appointments for a person's calendar feed: their calendar's as staff, their own as a user,
    and for a peer also what people share with them or invite them to (as on the pages)."""
    qs = Appointment.objects.select_related("meeting_type", "calendar__owner", "client").filter(end__gte=since)
    if user.is_peer:
        return qs.filter(Q(calendar__owner=user) | appointments_peer_filter(peer=user))
    if user.has_calendar_role:
        return qs.filter(calendar__owner=user)
    return qs.filter(client=user)
