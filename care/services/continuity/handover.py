"""Handover: a coordinator moves one person, or a worker's whole caseload, to another worker in
one step and one transaction, and records what happened to each meeting, task and alert.
Meetings are moved and cancelled through booking (``booking.services``), which locks the
calendars and checks that the new worker is free."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import services as booking
from booking.availability import Interval
from booking.models import Appointment, Calendar, MeetingType
from booking.slots import fits_at
from care.models import Handover, HandoverAppointment, HandoverClient
from care.selectors.continuity import reoffers_open_for
from config.errors import NotFound, Unprocessable
from people.models import User
from people.selectors import clients_of
from people.services import caseload_assign
from reminders import services as reminders
from reminders.models import FollowUpTask, ReminderPreferences


@dataclass
class PlannedMove:
    """What a handover does (or would do) with one future meeting."""

    appointment: Appointment
    outcome: str  # HandoverAppointment.Outcome
    to_meeting_type: MeetingType | None = None


@dataclass
class HandoverPlan:
    from_worker: User
    to_worker: User
    clients: list[User]
    whole_caseload: bool
    moves: list[PlannedMove] = field(default_factory=list)
    tasks: int = 0
    alerts: int = 0

    @property
    def moved(self) -> list[PlannedMove]:
        return [m for m in self.moves if m.outcome == HandoverAppointment.Outcome.MOVED]

    @property
    def reoffered(self) -> list[PlannedMove]:
        return [m for m in self.moves if m.outcome == HandoverAppointment.Outcome.REOFFERED]


def _resolve(
    *, actor: User, from_worker_id: int, to_worker_id: int, client_id: int | None, meeting_type_id: int | None
) -> tuple[User, User, list[User], MeetingType | None]:
    """Check who may hand over what to whom. Raises NotFound for anything outside the
    coordinator's unit (and for anyone who is not a coordinator), Unprocessable for a bad choice."""
    if not actor.is_coordinator or actor.unit_id is None:
        raise NotFound(_("Not found."))
    from_worker = User.objects.filter(pk=from_worker_id, role=User.Role.SOCIAL_WORKER, unit_id=actor.unit_id).first()
    if from_worker is None:
        raise NotFound(_("That social worker is not in your unit."))
    to_worker = User.objects.filter(pk=to_worker_id).first()
    invalid_to = _("Choose an active social worker in your unit.")
    if (
        to_worker is None
        or to_worker.unit_id != actor.unit_id
        or not to_worker.is_social_worker
        or not to_worker.is_active
    ):
        raise Unprocessable(invalid_to, code="invalid_worker", fields={"to_worker": [invalid_to]})
    if to_worker.pk == from_worker.pk:
        same = _("Choose another worker than the one handing over.")
        raise Unprocessable(same, code="same_worker", fields={"to_worker": [same]})
    clients = clients_of(worker=from_worker).order_by("first_name", "last_name", "id")
    if client_id is not None:
        clients = clients.filter(pk=client_id)
        if not clients.exists():
            missing = _("This person is not in the caseload of the worker handing over.")
            raise Unprocessable(missing, code="invalid_user", fields={"user": [missing]})
    clients = list(clients)
    if not clients:
        nobody = _("There is nobody in this caseload to hand over.")
        raise Unprocessable(nobody, code="empty_caseload", fields={"from_worker": [nobody]})
    chosen = None
    if meeting_type_id is not None:
        chosen = MeetingType.objects.filter(pk=meeting_type_id, calendar__owner=to_worker, is_active=True).first()
        if chosen is None:
            bad = _("Choose one of the new worker's meeting types.")
            raise Unprocessable(bad, code="invalid_meeting_type", fields={"meeting_type": [bad]})
    return from_worker, to_worker, clients, chosen


def _equivalent(types: list[MeetingType], original: MeetingType, chosen: MeetingType | None) -> MeetingType | None:
    """The new worker's meeting type for a meeting: same mode and length (same name preferred),
    else the one the coordinator chose, else none."""
    same = [t for t in types if t.mode == original.mode and t.duration_minutes == original.duration_minutes]
    same.sort(key=lambda t: (t.name != original.name, t.pk))
    if same:
        return same[0]
    return chosen


