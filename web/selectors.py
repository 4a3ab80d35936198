"""Reads for the web pages. Each page's reads are a fixed number of queries, whatever
the number of appointments or reminders."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from booking import selectors as booking_selectors
from booking.models import Appointment, CalendarOverride, MeetingType, WorkingHours
from booking.selectors import appointments_of_client, meeting_types_bookable_by
from messaging.models import Delivery
from people.models import PhoneNumber, User
from people.selectors import clients_manageable_by, clients_of
from reminders.models import ItemDone, MedicationLog, ReminderPlan
from reminders.services import dose_window, plan_occurrences


@dataclass
class DayItem:
    at: datetime
    kind: str  # meeting, medication, money, routine
    title: str
    detail: str = ""
    plan_id: int | None = None
    done: bool = False
    appointment: Appointment | None = None
    # Medication: a dose can be marked taken only in its window (reminders' ``dose_window``).
    not_before: datetime | None = None  # when it opens, while it has not
    markable: bool = True
    undoable: bool = False  # taken, and the mark can still be undone

    @property
    def occurrence(self) -> str:
        return self.at.isoformat()


@dataclass
class Day:
    day: date
    items: list[DayItem] = field(default_factory=list)


def local_today(user: User, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(ZoneInfo(user.timezone)).date()


def next_meeting(*, user: User, now: datetime | None = None) -> Appointment | None:
    """The service user's next booked meeting that has not ended, for the top of My day (1 query)."""
    now = now or timezone.now()
    return (
        appointments_of_client(user=user)
        .filter(status=Appointment.Status.BOOKED, end__gt=now)
        .select_related("calendar__owner", "meeting_type")
        .order_by("start")
        .first()
    )


def my_day(*, user: User, now: datetime | None = None, days: int = 2) -> list[Day]:
    """Today and tomorrow in time order: meetings, medication, money and routines (4 queries)."""
    now = now or timezone.now()
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    start = datetime.combine(today, time(0), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=days), time(0), tzinfo=tz)
    result = {today + timedelta(days=i): Day(today + timedelta(days=i)) for i in range(days)}

    for appointment in (
        appointments_of_client(user=user)
        .filter(status=Appointment.Status.BOOKED, start__gte=start, start__lt=end)
        .select_related("calendar__owner", "meeting_type")
    ):
        owner = appointment.calendar.owner
        local = appointment.start.astimezone(tz)
        result[local.date()].items.append(
            DayItem(
                at=local,
                kind="meeting",
                title=appointment.meeting_type.name,
                detail=owner.get_full_name() or owner.username,
                appointment=appointment,
            )
        )

    plans = list(ReminderPlan.objects.filter(owner=user, is_active=True).select_related("owner"))
    taken = set(
        MedicationLog.objects.filter(
            plan__owner=user, status=MedicationLog.Status.TAKEN, occurrence_at__gte=start, occurrence_at__lt=end
        ).values_list("plan_id", "occurrence_at")
    )
    done = set(
        ItemDone.objects.filter(plan__owner=user, occurrence_at__gte=start, occurrence_at__lt=end).values_list(
            "plan_id", "occurrence_at"
        )
    )
    for plan in plans:
        for at in plan_occurrences(plan=plan, after=start - timedelta(seconds=1), until=end - timedelta(seconds=1)):
            key = (plan.pk, at)
            item = _plan_item(plan, at.astimezone(tz), done=key in taken or key in done, now=now)
            result[item.at.date()].items.append(item)
    for day in result.values():
        day.items.sort(key=lambda item: item.at)
    return list(result.values())


def _plan_item(plan: ReminderPlan, local: datetime, *, done: bool, now: datetime) -> DayItem:
    medication = plan.kind == ReminderPlan.Kind.MEDICATION
    item = DayItem(
        at=local,
        kind=plan.kind,
        title=plan.title,
        detail=plan.dose if medication else plan.get_money_kind_display(),
        plan_id=plan.pk,
        done=done,
    )
    if medication:
        window = dose_window(plan=plan, occurrence_at=local)
        item.not_before = window.opens.astimezone(local.tzinfo) if now < window.opens else None
        item.markable = window.holds(now)
        item.undoable = done and now < window.closes
    return item


