"""Reads for "I need help now": opening hours, who is on duty, and which requests a person may see."""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from booking.holidays import is_public_holiday
from care.models import DutyCover, DutyShift, HelpRequest, HelpSettings
from care.selectors.continuity import overview_clients_for
from people.models import OpeningHours, PhoneNumber, Unit, User
from people.selectors import active_phones_of

# Shown whenever the unit is closed, and as a calm reminder when it is open.
EMERGENCY_NUMBER = "113"
LEGEVAKT_NUMBER = "116 117"


def _local(unit: Unit, at: datetime) -> datetime:
    # Through zoneinfo, never a fixed offset: opening hours are wall-clock times and the
    # offset changes twice a year.
    return at.astimezone(ZoneInfo(unit.timezone))


def help_settings_for(unit: Unit) -> HelpSettings:
    """The unit's settings, or the defaults (unsaved) when the coordinator has set none."""
    found = HelpSettings.objects.filter(unit=unit).select_related("leader").first()
    return found or HelpSettings(unit=unit)


def opening_hours_of(unit: Unit) -> list[OpeningHours]:
    """All of the unit's opening hours, earliest start first: read once, for both questions."""
    return list(OpeningHours.objects.filter(unit=unit).order_by("start"))


def unit_is_open(*, unit: Unit, at: datetime, hours: list[OpeningHours] | None = None) -> bool:
    """Inside the unit's opening hours (``hours`` when already read), and not on a public
    holiday (booking.holidays)."""
    local = _local(unit, at)
    if is_public_holiday(local.date()):
        return False
    if hours is not None:
        now = local.time()
        return any(h.weekday == local.weekday() and h.start <= now < h.end for h in hours)
    return OpeningHours.objects.filter(
        unit=unit, weekday=local.weekday(), start__lte=local.time(), end__gt=local.time()
    ).exists()


def next_opening(*, unit: Unit, after: datetime, hours: list[OpeningHours] | None = None) -> datetime | None:
    """The first moment after ``after`` the unit opens (UTC), or None if it has no opening hours.

    Each candidate is built from the local date and wall-clock opening time, so an opening
    on the morning after a clock change is still at its local time.
    """
    tz = ZoneInfo(unit.timezone)
    hours = opening_hours_of(unit) if hours is None else hours
    if not hours:
        return None
    first_day = _local(unit, after).date()
    # Two weeks: a week of opening hours after the longest run of holidays (Easter's five days).
    for offset in range(15):
        day = first_day + timedelta(days=offset)
        if is_public_holiday(day):
            continue
        for interval in hours:
            if interval.weekday != day.weekday():
                continue
            candidate = datetime.combine(day, interval.start, tzinfo=tz).astimezone(UTC)
            if candidate > after:
                return candidate
    return None


def covers_on(*, unit: Unit, day: date) -> dict[int, User | None]:
    """Who is away on the local ``day`` and who takes their shifts (None: nobody).

    Where covers for one person overlap, the one entered last applies."""
    covers = (
        DutyCover.objects.filter(unit=unit, first_day__lte=day, last_day__gte=day)
        .select_related("cover")
        .order_by("created_at", "pk")
    )
    return {c.absent_id: c.cover for c in covers}


def _on_shift(shift: DutyShift, covers: dict[int, User | None]) -> User | None:
    """Who actually holds ``shift`` given the day's covers, if anyone (active)."""
    person = covers.get(shift.staff_id, shift.staff)  # present with None: nobody covers
    return person if person is not None and person.is_active else None


def on_duty(*, unit: Unit, at: datetime) -> list[User]:
    """Staff on the rota at ``at`` after the day's covers, in order of escalation (each
    person once)."""
    local = _local(unit, at)
    shifts = (
        DutyShift.objects.filter(unit=unit, weekday=local.weekday(), start__lte=local.time(), end__gt=local.time())
        .select_related("staff")
        .order_by("position", "start", "pk")
    )
    covers = covers_on(unit=unit, day=local.date())
    people: list[User] = []
    for shift in shifts:
        person = _on_shift(shift, covers)
        if person is not None and person not in people:
            people.append(person)
    return people


def escalation_chain(*, unit: Unit, at: datetime, settings: HelpSettings | None = None) -> list[User]:
    """Who is alerted, in order: those on duty, then the unit leader. With nobody on duty
    and no leader, the unit's coordinators, so a request never goes to no one. ``settings``:
    the unit's, when the caller has already read them."""
    chain = on_duty(unit=unit, at=at)
    leader = (settings or help_settings_for(unit)).leader
    if leader is not None and leader.is_active and leader not in chain:
        chain.append(leader)
    if not chain:
        chain = list(User.objects.filter(unit=unit, role=User.Role.COORDINATOR, is_active=True).order_by("pk"))
    return chain


