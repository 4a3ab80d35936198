"""Reads for booking. Every query here is scoped to what the caller may see."""

from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import CharField, FloatField, Func, OuterRef, Q, QuerySet, Value

from booking.access import read_granted
from booking.availability import CalendarState, Interval, WeeklyInterval
from booking.holidays import public_holidays
from booking.models import (
    MAX_BLOCKED,
    OCCUPYING_STATUSES,
    Appointment,
    Calendar,
    CalendarOverride,
    CalendarVersion,
    ExternalBusy,
    ExternalCalendar,
    FeedToken,
    MeetingType,
    WorkingHours,
)
from config import prepared
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


_TYPE_PATHS = prepared.field_paths(MeetingType)
_CALENDAR_PATHS = prepared.field_paths(Calendar, "calendar__")
_OWNER_PATHS = prepared.field_paths(User, "calendar__owner__")


def meeting_type_for_booking(*, user: User, worker_id: int, meeting_type_id: int) -> MeetingType | None:
    """One query: the meeting type with its calendar, owner and the calendar's version
    (see ``calendar_version``), only if the user may use it.

    Every slots request and booking starts here, so the query is the one
    ``meeting_types_bookable_by`` builds, compiled once per role (``config.prepared``)."""
    uses_unit = user.is_service_user or user.is_coordinator

    def build(user_pk: int, unit_id: int | None, worker: int, type_id: int) -> QuerySet:
        stand_in = User(pk=user_pk, unit_id=unit_id, role=user.role)
        return (
            meeting_types_bookable_by(user=stand_in)
            .filter(pk=type_id, calendar__owner_id=worker)
            .values_list(*_TYPE_PATHS, *_CALENDAR_PATHS, *_OWNER_PATHS, "calendar__version__token")[:1]
        )

    found = prepared.rows(
        "meeting-type-for-booking",
        build,
        [user.pk, user.unit_id if uses_unit else None, worker_id, meeting_type_id],
        key=user.role,
    )
    if not found:
        return None
    row = found[0]
    a, b = len(_TYPE_PATHS), len(_TYPE_PATHS) + len(_CALENDAR_PATHS)
    meeting_type = prepared.instance(MeetingType, row[:a])
    calendar = prepared.instance(Calendar, row[a:b])
    calendar.owner = prepared.instance(User, row[b:-1])
    if row[-1] is not None:
        calendar.version = CalendarVersion(calendar=calendar, token=row[-1])
    meeting_type.calendar = calendar
    return meeting_type


def calendar_version(*, calendar: Calendar) -> str | None:
    """The calendar's version token: it changes in the same transaction as anything that
    decides the calendar's free times. Read in the query that loaded the calendar when
    that query asked for it (``meeting_type_for_booking``), else with one query."""
    cached = calendar._state.fields_cache.get("version")
    if cached is not None:
        return cached.token
    return CalendarVersion.objects.filter(calendar_id=calendar.pk).values_list("token", flat=True).first()


def calendar_state(
    *, calendar: Calendar, tz: ZoneInfo, first_day: date, last_day: date, exclude_appointment_id: int | None = None
) -> CalendarState:
    """Load what the availability engine needs for local days first_day..last_day (three queries).

    The queries are compiled once (``config.prepared``): this runs on every slots request
    the cache cannot answer and inside every booking's calendar lock."""
    # Widen by a day each side so buffers and time off reaching across midnight are seen.
    range_start = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    range_end = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), tzinfo=tz)

    weekly = [
        WeeklyInterval(weekday, start, end)
        for weekday, start, end in prepared.rows("working-hours", _working_hours, [calendar.pk])
    ]
    extra: list[Interval] = []
    time_off: list[Interval] = []
    override_args = [calendar.pk, range_start, range_end]
    if connection.vendor == "postgresql":
        # Busy time from a worker's own calendar can be hundreds of rows: as for the busy
        # ranges below, seconds since the epoch arrive several times cheaper than text.
        from_epoch = datetime.fromtimestamp
        for kind, start, end in prepared.rows("overrides-epoch", _overrides_epoch, override_args):
            (extra if kind == "extra" else time_off).append(Interval(from_epoch(start, UTC), from_epoch(end, UTC)))
    else:
        for kind, start, end in prepared.rows("overrides", _overrides, override_args):
            (extra if kind == "extra" else time_off).append(Interval(start, end))
    busy_args = [calendar.pk, range_start, range_end, range_start - MAX_BLOCKED, exclude_appointment_id]
    if connection.vendor == "postgresql":
        # Hundreds of rows for a busy calendar: seconds since the epoch as floats arrive
        # several times cheaper than timestamps parsed from text, and are exact to the
        # microsecond for these dates.
        from_epoch = datetime.fromtimestamp
        busy = [
            Interval(from_epoch(s, UTC), from_epoch(e, UTC))
            for s, e in prepared.rows("busy-epoch", _busy_epoch, busy_args)
        ]
    else:
        busy = [Interval(s, e) for s, e in prepared.rows("busy", _busy, busy_args)]
    return CalendarState(
        tz=tz,
        weekly=weekly,
        extra=extra,
        time_off=time_off,
        busy=busy,
        closed_days=public_holidays(first_day, last_day),
    )


