"""Writes for "I need help now": asking, routing to whoever is on duty, escalating,
acknowledging, resolving — and the rota a coordinator keeps.

Everything takes ``now`` so the escalation can be tested with a frozen clock.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import DutyCover, DutyShift, HelpAlert, HelpRequest, HelpSettings
from care.selectors import help as selectors
from care.services.help_answers import help_acknowledged_tell, help_answer_by_sms
from config.errors import Conflict, NotFound, Unprocessable
from people.models import Unit, User
from reminders import services as reminders
from reminders.models import MessageKind

# An alert nobody acts on for this long is stale; the escalation has moved on long before.
ALERT_USEFUL_FOR = timedelta(hours=2)


# --- Asking ------------------------------------------------------------------------------------


def help_request_create(
    *, user: User, via: str = HelpRequest.Via.WEB, message: str = "", now: datetime | None = None
) -> tuple[HelpRequest, bool]:
    """Ask for help now. Returns (request, created).

    With a request already open the existing one is returned (created False): pressing
    again must not alert anyone twice. Inside opening hours the first person on duty is
    alerted at once; outside, the request waits for the next opening.
    """
    now = now or timezone.now()
    if not user.is_service_user or user.unit_id is None:
        raise Unprocessable(_("Only a service user in a unit can ask for help here."))
    existing = selectors.open_help_request_of(user=user)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            request = HelpRequest.objects.create(
                user=user, unit_id=user.unit_id, via=via, message=message.strip()[:300], created_at=now
            )
            if selectors.unit_is_open(unit=request.unit, at=now):
                _route(request, now)
            else:
                request.due_at = selectors.next_opening(unit=request.unit, after=now)
                request.save(update_fields=["due_at"])
    except IntegrityError:
        # Two presses at the same moment: the database's one-open-per-user constraint let
        # one through; show that one.
        existing = selectors.open_help_request_of(user=user)
        if existing is None:
            raise
        return existing, False
    return request, True


def help_request_sms(*, user: User, ref: str, now: datetime) -> HelpRequest:
    """The HJELP / HELP keyword: ask (or find the open request) and answer by SMS."""
    request, _created = help_request_create(user=user, via=HelpRequest.Via.SMS, now=now)
    help_answer_by_sms(request, ref=ref, now=now)
    return request


# --- Routing and escalation --------------------------------------------------------------------


def _alert(request: HelpRequest, staff: User, level: int, ack_minutes: int, now: datetime) -> None:
    _alert_row, created = HelpAlert.objects.get_or_create(
        request=request, staff=staff, defaults={"level": level, "alerted_at": now}
    )
    if not created:
        return
    reminders.notice_now(
        recipient=staff,
        kind=MessageKind.HELP_ALERT,
        ref=f"{request.pk}:{staff.pk}",
        # Initials only and no reason text: a staff phone's lock screen can be seen by others.
        context={"client": request.user.initials, "escalated": level > 0},
        at=now + timedelta(minutes=ack_minutes),
        now=now,
        useful_for=ALERT_USEFUL_FOR,
        on_duty=staff in selectors.on_duty(unit=request.unit, at=now),
    )


def _route(request: HelpRequest, now: datetime) -> None:
    """Fix the order of escalation for this request and alert the first person in it."""
    settings = selectors.help_settings_for(request.unit)
    chain = selectors.escalation_chain(unit=request.unit, at=now)
    request.chain = [person.pk for person in chain]
    request.level = 0
    request.routed_at = now
    request.status = HelpRequest.Status.ALERTING
    request.due_at = now + timedelta(minutes=settings.ack_minutes) if len(chain) > 1 else None
    request.save(update_fields=["chain", "level", "routed_at", "status", "due_at"])
    if chain:
        _alert(request, chain[0], 0, settings.ack_minutes, now)


def _escalate(request: HelpRequest, now: datetime) -> None:
    settings = selectors.help_settings_for(request.unit)
    request.level += 1
    if request.level >= len(request.chain):
        request.level = max(len(request.chain) - 1, 0)
        request.due_at = None
        request.save(update_fields=["level", "due_at"])
        return
    more = request.level + 1 < len(request.chain)
    request.due_at = now + timedelta(minutes=settings.ack_minutes) if more else None
    request.save(update_fields=["level", "due_at"])
    staff = User.objects.filter(pk=request.chain[request.level]).first()
    if staff is not None:
        _alert(request, staff, request.level, settings.ack_minutes, now)


def help_requests_advance(*, now: datetime | None = None, limit: int = 200) -> int:
    """Route waiting requests whose unit has opened and escalate unanswered ones.

    Called every half minute; safe to run twice at once (rows are locked, and a locked row
    is left to the copy that holds it). Returns how many requests moved on.
    """
    now = now or timezone.now()
    moved = 0
    with transaction.atomic():
        due = list(
            HelpRequest.objects.select_for_update(skip_locked=True)
            .filter(status__in=[HelpRequest.Status.WAITING, HelpRequest.Status.ALERTING], due_at__lte=now)
            .select_related("unit", "user")
            .order_by("due_at")[:limit]
        )
        for request in due:
            if request.status == HelpRequest.Status.WAITING:
                if not selectors.unit_is_open(unit=request.unit, at=now):
                    request.due_at = selectors.next_opening(unit=request.unit, after=now)
                    request.save(update_fields=["due_at"])
                    continue
                _route(request, now)
                if request.via == HelpRequest.Via.SMS:
                    help_answer_by_sms(request, ref="routed", now=now)
            else:
                _escalate(request, now)
            moved += 1
    return moved


# --- Answering ---------------------------------------------------------------------------------


def _visible(actor: User, request_id: int) -> HelpRequest:
    request = selectors.help_requests_visible_to(actor=actor).filter(pk=request_id).first()
    if request is None or actor.is_service_user:
        raise NotFound(_("Help request not found."))
    return request


def help_request_acknowledge(*, actor: User, request_id: int, now: datetime | None = None) -> HelpRequest:
    """Take the request. The first staff member wins; anyone later gets a Conflict naming
    who took it. Acknowledging stops the escalation."""
    now = now or timezone.now()
    request = _visible(actor, request_id)
    with transaction.atomic():
        # One conditional update decides the race between two people pressing at once.
        taken = HelpRequest.objects.filter(
            pk=request.pk, status__in=[HelpRequest.Status.WAITING, HelpRequest.Status.ALERTING]
        ).update(status=HelpRequest.Status.ACKNOWLEDGED, acknowledged_by=actor, acknowledged_at=now, due_at=None)
        request.refresh_from_db()
        if not taken:
            if request.acknowledged_by_id == actor.pk:
                return request
            who = request.acknowledged_by
            if request.status == HelpRequest.Status.RESOLVED:
                raise Conflict(_("This request is already resolved."), code="help_resolved")
            raise Conflict(
                _("%(name)s has already taken this request.") % {"name": who.get_full_name() if who else "?"},
                code="help_taken",
                taken_by=who.get_full_name() if who else None,
            )
        if request.via == HelpRequest.Via.SMS:
            help_answer_by_sms(request, ref="acknowledged", now=now)
        else:
            help_acknowledged_tell(request, actor, now)
    return request


def help_request_resolve(*, actor: User, request_id: int, note: str, now: datetime | None = None) -> HelpRequest:
    """Close the request with a short note of what was done. Resolving an unanswered
    request also records the actor as the one who answered it."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise Unprocessable(
            _("Write a short note of what was done."), fields={"note": [_("A short note is required.")]}
        )
    if len(note) > 500:
        raise Unprocessable(_("Keep the note under 500 characters."), fields={"note": [_("Too long.")]})
    request = _visible(actor, request_id)
    with transaction.atomic():
        request = HelpRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == HelpRequest.Status.RESOLVED:
            raise Conflict(_("This request is already resolved."), code="help_resolved")
        if request.acknowledged_by_id is None:
            request.acknowledged_by, request.acknowledged_at = actor, now
        request.status = HelpRequest.Status.RESOLVED
        request.resolved_by, request.resolved_at, request.resolution_note = actor, now, note
        request.due_at = None
        request.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "resolved_by",
                "resolved_at",
                "resolution_note",
                "due_at",
            ]
        )
    return request