def _plan(
    *,
    from_worker: User,
    to_worker: User,
    clients: list[User],
    whole_caseload: bool,
    chosen: MeetingType | None,
    now: datetime,
    for_update: bool = False,
) -> HandoverPlan:
    plan = HandoverPlan(from_worker=from_worker, to_worker=to_worker, clients=clients, whole_caseload=whole_caseload)
    client_ids = [c.pk for c in clients]
    # A responsibility-group meeting is left to its own page: its parts change only together.
    appointments = Appointment.objects.filter(
        calendar__owner=from_worker,
        client_id__in=client_ids,
        status=Appointment.Status.BOOKED,
        start__gt=now,
        joint__isnull=True,
    ).order_by("start", "id")
    if for_update:
        appointments = appointments.select_for_update(of=("self",))
    appointments = list(appointments.select_related("meeting_type", "client", "calendar__owner"))
    to_calendar = Calendar.objects.select_related("owner").filter(owner=to_worker).first()
    types = list(to_calendar.meeting_types.filter(is_active=True)) if to_calendar else []
    # The meetings this handover has already placed in the new calendar count as busy: the
    # preview has not written them.
    pending: list[Interval] = []
    for appointment in appointments:
        target = _equivalent(types, appointment.meeting_type, chosen) if to_calendar else None
        if target is not None and fits_at(
            calendar=to_calendar, meeting_type=target, start=appointment.start, now=now, extra_busy=pending
        ):
            end = appointment.start + target.duration
            pending.append(Interval(appointment.start - target.buffer_before, end + target.buffer_after))
            plan.moves.append(PlannedMove(appointment, HandoverAppointment.Outcome.MOVED, target))
        else:
            plan.moves.append(PlannedMove(appointment, HandoverAppointment.Outcome.REOFFERED, None))
    plan.tasks = FollowUpTask.objects.filter(worker=from_worker, client_id__in=client_ids, done_at__isnull=True).count()
    return plan


def handover_preview(
    *,
    actor: User,
    from_worker_id: int,
    to_worker_id: int,
    client_id: int | None = None,
    meeting_type_id: int | None = None,
    now: datetime | None = None,
) -> HandoverPlan:
    """What a handover would do now, without doing it. Raises like ``handover_run``."""
    now = now or timezone.now()
    from_worker, to_worker, clients, chosen = _resolve(
        actor=actor,
        from_worker_id=from_worker_id,
        to_worker_id=to_worker_id,
        client_id=client_id,
        meeting_type_id=meeting_type_id,
    )
    return _plan(
        from_worker=from_worker,
        to_worker=to_worker,
        clients=clients,
        whole_caseload=client_id is None,
        chosen=chosen,
        now=now,
    )


def handover_run(
    *,
    actor: User,
    from_worker_id: int,
    to_worker_id: int,
    client_id: int | None = None,
    meeting_type_id: int | None = None,
    now: datetime | None = None,
) -> Handover:
    """Hand one service user, or the whole caseload of a worker, to another worker in one step.

    In one transaction: the caseload moves (history kept); each future meeting on the old
    worker's calendar moves to the new worker's calendar at the same time if it is free there
    with an equivalent meeting type, else it is cancelled and re-offered (the person is told
    and asked to pick a new time); reminders follow; open follow-up tasks, pending alerts and
    medication follow-up go to the new worker; each person gets one introduction message.
    Raises NotFound unless ``actor`` coordinates the unit of the worker handing over, and
    Unprocessable for a new worker who is not an active social worker of that unit.
    """
    now = now or timezone.now()
    from_worker, to_worker, clients, chosen = _resolve(
        actor=actor,
        from_worker_id=from_worker_id,
        to_worker_id=to_worker_id,
        client_id=client_id,
        meeting_type_id=meeting_type_id,
    )
    with transaction.atomic():
        return _hand_over(
            actor=actor,
            from_worker=from_worker,
            to_worker=to_worker,
            clients=clients,
            chosen=chosen,
            whole_caseload=client_id is None,
            now=now,
        )