def _working_hours(calendar_id: int) -> QuerySet:
    return WorkingHours.objects.filter(calendar_id=calendar_id).values_list("weekday", "start", "end")


def _overrides(calendar_id: int, range_start: datetime, range_end: datetime) -> QuerySet:
    """Time off and extra hours, and busy time read from the worker's own calendars, which
    blocks like time off (no meeting may overlap it; buffers do not reach into it). One
    query: this runs on every slots request the cache cannot answer."""
    overrides = (
        CalendarOverride.objects.filter(calendar_id=calendar_id, start__lt=range_end, end__gt=range_start)
        .order_by()
        .values_list("kind", "start", "end")
    )
    external = (
        ExternalBusy.objects.filter(calendar_id=calendar_id, start__lt=range_end, end__gt=range_start)
        .order_by()
        .annotate(kind=Value(CalendarOverride.Kind.TIME_OFF.value, output_field=CharField()))
        .values_list("kind", "start", "end")
    )
    return overrides.union(external, all=True)


def _overrides_epoch(calendar_id: int, range_start: datetime, range_end: datetime) -> QuerySet:
    kind = Value(CalendarOverride.Kind.TIME_OFF.value, output_field=CharField())
    overrides = (
        CalendarOverride.objects.filter(calendar_id=calendar_id, start__lt=range_end, end__gt=range_start)
        .order_by()
        .annotate(start_epoch=_Epoch("start"), end_epoch=_Epoch("end"))
        .values_list("kind", "start_epoch", "end_epoch")
    )
    external = (
        ExternalBusy.objects.filter(calendar_id=calendar_id, start__lt=range_end, end__gt=range_start)
        .order_by()
        .annotate(kind=kind, start_epoch=_Epoch("start"), end_epoch=_Epoch("end"))
        .values_list("kind", "start_epoch", "end_epoch")
    )
    return overrides.union(external, all=True)


def _busy(
    calendar_id: int, range_start: datetime, range_end: datetime, lower_bound: datetime, exclude: int | None
) -> QuerySet:
    """Blocked ranges of occupying appointments that reach into the range."""
    appointments = Appointment.objects.filter(
        calendar_id=calendar_id,
        status__in=OCCUPYING_STATUSES,
        blocked_start__lt=range_end,
        # No appointment holds more than MAX_BLOCKED, so the index is bounded from below too.
        blocked_start__gt=lower_bound,
        blocked_end__gt=range_start,
    )
    if exclude is not None:
        appointments = appointments.exclude(pk=exclude)
    return appointments.values_list("blocked_start", "blocked_end")