def bookable_types(*, user: User) -> QuerySet[MeetingType]:
    return (
        meeting_types_bookable_by(user=user)
        .select_related("calendar__owner")
        .order_by("-calendar__owner__role", "name")
    )


def upcoming_and_past(*, user: User, now: datetime | None = None) -> tuple[list[Appointment], list[Appointment]]:
    now = now or timezone.now()
    qs = appointments_of_client(user=user).select_related("calendar__owner", "meeting_type")
    upcoming = list(qs.filter(end__gte=now).exclude(status=Appointment.Status.CANCELLED).order_by("start")[:50])
    past = list(qs.filter(Q(end__lt=now) | Q(status=Appointment.Status.CANCELLED)).order_by("-start")[:20])
    return upcoming, past


# --- Staff --------------------------------------------------------------------------------


def worker_day(*, worker: User, day: date) -> list[Appointment]:
    tz = ZoneInfo(worker.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    return list(
        Appointment.objects.filter(calendar__owner=worker, start__gte=start, start__lt=start + timedelta(days=1))
        .select_related("client", "meeting_type")
        .order_by("start")
        .audited(viewer=worker, what="appointment")
    )


def failing_reminders(*, worker: User, now: datetime | None = None) -> QuerySet[User]:
    """Caseload members whose reminders are failing: a failed delivery in the last week, or
    no usable active phone number."""
    now = now or timezone.now()
    failed = Delivery.objects.filter(
        recipient=OuterRef("pk"), status=Delivery.Status.FAILED, due_at__gte=now - timedelta(days=7)
    )
    usable_phone = PhoneNumber.objects.filter(user=OuterRef("pk"), is_active=True, unusable_since__isnull=True)
    return (
        clients_of(worker=worker)
        .annotate(has_failed=Exists(failed), has_phone=Exists(usable_phone))
        .filter(Q(has_failed=True) | Q(has_phone=False))
        .order_by("first_name")
    )


def week_of(*, worker: User, monday: date) -> tuple[list[Appointment], list[CalendarOverride]]:
    tz = ZoneInfo(worker.timezone)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = start + timedelta(days=7)
    appointments = list(
        Appointment.objects.filter(calendar__owner=worker, start__gte=start, start__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("client", "meeting_type")
        .order_by("start")
        .audited(viewer=worker, what="appointment")
    )
    overrides = list(
        CalendarOverride.objects.filter(calendar__owner=worker, start__lt=end, end__gt=start).order_by("start")
    )
    return appointments, overrides


def weekly_hours_of(*, worker: User) -> list[tuple[int, time, time]]:
    """The worker's weekly working hours as (weekday, start, end), Monday = 0."""
    return list(
        WorkingHours.objects.filter(calendar__owner=worker)
        .order_by("weekday", "start")
        .values_list("weekday", "start", "end")
    )


def external_busy_of(*, worker: User, first_day: date, last_day: date) -> list[tuple[datetime, datetime]]:
    """Busy time from the worker's connected calendars (Outlook, Google…) from ``first_day``
    to ``last_day`` (both included, the worker's local days), as aware (start, end) pairs.

    Only when they are busy, never what the event is (Triangel keeps nothing more), so the
    week shows it as grey "Busy" blocks without details."""
    tz = ZoneInfo(worker.timezone)
    start = datetime.combine(first_day, time.min, tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)
    return booking_selectors.external_busy_between(worker=worker, start=start, end=end)


def external_calendars_failing(*, worker: User) -> list:
    """The worker's connected calendars whose last read failed, for a notice on their week."""
    return [c for c in booking_selectors.external_calendars_of(worker=worker) if c.last_error]


def caseload_overview(*, worker: User, now: datetime | None = None, search: str = "") -> QuerySet[User]:
    """Each person followed: next meeting, last meeting, no-shows in 90 days, reminder
    health — one query with subqueries. ``search`` keeps the people whose name has all its
    words, or whose phone number (any of them, as typed: spaces and +47 do not matter) has
    its digits."""
    now = now or timezone.now()
    mine = Appointment.objects.filter(client=OuterRef("pk"))
    next_meeting = mine.filter(status=Appointment.Status.BOOKED, start__gte=now).order_by("start").values("start")[:1]
    last_meeting = (
        mine.filter(start__lt=now).exclude(status=Appointment.Status.CANCELLED).order_by("-start").values("start")[:1]
    )
    failed = Delivery.objects.filter(
        recipient=OuterRef("pk"), status=Delivery.Status.FAILED, due_at__gte=now - timedelta(days=7)
    )
    usable_phone = PhoneNumber.objects.filter(user=OuterRef("pk"), is_active=True, unusable_since__isnull=True)
    active_phone = PhoneNumber.objects.filter(user=OuterRef("pk"), is_active=True).values("number")[:1]
    return (
        clients_of(worker=worker)
        .annotate(
            next_meeting=Subquery(next_meeting),
            last_meeting=Subquery(last_meeting),
            no_shows=Count(
                "appointments",
                filter=Q(
                    appointments__status=Appointment.Status.NO_SHOW, appointments__start__gte=now - timedelta(days=90)
                ),
                distinct=True,
            ),
            reminders_failing=Exists(failed),
            has_phone=Exists(usable_phone),
            phone=Subquery(active_phone),
        )
        .filter(_caseload_search(search))
        .order_by("first_name", "last_name")
    )


def _caseload_search(search: str) -> Q:
    """Name words (each must match a first or last name) or phone digits; nothing for blank."""
    found = Q()
    digits = "".join(ch for ch in search if ch.isdigit())
    if len(digits) >= 3 and not any(ch.isalpha() for ch in search):
        if digits.startswith("47") and len(digits) > 8:
            digits = digits[2:]
        return Q(pk__in=PhoneNumber.objects.filter(number__contains=digits).values("user_id"))
    for word in search.split():
        found &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return found


def people_to_book_for(*, actor: User, search: str = "") -> QuerySet[User]:
    """The service users ``actor`` may book a meeting for, found by name words or phone digits
    as on the caseload: a social worker's caseload (a coordinator's unit); a peer, whose
    meeting types are open to the unit, anyone active in the unit."""
    if actor.is_peer and actor.unit_id is None:
        return User.objects.none()
    if actor.is_peer:
        people_ = User.objects.filter(role=User.Role.SERVICE_USER, unit_id=actor.unit_id, is_active=True)
    else:
        people_ = clients_manageable_by(actor=actor)
    return people_.filter(_caseload_search(search)).order_by("first_name", "last_name", "pk")


# --- One meeting, for staff ---------------------------------------------------------------


def _staff_meetings(*, worker: User) -> QuerySet[Appointment]:
    """Meetings a worker may open on their meeting page: their own calendar's, and those of
    the people they follow (in any calendar). Anything else does not exist for them (404)."""
    return Appointment.objects.filter(Q(calendar__owner=worker) | Q(client__in=clients_of(worker=worker).values("pk")))


def staff_meeting_get(*, worker: User, appointment_id: int) -> Appointment | None:
    return (
        _staff_meetings(worker=worker)
        .filter(pk=appointment_id)
        .select_related("meeting_type", "calendar__owner", "client")
        .audited(viewer=worker, what="appointment")
        .first()
    )


def next_meetings_of(*, worker: User, client_ids: list[int], now: datetime | None = None) -> dict[int, Appointment]:
    """Each person's next booked meeting, among those the worker may open (one query)."""
    coming = (
        _staff_meetings(worker=worker)
        .filter(
            client_id__in=client_ids,
            client_copy=True,
            status=Appointment.Status.BOOKED,
            start__gt=now or timezone.now(),
        )
        .select_related("meeting_type")
        .order_by("start")
        .audited(viewer=worker, what="appointment")
    )
    found: dict[int, Appointment] = {}
    for appointment in coming[:1000]:
        found.setdefault(appointment.client_id, appointment)
    return found


def next_and_last_meeting(
    *, worker: User, client_id: int, now: datetime | None = None
) -> tuple[Appointment | None, Appointment | None]:
    """The person's next booked meeting and last meeting that was not cancelled, among those
    the worker may open."""
    now = now or timezone.now()
    qs = (
        _staff_meetings(worker=worker)
        .filter(client_id=client_id)
        .select_related("meeting_type", "calendar__owner")
        .audited(viewer=worker, what="appointment")
    )
    upcoming = qs.filter(status=Appointment.Status.BOOKED, start__gte=now).order_by("start", "id").first()
    last = qs.filter(start__lt=now).exclude(status=Appointment.Status.CANCELLED).order_by("-start", "-id").first()
    return upcoming, last