def _hand_over(
    *,
    actor: User,
    from_worker: User,
    to_worker: User,
    clients: list[User],
    chosen: MeetingType | None,
    whole_caseload: bool,
    now: datetime,
) -> Handover:
    """``handover_run`` inside its transaction."""
    # The race: someone books on either calendar between our availability check and the
    # move, or a second handover moves the same meetings. Both calendars are locked (in id
    # order, so two handovers in opposite directions cannot deadlock); booking takes the
    # same calendar locks, so the check below and the writes are one step.
    booking.calendars_lock(
        *Calendar.objects.filter(owner_id__in=[from_worker.pk, to_worker.pk]).values_list("pk", flat=True)
    )
    # Re-read the caseload under the lock: only people the old worker still follows move.
    still = set(clients_of(worker=from_worker).filter(pk__in=[c.pk for c in clients]).values_list("pk", flat=True))
    clients = [c for c in clients if c.pk in still]
    if not clients:
        raise Unprocessable(_("There is nobody in this caseload to hand over."), code="empty_caseload")
    plan = _plan(
        from_worker=from_worker,
        to_worker=to_worker,
        clients=clients,
        whole_caseload=whole_caseload,
        chosen=chosen,
        now=now,
        for_update=True,
    )
    handover = Handover.objects.create(
        unit_id=actor.unit_id,
        by=actor,
        from_worker=from_worker,
        to_worker=to_worker,
        whole_caseload=whole_caseload,
        at=now,
    )
    to_calendar = Calendar.objects.select_related("owner").filter(owner=to_worker).first()
    for move in plan.moves:
        _apply_move(handover=handover, move=move, actor=actor, to_calendar=to_calendar, now=now)
    for client in clients:
        _move_client(handover=handover, client=client, plan=plan, now=now)
    return handover


def _apply_move(
    *, handover: Handover, move: PlannedMove, actor: User, to_calendar: Calendar | None, now: datetime
) -> None:
    appointment = move.appointment
    original_type, start = appointment.meeting_type, appointment.start
    new_name = handover.to_worker.get_full_name() or handover.to_worker.username
    if move.outcome == HandoverAppointment.Outcome.MOVED:
        # Same time, the new worker's calendar; the person's reminders are renewed to name them.
        booking.appointment_reassign(
            actor=actor,
            appointment=appointment,
            calendar=to_calendar,
            meeting_type=move.to_meeting_type,
            note=_("Handed over to %(name)s, same time.") % {"name": new_name},
            now=now,
        )
    else:
        # Cancelled, and the person is told and asked to book a new time.
        booking.appointment_cancel(
            actor=actor,
            appointment_id=appointment.pk,
            reason=_("New worker: pick a new time with %(name)s.") % {"name": new_name},
            note=_("Re-offered after handover to %(name)s.") % {"name": new_name},
            now=now,
        )
    HandoverAppointment.objects.create(
        handover=handover,
        appointment=appointment,
        client_id=appointment.client_id,
        outcome=move.outcome,
        start=start,
        from_meeting_type=original_type,
        to_meeting_type=move.to_meeting_type,
    )


def _move_client(*, handover: Handover, client: User, plan: HandoverPlan, now: datetime) -> None:
    from_worker, to_worker = handover.from_worker, handover.to_worker
    caseload_assign(worker=to_worker, client=client, at=now)
    tasks = FollowUpTask.objects.filter(worker=from_worker, client=client, done_at__isnull=True).update(
        worker=to_worker
    )
    alerts = reminders.staff_alerts_move(
        client=client, from_staff=from_worker, to_staff=to_worker, ref=f"handover:{handover.pk}", now=now
    )
    # Medication follow-up that alerted the old worker alerts the new one from now on; a
    # supporter the person chose themselves (a peer, family) stays.
    medication = ReminderPreferences.objects.filter(user=client, followup_supporter=from_worker).update(
        followup_supporter=to_worker
    )
    HandoverClient.objects.create(
        handover=handover,
        client=client,
        tasks_moved=tasks,
        alerts_moved=alerts,
        medication_followup_moved=bool(medication),
    )
    mine = [m for m in plan.moves if m.appointment.client_id == client.pk]
    reminders.handover_introduce(
        client=client,
        worker=to_worker,
        ref=str(handover.pk),
        moved=sum(1 for m in mine if m.outcome == HandoverAppointment.Outcome.MOVED),
        reoffered=sum(1 for m in mine if m.outcome == HandoverAppointment.Outcome.REOFFERED),
        now=now,
    )


def reoffer_dismiss(*, client: User, reoffer_id: int, now: datetime | None = None) -> None:
    """The person has sorted out a new time another way: stop showing the re-offered meeting."""
    now = now or timezone.now()
    reoffer = reoffers_open_for(client=client, now=now).filter(pk=reoffer_id).first()
    if reoffer is None:
        raise NotFound(_("Not found."))
    HandoverAppointment.objects.filter(pk=reoffer.pk).update(resolved_at=now)