class _Epoch(Func):
    """PostgreSQL: seconds since 1970-01-01 UTC of a timestamptz, with no time zone applied
    (Django's Extract would first convert to the current zone)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()


def _busy_epoch(
    calendar_id: int, range_start: datetime, range_end: datetime, lower_bound: datetime, exclude: int | None
) -> QuerySet:
    return (
        _busy(calendar_id, range_start, range_end, lower_bound, exclude)
        .annotate(start_epoch=_Epoch("blocked_start"), end_epoch=_Epoch("blocked_end"))
        .values_list("start_epoch", "end_epoch")
    )


def appointments_of_client(*, user: User) -> QuerySet[Appointment]:
    """A service user's own meetings, each once: a joint meeting holds one appointment in
    every participant's calendar, and the person sees the one that is their copy (the one
    that carries their reminders)."""
    return Appointment.objects.filter(client=user, client_copy=True)


def _own_or_granted(user: User, *, for_write: bool) -> Q:
    """A calendar owner's own appointments, and for reading also what an app built on booking
    grants them (a peer: the meetings people share with them; see ``booking.access``)."""
    own = Q(calendar__owner=user)
    granted = None if for_write else read_granted(user=user)
    return own if granted is None else own | granted


def appointments_visible_to(*, user: User, for_write: bool = False) -> QuerySet[Appointment]:
    """The appointments a person may see: their own as a service user, their calendar's as
    staff, and the unit's as a coordinator. Anything else does not exist for them (404).

    A calendar owner also reads what ``booking.access`` grants them (a peer: the meetings of
    people who share them, and single meetings they are invited to); read only: with
    ``for_write`` they have their own calendar's meetings and nothing else."""
    qs = Appointment.objects.select_related("meeting_type", "calendar__owner", "client").audited(
        viewer=user, what="appointment", change=for_write
    )
    if user.is_superuser:
        return qs
    if user.is_service_user:
        return qs & appointments_of_client(user=user)
    if user.is_coordinator:
        if not user.unit_id:
            return qs.none()
        return qs.filter(calendar__owner__unit_id=user.unit_id)
    if user.has_calendar_role:
        return qs.filter(_own_or_granted(user, for_write=for_write))
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
    """Appointments for a person's calendar feed: their calendar's as staff (with what
    ``booking.access`` grants them, as on the pages), their own as a service user."""
    qs = (
        Appointment.objects.select_related("meeting_type", "calendar__owner", "client")
        .filter(end__gte=since)
        .audited(viewer=user, what="appointment")
    )
    if user.has_calendar_role:
        return qs.filter(_own_or_granted(user, for_write=False))
    return qs & appointments_of_client(user=user)


# --- Busy time from the worker's own calendars -----------------------------------------------------


def appointments_clashing(
    *, calendar_id: int, intervals: list[tuple[datetime, datetime]], now: datetime
) -> list[Appointment]:
    """The calendar's booked meetings still ahead that overlap any of ``intervals`` (meeting
    times, not buffers). A system read while syncing, so nobody's access is noted."""
    if not intervals:
        return []
    ordered = sorted(intervals)
    latest_end = max(end for _, end in ordered)
    meetings = Appointment.objects.filter(
        calendar_id=calendar_id,
        status=Appointment.Status.BOOKED,
        end__gt=max(now, ordered[0][0]),
        start__lt=latest_end,
    ).select_related("client", "meeting_type")
    starts = [start for start, _ in ordered]
    clashing = []
    for meeting in meetings:
        # Intervals starting before the meeting ends; one of them must end after it starts.
        before = bisect_left(starts, meeting.end)
        if any(end > meeting.start for _, end in ordered[:before]):
            clashing.append(meeting)
    return clashing


def appointments_to_write_back(*, calendar: Calendar, since: datetime, until: datetime) -> QuerySet[Appointment]:
    """The calendar's meetings between since and until that belong in the worker's own
    calendar (everything but cancelled ones)."""
    return Appointment.objects.filter(
        calendar=calendar, status__in=OCCUPYING_STATUSES, end__gt=since, start__lt=until
    ).select_related("meeting_type", "client", "calendar__owner")


def external_calendars_of(*, worker: User) -> QuerySet:
    """The calendars ``worker`` connected (their own only: nobody else sees or changes them)."""
    return ExternalCalendar.objects.filter(calendar__owner=worker).order_by("created_at")


def external_calendar_of(*, worker: User, item_id: int) -> ExternalCalendar | None:
    """One of ``worker``'s connected calendars; None for anyone else's (a 404 to the caller)."""
    return external_calendars_of(worker=worker).filter(pk=item_id).first()


def external_busy_between(*, worker: User, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Busy time from ``worker``'s own calendars overlapping start..end, for their week."""
    return list(
        ExternalBusy.objects.filter(calendar__owner=worker, start__lt=end, end__gt=start)
        .order_by("start")
        .values_list("start", "end")
    )


def write_back_calendars_of(*, calendar_ids: set[int]) -> list[int]:
    """The connected calendars that receive the meetings of these Triangel calendars."""
    return list(
        ExternalCalendar.objects.filter(calendar_id__in=calendar_ids, write_back=True).values_list("pk", flat=True)
    )
