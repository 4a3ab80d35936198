"""Services (writes) for peers."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Appointment
from booking.selectors import appointment_get
from care.models import PeerCheckIn, PeerInvitation, PeerRequest, Sharing
from care.selectors.peers import (
    LIVE_INVITATION,
    invitations_visible_to,
    not_invitable_because,
    peers_of_unit,
    peers_shared_with,
)
from config.errors import ApplicationError, Conflict, NotFound, Unprocessable
from people.models import User
from people.selectors import current_worker_of
from reminders import services as reminders
from reminders.models import FollowUpTask, MessageKind


@transaction.atomic
def sharing_set(
    *, user: User, peer: User, appointments: bool, plan: bool, now: datetime | None = None
) -> Sharing | None:
    """Record what ``user`` shares with ``peer`` from now on. Sharing nothing revokes it.

    Returns the new active row, or None when nothing is shared any more. An unchanged choice
    keeps the existing row, so the history shows only real changes.
    """
    now = now or timezone.now()
    if user.role != User.Role.SERVICE_USER:
        raise Unprocessable(_("Only a service user can share their follow-up with a peer."))
    if peer.role != User.Role.PEER or peer.unit_id != user.unit_id:
        raise Unprocessable(_("Choose a peer from your own unit."), fields={"peer": [_("Not a peer in your unit.")]})
    # The race: two quick presses both find no active row and both insert, and the second
    # breaks the one-active-row constraint (a 500). Locking the person's own row first makes
    # the second wait, then find the first one's row.
    User.objects.select_for_update().filter(pk=user.pk).first()
    current = Sharing.objects.select_for_update().filter(user=user, peer=peer, revoked_at__isnull=True).first()
    if current is not None and current.appointments == appointments and current.plan == plan:
        return current
    if current is not None:
        # A press that waited for the lock may carry a ``now`` from before the row it replaces
        # was granted; the change cannot be recorded as earlier than that.
        now = max(now, current.granted_at)
        current.revoked_at = now
        current.save(update_fields=["revoked_at"])
    if not (appointments or plan):
        return None
    return Sharing.objects.create(user=user, peer=peer, appointments=appointments, plan=plan, granted_at=now)


# --- "I'd like a peer" -----------------------------------------------------------------------


def peer_request_create(*, user: User, note: str = "", now: datetime | None = None) -> PeerRequest:
    """Ask the unit's peers for someone to talk to, and alert them (no name in the SMS).

    Raises ``Conflict`` when the person already has an open request: the database keeps one
    open request per person, so two quick presses make one request."""
    now = now or timezone.now()
    if not user.is_service_user:
        raise Unprocessable(_("Only a service user can ask for a peer."))
    if user.unit_id is None:
        raise Unprocessable(_("You are not registered with a unit yet. Call your social worker."))
    note = (note or "").strip()
    if len(note) > 200:
        raise ApplicationError(
            _("Keep the note short (200 characters at most)."), fields={"note": [_("200 characters at most.")]}
        )
    try:
        with transaction.atomic():
            request = PeerRequest.objects.create(user=user, note=note, created_at=now)
            for peer in peers_of_unit(unit_id=user.unit_id):
                reminders.peer_notice(
                    recipient=peer,
                    kind=MessageKind.PEER_POOL,
                    ref=f"request:{request.pk}",
                    context={"what": "request"},
                    now=now,
                )
    except IntegrityError as exc:
        # The partial unique index (one open request per person); SQLite names only the column.
        if PeerRequest.objects.filter(user=user, status=PeerRequest.Status.OPEN).exists():
            raise Conflict(
                _("You have already asked for a peer. We will tell you as soon as someone says yes."),
                code="peer_request_open",
            ) from exc
        raise
    return request


def peer_request_withdraw(*, user: User, request_id: int, now: datetime | None = None) -> PeerRequest:
    """The person no longer wants a peer. Only an open request can be withdrawn."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = PeerRequest.objects.filter(pk=request_id, user=user, status=PeerRequest.Status.OPEN).update(
            status=PeerRequest.Status.WITHDRAWN, withdrawn_at=now
        )
        if updated:
            reminders.peer_notices_cancel(kind=MessageKind.PEER_POOL, ref=f"request:{request_id}")
        request = PeerRequest.objects.filter(pk=request_id, user=user).first()
    if request is None:
        raise NotFound(_("Request not found."))
    if not updated and request.status != PeerRequest.Status.WITHDRAWN:
        raise Conflict(_("A peer has already said yes to this request."), code="peer_request_taken")
    return request


