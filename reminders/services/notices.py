"""Messages to a person, written to the outbox in their channels and outside their quiet hours:
the shape every reminder and notice takes (``Planned``), and the one-off notices other apps
ask for (alerts to staff, peers, help, the waiting list, group meetings, a new worker).

Each message is a row of ``messaging.models.Delivery`` written in the same transaction as its
cause, with a dedupe key, so asking twice sends once.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from booking.models import Appointment
from messaging.models import Channel, Delivery
from messaging.outbox import deliveries_cancel, deliveries_create
from people.models import User
from people.selectors import current_worker_of
from reminders.models import FollowUpTask, MessageKind, ReminderPlan, ReminderPreferences
from reminders.quiet import holds
from reminders.schedule import apply_quiet_hours
from reminders.services.preferences import preferences_read

# How long after the moment it is about a reminder is still worth sending.
USEFUL_FOR = {
    MessageKind.MEDICATION: timedelta(hours=2),
    MessageKind.MONEY: timedelta(hours=12),
    MessageKind.ROUTINE: timedelta(hours=1),
    MessageKind.SUMMARY: timedelta(hours=3),
    MessageKind.REPLY: timedelta(hours=1),
    MessageKind.STAFF_ALERT: timedelta(hours=24),
}


def tz_of(user: User) -> ZoneInfo:
    return ZoneInfo(user.timezone)


@dataclass(frozen=True)
class Planned:
    """A message to write: the values that differ between causes."""

    recipient: User
    kind: str
    channel: str
    occurrence_at: datetime
    due_at: datetime
    expires_at: datetime
    dedupe_key: str
    context: dict[str, Any]
    plan: ReminderPlan | None = None
    appointment: Appointment | None = None
    # The recipient holds a duty shift or cover now: an urgent help alert wakes them.
    on_duty: bool = False


def _fit_quiet_hours(item: Planned, prefs: ReminderPreferences, now: datetime) -> Planned | None:
    # Which kinds wait for the morning is decided once per kind (reminders.quiet).
    if not holds(item.kind, on_duty=item.on_duty):
        return item
    due = apply_quiet_hours(
        due=item.due_at,
        expires=item.expires_at,
        now=now,
        tz=tz_of(item.recipient),
        quiet_start=prefs.quiet_start,
        quiet_end=prefs.quiet_end,
    )
    if due is None:
        return None
    return Planned(**{**item.__dict__, "due_at": due})


def _about(item: Planned) -> tuple[str, int | None]:
    if item.appointment is not None:
        return "appointment", item.appointment.pk
    if item.plan is not None:
        return "plan", item.plan.pk
    return "", None


def planned_write(items: Iterable[Planned], now: datetime) -> int:
    """Write the planned messages to the outbox, each moved out of its recipient's quiet
    hours, skipping any that would be too late to be useful. Idempotent by dedupe key.

    Returns how many rows were offered to the insert; rows already there are skipped by the
    database and still counted."""
    rows = []
    for item in items:
        fitted = _fit_quiet_hours(item, preferences_read(item.recipient), now)
        if fitted is None or fitted.expires_at <= now:
            continue
        about, about_id = _about(fitted)
        rows.append(
            Delivery(
                recipient=fitted.recipient,
                kind=fitted.kind,
                channel=fitted.channel,
                about=about,
                about_id=about_id,
                occurrence_at=fitted.occurrence_at,
                due_at=max(fitted.due_at, now),
                # Kept so a change of quiet hours can move the message back (quiet_hours_change).
                wanted_at=item.due_at,
                expires_at=fitted.expires_at,
                dedupe_key=fitted.dedupe_key,
                context=fitted.context,
            )
        )
    return deliveries_create(rows, now=now)


def channels_for(user: User, wanted: Iterable[str]) -> list[str]:
    return [c for c in wanted if c in Channel.values] or [Channel.SMS]


def one_off(
    *,
    recipient: User,
    kind: str,
    key: str,
    context: dict[str, Any],
    at: datetime,
    now: datetime,
    expires_at: datetime,
    channels: Iterable[str] | None = None,
    due_at: datetime | None = None,
) -> int:
    """One message to one person, over ``channels`` (default: the channels they chose for
    meetings), due now unless ``due_at`` says otherwise. ``key`` makes it once per channel:
    the same key never sends twice."""
    if channels is None:
        channels = preferences_read(recipient).appointment_channels
    return planned_write(
        [
            Planned(
                recipient=recipient,
                kind=kind,
                channel=channel,
                occurrence_at=at,
                due_at=due_at or now,
                expires_at=expires_at,
                dedupe_key=f"{key}:{channel}",
                context=context,
            )
            for channel in channels_for(recipient, channels)
        ],
        now,
    )


def _cancel_by_key(*, kind: str, key_prefix: str) -> int:
    pending = Delivery.objects.filter(kind=kind, dedupe_key__startswith=key_prefix)
    return deliveries_cancel(pending, "no longer needed")


# --- Staff alerts and tasks -------------------------------------------------------------------


def staff_alert(*, staff: User, task: str, client: User, ref: str, at: datetime, now: datetime) -> int:
    return one_off(
        recipient=staff,
        kind=MessageKind.STAFF_ALERT,
        key=f"staff:{task}:{ref}",
        # Initials only: a staff phone can be seen by others. The id (never shown) lets a
        # handover find the alerts about this person.
        context={"task": task, "client": client.initials, "client_id": client.pk},
        at=at,
        now=now,
        expires_at=now + USEFUL_FOR[MessageKind.STAFF_ALERT],
    )


def follow_up_task_create(*, client: User, kind: str, ref: str, at: datetime, now: datetime) -> FollowUpTask | None:
    """A task for the client's current worker, with an alert to them. None if nobody follows the client."""
    worker = current_worker_of(client=client)
    if worker is None:
        return None
    task = FollowUpTask.objects.create(worker=worker, client=client, kind=kind)
    staff_alert(staff=worker, task=kind, client=client, ref=ref, at=at, now=now)
    return task