def rota_for(*, unit: Unit) -> QuerySet[DutyShift]:
    return DutyShift.objects.filter(unit=unit).select_related("staff").order_by("weekday", "position", "start")


@dataclass(frozen=True)
class TodayShift:
    shift: DutyShift
    holder: User | None  # who holds it today after covers; None when nobody covers
    covered: bool  # the rota's person is away today


def duty_today(*, unit: Unit, now: datetime) -> list[TodayShift]:
    """Today's shifts at the unit (local day), in order of escalation, with who holds each
    one after the day's covers."""
    local = _local(unit, now)
    covers = covers_on(unit=unit, day=local.date())
    shifts = rota_for(unit=unit).filter(weekday=local.weekday()).order_by("position", "start")
    return [TodayShift(s, _on_shift(s, covers), s.staff_id in covers) for s in shifts]


def covers_ahead(*, unit: Unit, today: date) -> QuerySet[DutyCover]:
    """The unit's covers that have not ended, soonest first."""
    return (
        DutyCover.objects.filter(unit=unit, last_day__gte=today)
        .select_related("absent", "cover")
        .order_by("first_day", "pk")
    )


def help_requests_visible_to(*, actor: User) -> QuerySet[HelpRequest]:
    """Scoped: a service user sees their own; staff see what they were alerted about; a
    coordinator sees the unit's. Anything else does not exist for them."""
    qs = HelpRequest.objects.select_related("user", "unit", "acknowledged_by", "resolved_by").audited(
        viewer=actor, what="help_request"
    )
    if actor.is_service_user:
        return qs.filter(user=actor)
    if actor.is_coordinator and actor.unit_id:
        return qs.filter(unit_id=actor.unit_id)
    if actor.has_calendar_role:
        return qs.filter(alerts__staff=actor).distinct()
    return qs.none()


def open_help_request_of(*, user: User) -> HelpRequest | None:
    return help_requests_visible_to(actor=user).filter(status__in=HelpRequest.OPEN).first()


def open_help_requests_for_staff(*, staff: User) -> list[HelpRequest]:
    """What a staff member's Today page lists: open requests, oldest first."""
    return list(
        help_requests_visible_to(actor=staff)
        .filter(status__in=[HelpRequest.Status.ALERTING, HelpRequest.Status.ACKNOWLEDGED])
        .prefetch_related("alerts")
        .order_by("created_at")[:50]
    )


@dataclass(frozen=True)
class Answer:
    """What the person who asked is told: who is on duty and by when, or the numbers to call.

    ``contact_at`` is set only while the request is waiting for the unit to open: it is the
    moment ``help_requests_advance`` routes it (the request's ``due_at``), so "we will contact
    you at 08:00" is said only when a request really will be routed then."""

    request: HelpRequest
    unit_open: bool
    on_duty: User | None
    answer_by: datetime | None
    next_opening: datetime | None
    settings: HelpSettings
    contact_at: datetime | None = None

    @property
    def crisis_line(self) -> tuple[str, str] | None:
        s = self.settings
        return (s.crisis_line_name, s.crisis_line_number) if s.has_crisis_line else None


def current_alerted(request: HelpRequest) -> User | None:
    """The person alerted last (the one expected to answer now)."""
    if not request.chain or request.routed_at is None:
        return None
    staff_id = request.chain[min(request.level, len(request.chain) - 1)]
    return User.objects.filter(pk=staff_id).first()


def answer_by(request: HelpRequest, settings: HelpSettings) -> datetime | None:
    """When the person alerted last must have answered (uses prefetched alerts if there are)."""
    alerts = list(request.alerts.all())
    alert = max(alerts, key=lambda a: a.level) if alerts else None
    return alert.alerted_at + timedelta(minutes=settings.ack_minutes) if alert else None


def help_answer(*, request: HelpRequest, now: datetime, hours: list[OpeningHours] | None = None) -> Answer:
    settings = help_settings_for(request.unit)
    unit_open = unit_is_open(unit=request.unit, at=now, hours=hours)
    if request.status == HelpRequest.Status.ACKNOWLEDGED:
        person, by = request.acknowledged_by, None
    elif request.status == HelpRequest.Status.ALERTING:
        person, by = current_alerted(request), answer_by(request, settings)
    else:
        person, by = None, None
    return Answer(
        request=request,
        unit_open=unit_open,
        on_duty=person,
        answer_by=by,
        next_opening=None if unit_open else next_opening(unit=request.unit, after=now, hours=hours),
        settings=settings,
        contact_at=request.due_at if request.status == HelpRequest.Status.WAITING else None,
    )