def peer_request_accept(*, peer: User, request_id: int, now: datetime | None = None) -> PeerRequest:
    """The first peer to accept an open request gets it; the person hears who by SMS.

    The race this closes: two peers press Accept at the same moment. The update below changes
    the row only while it is still open, and PostgreSQL re-checks that condition on the locked
    row after the first transaction commits, so exactly one update changes one row. The
    others get ``Conflict`` (409). A request outside the peer's unit is ``NotFound``."""
    now = now or timezone.now()
    if not peer.is_peer:
        raise NotFound(_("Request not found."))
    # Scope first (a plain read); the conditional update then uses only this row's own
    # columns, which the database re-evaluates after waiting for a competing update.
    # A request of the peer's own unit, whatever its state: a late accepter hears 409, not 404.
    request = PeerRequest.objects.filter(pk=request_id, user__unit_id=peer.unit_id).first() if peer.unit_id else None
    if request is None:
        raise NotFound(_("Request not found."))
    with transaction.atomic():
        won = PeerRequest.objects.filter(pk=request_id, status=PeerRequest.Status.OPEN).update(
            status=PeerRequest.Status.TAKEN, peer=peer, taken_at=now
        )
        if won != 1:
            current = PeerRequest.objects.filter(pk=request_id).values_list("status", "peer_id").first()
            if current == (PeerRequest.Status.TAKEN, peer.pk):
                return PeerRequest.objects.select_related("user", "peer").get(pk=request_id)
            if current and current[0] == PeerRequest.Status.WITHDRAWN:
                raise Conflict(_("The person has withdrawn this request."), code="peer_request_withdrawn")
            raise Conflict(
                _("Another peer has already said yes to this request. Nothing more to do."),
                code="peer_request_taken",
            )
        request = PeerRequest.objects.select_related("user", "peer").get(pk=request_id)
        reminders.peer_notices_cancel(kind=MessageKind.PEER_POOL, ref=f"request:{request.pk}")
        reminders.peer_notice(
            recipient=request.user,
            kind=MessageKind.PEER_ASSIGNED,
            ref=f"request:{request.pk}",
            # The peer's first name only: the person reads this on a phone others may see.
            context={"what": "request", "peer": peer.short_name},
            now=now,
        )
    return request


# --- Inviting a peer to a meeting ------------------------------------------------------------


def invitation_create(
    *, user: User, appointment_id: int, peer_id: int | None, now: datetime | None = None
) -> PeerInvitation:
    """Invite a peer to one of the person's coming meetings with their social worker.

    ``peer_id`` is a peer the person shares with, or None for "any peer" (the unit's pool).
    Inviting is consent for this meeting only. Raises ``NotFound`` for someone else's meeting,
    ``ApplicationError`` for a meeting that cannot take a guest, ``Conflict`` when a peer is
    already invited."""
    now = now or timezone.now()
    appointment = appointment_get(user=user, appointment_id=appointment_id) if user.is_service_user else None
    if appointment is None or appointment.client_id != user.pk:
        raise NotFound(_("Appointment not found."))
    reason = not_invitable_because(appointment=appointment, now=now)
    if reason:
        raise ApplicationError(reason, code="not_invitable")
    peer = None
    if peer_id is not None:
        peer = peers_shared_with(user=user).filter(pk=peer_id).first()
        if peer is None:
            raise ApplicationError(
                _("Choose a peer you share your meetings with, or any peer."),
                fields={"peer": [_("Not a peer you share your meetings with.")]},
            )
    try:
        with transaction.atomic():
            invitation = PeerInvitation.objects.create(appointment=appointment, peer=peer, created_at=now)
            recipients = [peer] if peer is not None else list(peers_of_unit(unit_id=user.unit_id))
            for recipient in recipients:
                reminders.peer_notice(
                    recipient=recipient,
                    kind=MessageKind.PEER_POOL,
                    ref=f"invitation:{invitation.pk}",
                    context={"what": "invitation"},
                    at=appointment.start,
                    now=now,
                )
    except IntegrityError as exc:
        if PeerInvitation.objects.filter(appointment=appointment, status__in=LIVE_INVITATION).exists():
            raise Conflict(_("A peer is already invited to this meeting."), code="peer_already_invited") from exc
        raise
    return invitation