def calendar_clash_task_open(*, appointment: Appointment, worker: User, now: datetime) -> FollowUpTask:
    """A task for ``worker``: something in their own calendar now lands on this meeting. One
    open task per meeting, however often the clash is seen; an alert with the first."""
    task = FollowUpTask.objects.filter(
        worker=worker, appointment=appointment, kind=FollowUpTask.Kind.CALENDAR_CLASH, done_at__isnull=True
    ).first()
    if task is not None:
        return task
    task = FollowUpTask.objects.create(
        worker=worker, client=appointment.client, kind=FollowUpTask.Kind.CALENDAR_CLASH, appointment=appointment
    )
    staff_alert(
        staff=worker,
        task=FollowUpTask.Kind.CALENDAR_CLASH,
        client=appointment.client,
        ref=f"{appointment.pk}:{int(appointment.start.timestamp())}",
        at=appointment.start,
        now=now,
    )
    return task


def call_back_task_open(*, worker: User, appointment: Appointment, note: str = "") -> FollowUpTask:
    """ "Call them back": a task for ``worker`` about the person of ``appointment`` (a worker
    taking a message at the desk). One open call-back per person and meeting; a second press
    only adds its note."""
    task, created = FollowUpTask.objects.get_or_create(
        worker=worker,
        client=appointment.client,
        kind=FollowUpTask.Kind.CALL_BACK,
        appointment=appointment,
        done_at=None,
        defaults={"note": note[:500]},
    )
    if not created and note and note not in task.note:
        task.note = f"{task.note} · {note}"[:500] if task.note else note[:500]
        task.save(update_fields=["note"])
    return task


def calendar_failing_alert(*, worker: User, source_id: int, since: datetime, now: datetime) -> int:
    """Tell ``worker`` once that a calendar they connected has not been read since ``since``."""
    return one_off(
        recipient=worker,
        kind=MessageKind.STAFF_ALERT,
        key=f"staff:calendar_failing:{source_id}:{int(since.timestamp())}",
        context={"task": "calendar_failing", "client": ""},
        at=since,
        now=now,
        expires_at=now + USEFUL_FOR[MessageKind.STAFF_ALERT],
    )


def staff_alerts_move(*, client: User, from_staff: User, to_staff: User, ref: str, now: datetime | None = None) -> int:
    """Pending alerts about ``client`` to ``from_staff`` go to ``to_staff`` instead. Returns how
    many alerts (not rows per channel) moved."""
    now = now or timezone.now()
    pending = Delivery.objects.select_for_update().filter(
        recipient=from_staff,
        kind=MessageKind.STAFF_ALERT,
        status=Delivery.Status.SCHEDULED,
        context__client_id=client.pk,
    )
    alerts = {(row.context.get("task", ""), row.occurrence_at) for row in pending}
    deliveries_cancel(pending, "handed over to another worker")
    for task, at in alerts:
        staff_alert(staff=to_staff, task=task, client=client, ref=f"{ref}:{int(at.timestamp())}", at=at, now=now)
    return len(alerts)