def help_request_withdraw(*, user: User, request_id: int, now: datetime | None = None) -> HelpRequest:
    """The person no longer needs help (pressed by mistake, or it passed) before anyone has
    answered: the escalation stops, alerts not sent yet are dropped, and the request is closed
    with that note for the staff who were alerted. Once someone has answered, they follow up as
    they said; a Conflict says so."""
    now = now or timezone.now()
    with transaction.atomic():
        closed = HelpRequest.objects.filter(
            pk=request_id, user=user, status__in=[HelpRequest.Status.WAITING, HelpRequest.Status.ALERTING]
        ).update(
            status=HelpRequest.Status.RESOLVED,
            resolved_by=user,
            resolved_at=now,
            resolution_note=_("The person said they no longer need help."),
            due_at=None,
        )
        request = HelpRequest.objects.filter(pk=request_id, user=user).select_related("acknowledged_by").first()
        if request is None:
            raise NotFound(_("Help request not found."))
        if not closed:
            if request.status == HelpRequest.Status.ACKNOWLEDGED:
                raise Conflict(
                    _("%(name)s has already taken your request and will get in touch with you.")
                    % {"name": request.acknowledged_by.short_name if request.acknowledged_by else "?"},
                    code="help_taken",
                )
            raise Conflict(_("This request is already resolved."), code="help_resolved")
        reminders.notices_cancel(kind=MessageKind.HELP_ALERT, ref_prefix=f"{request.pk}:")
    return request


# --- The rota ----------------------------------------------------------------------------------


def _coordinator_unit(actor: User) -> Unit:
    if not actor.is_coordinator or actor.unit is None:
        raise NotFound(_("Only a coordinator can change the duty rota."))
    return actor.unit