def invitation_answer(*, peer: User, invitation_id: int, accept: bool, now: datetime | None = None) -> PeerInvitation:
    """A peer says yes or no. An "any peer" invitation goes to the first who says yes (the
    same conditional update as a request); a no to it simply leaves it for the others."""
    now = now or timezone.now()
    if not peer.is_peer:
        raise NotFound(_("Invitation not found."))
    invitation = invitations_visible_to(user=peer).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    if invitation.peer_id is None and not accept:
        raise ApplicationError(
            _("This invitation is open to every peer; leave it for someone else."), code="not_declinable"
        )
    status = PeerInvitation.Status.ACCEPTED if accept else PeerInvitation.Status.DECLINED
    with transaction.atomic():
        mine = Q(peer=peer) | Q(peer__isnull=True)
        won = PeerInvitation.objects.filter(mine, pk=invitation_id, status=PeerInvitation.Status.INVITED).update(
            status=status, peer=peer, answered_at=now
        )
        if won != 1:
            raise Conflict(_("This invitation has already been answered or withdrawn."), code="invitation_answered")
        invitation = invitations_visible_to(user=peer).get(pk=invitation_id)
        reminders.peer_notices_cancel(kind=MessageKind.PEER_POOL, ref=f"invitation:{invitation.pk}")
        if accept:
            reminders.peer_notice(
                recipient=invitation.appointment.client,
                kind=MessageKind.PEER_ASSIGNED,
                ref=f"invitation:{invitation.pk}",
                context={"what": "invitation", "peer": peer.short_name},
                at=invitation.appointment.start,
                now=now,
            )
    return invitation


def invitation_withdraw(*, user: User, invitation_id: int, now: datetime | None = None) -> PeerInvitation:
    """The person takes an invitation back; the peer no longer sees the meeting."""
    now = now or timezone.now()
    updated = PeerInvitation.objects.filter(
        pk=invitation_id,
        appointment__client=user,
        status__in=[PeerInvitation.Status.INVITED, PeerInvitation.Status.ACCEPTED],
    ).update(status=PeerInvitation.Status.WITHDRAWN, answered_at=now)
    if updated:
        reminders.peer_notices_cancel(kind=MessageKind.PEER_POOL, ref=f"invitation:{invitation_id}")
    invitation = PeerInvitation.objects.filter(pk=invitation_id, appointment__client=user).first()
    if invitation is None:
        raise NotFound(_("Invitation not found."))
    if not updated and invitation.status != PeerInvitation.Status.WITHDRAWN:
        raise Conflict(_("This invitation has already been answered."), code="invitation_answered")
    return invitation