def reply_to(
    *, user: User, ref: str, reply: str, context: dict[str, Any], now: datetime, force_sms: bool = False
) -> int:
    """The answer to a person's own SMS, by SMS, at once."""
    return planned_write(
        [
            Planned(
                recipient=user,
                kind=MessageKind.REPLY,
                channel=Channel.SMS,
                occurrence_at=context.pop("at", now),
                due_at=now,
                expires_at=now + USEFUL_FOR[MessageKind.REPLY],
                dedupe_key=f"reply:{ref}",
                context={**context, "reply": reply, "force_sms": force_sms},
            )
        ],
        now,
    )


# --- Notices other apps ask for ------------------------------------------------------------------


def peer_notice(
    *,
    recipient: User,
    kind: str,
    ref: str,
    context: dict[str, Any],
    now: datetime,
    at: datetime | None = None,
    useful_for: timedelta | None = None,
) -> int:
    """Send one person a one-off peer notice (``peer_pool`` or ``peer_assigned``) on their channels.

    ``ref`` makes it idempotent: the same ref never sends twice. ``context`` goes to the message
    template as it is, so it must hold only what the recipient may read (no names beyond what
    the person chose to share). ``at`` is the moment the message speaks of (a meeting's start)."""
    return one_off(
        recipient=recipient,
        kind=kind,
        key=f"peer:{kind}:{ref}:{recipient.pk}",
        context=context,
        at=at or now,
        now=now,
        expires_at=now + (useful_for or timedelta(hours=24)),
    )


def peer_notices_cancel(*, kind: str, ref: str) -> int:
    """Cancel notices of ``ref`` not sent yet (a pool alert waiting for the morning once
    another peer has said yes, or the person has withdrawn)."""
    return _cancel_by_key(kind=kind, key_prefix=f"peer:{kind}:{ref}:")


def notice_now(
    *,
    recipient: User,
    kind: str,
    ref: str,
    context: dict[str, Any],
    at: datetime,
    now: datetime,
    useful_for: timedelta = timedelta(hours=1),
    force_sms: bool = False,
    on_duty: bool = False,
    channels: Iterable[str] = (Channel.SMS,),
) -> int:
    """One message to one person per channel (an SMS unless ``channels`` says otherwise), due
    now, about the moment ``at``; sent once per ``ref`` and channel. In the person's quiet
    hours it waits for their end, as its kind says (``reminders.quiet``); ``on_duty`` lets an
    urgent help alert wake someone on a duty shift or cover."""
    return planned_write(
        [
            Planned(
                recipient=recipient,
                kind=kind,
                channel=channel,
                occurrence_at=at,
                due_at=now,
                expires_at=now + useful_for,
                # The SMS keeps the key it always had, so a notice written before is still once.
                dedupe_key=f"{kind}:{ref}" if channel == Channel.SMS else f"{kind}:{ref}:{channel}",
                # Kept with the row: a fallback after a failure is as urgent as the first try.
                context={**context, "force_sms": force_sms, **({"on_duty": True} if on_duty else {})},
                on_duty=on_duty,
            )
            for channel in channels_for(recipient, channels)
        ],
        now,
    )


def notices_cancel(*, kind: str, ref_prefix: str) -> int:
    """Cancel ``notice_now`` messages of ``kind`` whose ref starts with ``ref_prefix`` and that
    are not sent yet (the reason for them went away)."""
    return _cancel_by_key(kind=kind, key_prefix=f"{kind}:{ref_prefix}")


def group_meeting_notice(*, staff: User, client: User, ref: str, event: str, at: datetime, now: datetime) -> int:
    """Tell a member of staff that a group meeting was put in (``booked``) or taken out of
    (``cancelled``) their calendar by someone else. The client is named by initials only. It
    waits for the end of their quiet hours, and is dropped if the meeting is over by then."""
    return one_off(
        recipient=staff,
        kind=MessageKind.GROUP_MEETING,
        key=f"group:{ref}:{staff.pk}:{event}",
        context={"client": client.initials, "event": event},
        at=at,
        now=now,
        expires_at=max(at, now + timedelta(hours=1)),
    )


def handover_introduce(
    *, client: User, worker: User, ref: str, moved: int, reoffered: int, now: datetime | None = None
) -> int:
    """One message introducing the new worker (first name only), over the person's channels,
    outside their quiet hours. ``ref`` makes it once per handover and person."""
    now = now or timezone.now()
    # Held out of the person's quiet hours like every notice of its kind (reminders.quiet).
    return one_off(
        recipient=client,
        kind=MessageKind.HANDOVER,
        key=f"handover:{ref}:{client.pk}",
        context={"worker": worker.short_name, "moved": moved, "reoffered": reoffered},
        at=now,
        now=now,
        expires_at=now + timedelta(days=3),
    )