@dataclass(frozen=True)
class HelpNow:
    """What the help button says before and after it is pressed, honest for this moment.

    Open: who a request made now goes to first (``first``) and by when they must answer
    (``answer_by``). Closed (outside opening hours, or a public holiday): ``unit_open`` is
    False and the page shows the numbers to call; ``next_opening`` is when a request made now
    would reach someone. ``answer`` is set when the person already has an open request."""

    unit_open: bool
    first: User | None
    answer_by: datetime | None
    next_opening: datetime | None
    settings: HelpSettings
    answer: Answer | None

    @property
    def crisis_line(self) -> tuple[str, str] | None:
        s = self.settings
        return (s.crisis_line_name, s.crisis_line_number) if s.has_crisis_line else None


def help_now_for(*, user: User, now: datetime) -> HelpNow | None:
    """The help state of a service user's unit at ``now``; None without a unit."""
    if user.unit_id is None:
        return None
    unit = user.unit
    hours = opening_hours_of(unit)  # one read for "open now?" and "when do we open?"
    request = open_help_request_of(user=user)
    answer = help_answer(request=request, now=now, hours=hours) if request is not None else None
    settings = answer.settings if answer else help_settings_for(unit)
    is_open = unit_is_open(unit=unit, at=now, hours=hours)
    first = None
    if is_open and answer is None:
        chain = escalation_chain(unit=unit, at=now, settings=settings)
        first = chain[0] if chain else None
    return HelpNow(
        unit_open=is_open,
        first=first,
        answer_by=now + timedelta(minutes=settings.ack_minutes) if first else None,
        next_opening=None if is_open else next_opening(unit=unit, after=now, hours=hours),
        settings=settings,
        answer=answer,
    )


def staff_of_unit(*, unit_id: int | None) -> QuerySet[User]:
    return User.objects.filter(
        unit_id=unit_id,
        is_active=True,
        role__in=[User.Role.SOCIAL_WORKER, User.Role.PEER, User.Role.COORDINATOR],
    ).order_by("first_name", "last_name")


@dataclass(frozen=True)
class HelpRow:
    """One request as staff see it in a list: escalation level and time left."""

    request: HelpRequest
    level: int  # 1 = the first person alerted; 0 = not routed yet
    levels: int
    to_leader: bool
    answer_by: datetime | None
    minutes_left: int | None
    # The person's active number, to call them back at once, and whether the viewer may open
    # their page (their worker, the unit's coordinator); filled when help_rows gets a viewer.
    phone: PhoneNumber | None = None
    may_open: bool = False


def _minutes_left(by: datetime, now: datetime) -> int:
    """Whole minutes left, rounded up; -1 once the time has passed."""
    seconds = (by - now).total_seconds()
    return math.ceil(seconds / 60) if seconds > 0 else -1


def help_rows(*, requests: list[HelpRequest], now: datetime, viewer: User | None = None) -> list[HelpRow]:
    """The requests as rows of a list; with ``viewer``, each also has the person's number and
    whether the viewer may open the person's page (two queries for the whole list)."""
    rows = []
    phones: dict[int, PhoneNumber] = {}
    openable: set[int] = set()
    if viewer is not None and requests:
        user_ids = {item.user_id for item in requests}
        phones = active_phones_of(user_ids=user_ids)
        openable = set(overview_clients_for(viewer=viewer).filter(pk__in=user_ids).values_list("pk", flat=True))
    by_unit: dict[int, HelpSettings] = {}
    for item in requests:
        if item.unit_id not in by_unit:
            by_unit[item.unit_id] = help_settings_for(item.unit)
        settings = by_unit[item.unit_id]
        by = answer_by(item, settings) if item.status == HelpRequest.Status.ALERTING else None
        current = item.chain[min(item.level, len(item.chain) - 1)] if item.chain else None
        rows.append(
            HelpRow(
                request=item,
                level=item.level + 1 if item.routed_at else 0,
                levels=len(item.chain),
                to_leader=item.level > 0 and current is not None and current == settings.leader_id,
                answer_by=by,
                minutes_left=_minutes_left(by, now) if by else None,
                phone=phones.get(item.user_id),
                may_open=item.user_id in openable,
            )
        )
    return rows