def invitations_meeting_changed(*, appointment: Appointment, cancelled: bool, now: datetime) -> int:
    """The meeting a peer is invited to was moved or cancelled: the peer is told (never left
    waiting at the old time), a cancelled meeting's invitations end, and pool notices about
    the old time are dropped. Returns how many peers were told."""
    live = list(
        # Only the invitations are locked: the peer is an outer join (an "any peer" invitation).
        PeerInvitation.objects.select_for_update(of=("self",))
        .filter(appointment=appointment, status__in=LIVE_INVITATION)
        .select_related("peer")
    )
    told = 0
    for invitation in live:
        reminders.peer_notices_cancel(kind=MessageKind.PEER_POOL, ref=f"invitation:{invitation.pk}")
        if cancelled:
            invitation.status = PeerInvitation.Status.WITHDRAWN
            invitation.answered_at = invitation.answered_at or now
            invitation.save(update_fields=["status", "answered_at"])
        if invitation.peer is None:
            continue
        change = "cancelled" if cancelled else f"moved:{int(appointment.start.timestamp())}"
        told += bool(
            reminders.peer_notice(
                recipient=invitation.peer,
                kind=MessageKind.PEER_POOL,
                ref=f"invitation:{invitation.pk}:{change}",
                context={"what": "cancelled" if cancelled else "moved"},
                at=appointment.start,
                now=now,
            )
        )
    return told


# --- No-show outreach ------------------------------------------------------------------------


def no_show_outreach_open(*, appointment: Appointment) -> FollowUpTask | None:
    """A missed meeting is a reason to reach out, not a mark against the person: a task for the
    person's social worker (the one who follows them, else the calendar's owner). Idempotent."""
    worker = current_worker_of(client=appointment.client)
    if worker is None and appointment.calendar.owner.is_social_worker:
        worker = appointment.calendar.owner
    if worker is None:
        return None
    task, _created = FollowUpTask.objects.get_or_create(
        worker=worker, client=appointment.client, kind=FollowUpTask.Kind.NO_SHOW, appointment=appointment
    )
    return task


def no_show_outreach_withdraw(*, appointment: Appointment) -> int:
    """The no-show mark was taken back (the person came after all): the open follow-up task for
    it goes, so no one is called about a meeting they attended. A task already done (the worker
    called, a peer was asked) is history and stays. Returns how many were removed."""
    removed, _by_model = FollowUpTask.objects.filter(
        appointment=appointment, kind=FollowUpTask.Kind.NO_SHOW, done_at__isnull=True
    ).delete()
    return removed


def _outreach_task(*, worker: User, task_id: int) -> FollowUpTask:
    task = (
        FollowUpTask.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(pk=task_id, worker=worker, kind=FollowUpTask.Kind.NO_SHOW)
        .first()
    )
    if task is None:
        raise NotFound(_("Task not found."))
    return task


def no_show_called(*, worker: User, task_id: int, now: datetime | None = None) -> FollowUpTask:
    """ "I called": the worker reached out themselves; the task is done."""
    now = now or timezone.now()
    with transaction.atomic():
        task = _outreach_task(worker=worker, task_id=task_id)
        if task.done_at is None:
            task.done_at = now
            task.save(update_fields=["done_at"])
    return task


def no_show_check_in_ask(*, worker: User, task_id: int, peer_id: int, now: datetime | None = None) -> PeerCheckIn:
    """Ask a peer the person shares their meetings with to check in on them. The SMS says only
    "please check in with <first name>"; the ask is recorded and the task is done."""
    now = now or timezone.now()
    with transaction.atomic():
        task = _outreach_task(worker=worker, task_id=task_id)
        peer = peers_shared_with(user=task.client).filter(pk=peer_id).first()
        if peer is None:
            raise ApplicationError(
                _("This person does not share with that peer. Call them instead."),
                fields={"peer": [_("Not a peer this person shares with.")]},
            )
        if PeerCheckIn.objects.filter(task=task).exists():
            raise Conflict(_("A peer has already been asked to check in."), code="check_in_asked")
        check_in = PeerCheckIn.objects.create(task=task, peer=peer, asked_by=worker, asked_at=now)
        reminders.peer_notice(
            recipient=peer,
            kind=MessageKind.PEER_POOL,
            ref=f"check_in:{task.pk}",
            context={"what": "check_in", "client": task.client.short_name},
            now=now,
        )
        if task.done_at is None:
            task.done_at = now
            task.save(update_fields=["done_at"])
    return check_in