def _unit_staff(unit: Unit, person_id: int | None, field: str) -> User:
    person = selectors.staff_of_unit(unit_id=unit.pk).filter(pk=person_id).first()
    if person is None:
        raise Unprocessable(_("Choose someone on the staff of your unit."), fields={field: [_("Not in your unit.")]})
    return person


@transaction.atomic
def help_settings_save(
    *,
    actor: User,
    leader_id: int | None,
    ack_minutes: int,
    crisis_line_name: str = "",
    crisis_line_number: str = "",
) -> HelpSettings:
    unit = _coordinator_unit(actor)
    if not 1 <= ack_minutes <= 120:
        raise Unprocessable(_("Give between 1 and 120 minutes."), fields={"ack_minutes": [_("Between 1 and 120.")]})
    name, number = crisis_line_name.strip(), crisis_line_number.strip()
    if bool(name) != bool(number):
        raise Unprocessable(
            _("Give both the name and the number of the crisis line, or neither."),
            fields={"crisis_line_number" if name else "crisis_line_name": [_("Needed with the other.")]},
        )
    leader = _unit_staff(unit, leader_id, "leader") if leader_id else None
    settings, _created = HelpSettings.objects.update_or_create(
        unit=unit,
        defaults={
            "leader": leader,
            "ack_minutes": ack_minutes,
            "crisis_line_name": name,
            "crisis_line_number": number,
        },
    )
    return settings


def duty_shift_add(*, actor: User, weekday: int, start: time, end: time, staff_id: int, position: int = 1) -> DutyShift:
    unit = _coordinator_unit(actor)
    if not 0 <= weekday <= 6:
        raise Unprocessable(_("Choose a weekday."), fields={"weekday": [_("Choose a weekday.")]})
    if end <= start:
        raise Unprocessable(_("The shift must end after it starts."), fields={"end": [_("Must be after the start.")]})
    if position < 1:
        raise Unprocessable(_("The order starts at 1."), fields={"position": [_("1 or more.")]})
    staff = _unit_staff(unit, staff_id, "staff")
    try:
        with transaction.atomic():
            return DutyShift.objects.create(
                unit=unit, weekday=weekday, start=start, end=end, staff=staff, position=position
            )
    except IntegrityError as exc:
        raise Conflict(_("This person already has a shift starting then.")) from exc


def duty_shift_delete(*, actor: User, shift_id: int) -> None:
    unit = _coordinator_unit(actor)
    deleted, _rows = DutyShift.objects.filter(pk=shift_id, unit=unit).delete()
    if not deleted:
        raise NotFound(_("Shift not found."))


# Covers are entered a few weeks ahead at most, and never for long: a longer absence is a
# change of the weekly rota.
COVER_MAX_DAYS = 92


@transaction.atomic
def duty_cover_add(
    *, actor: User, absent_id: int, cover_id: int | None, first_day: date, last_day: date, today: date | None = None
) -> DutyCover:
    """Someone on the rota is away from ``first_day`` to ``last_day`` (inclusive); their
    shifts go to ``cover_id``, or to nobody. Refused when it overlaps a cover already
    entered for the same person: remove that one first."""
    unit = _coordinator_unit(actor)
    today = today or timezone.now().astimezone(ZoneInfo(unit.timezone)).date()
    if last_day < first_day:
        raise Unprocessable(
            _("The last day must be on or after the first."), fields={"last_day": [_("Before the first day.")]}
        )
    if last_day < today:
        raise Unprocessable(_("This cover has already ended."), fields={"last_day": [_("In the past.")]})
    if (last_day - first_day).days + 1 > COVER_MAX_DAYS:
        raise Unprocessable(
            _("A cover can be at most %(days)d days. Change the weekly rota for a longer absence.")
            % {"days": COVER_MAX_DAYS},
            fields={"last_day": [_("Too long.")]},
        )
    absent = _unit_staff(unit, absent_id, "absent")
    cover = _unit_staff(unit, cover_id, "cover") if cover_id else None
    if cover is not None and cover.pk == absent.pk:
        raise Unprocessable(_("Choose someone else to cover."), fields={"cover": [_("The same person.")]})
    # One coordinator at a time per unit, so two overlapping covers cannot both pass the check.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    if DutyCover.objects.filter(unit=unit, absent=absent, first_day__lte=last_day, last_day__gte=first_day).exists():
        raise Conflict(
            _("%(name)s already has a cover on some of these days. Remove it first.") % {"name": absent.short_name}
        )
    return DutyCover.objects.create(
        unit=unit, absent=absent, cover=cover, first_day=first_day, last_day=last_day, created_by=actor
    )


def duty_cover_delete(*, actor: User, cover_id: int) -> None:
    unit = _coordinator_unit(actor)
    deleted, _rows = DutyCover.objects.filter(pk=cover_id, unit=unit).delete()
    if not deleted:
        raise NotFound(_("Cover not found."))
