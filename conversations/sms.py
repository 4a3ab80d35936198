"""SMS about conversations, for people who do not look at the web: one discreet SMS when a
message has waited unread for the delay the person chose (``conversation_notice_minutes``,
default 10 minutes).

- Who is told: the person, the peer of a peer thread, and the staff responsible for the
  thread: the person's current worker (a worker thread, and a group thread, whose group the
  worker manages). Other group members and peers in a group read it on the web.
- Once: the notice's key holds the recipient's read mark, so while they have not read the
  thread (or answered in it) a second message writes no second notice. Reading or answering
  moves the mark: the next message may be told again.
- When: written with the message, in the same transaction, due ``delay`` after it; moved out
  of the recipient's quiet hours (``MessageKind.CONVERSATION`` holds). Staff with working
  hours in their calendar get it at the next moment they work (not on time off); staff with
  no working hours, at the end of their quiet hours only.
- Still wanted: reading the thread cancels a waiting notice, and at send time
  ``ConversationNotices`` drops one whose thread was read or whose recipient no longer takes
  part in it (a handover, a revoked consent).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.models import CalendarOverride, WorkingHours
from conversations.models import Message, ReadState, Thread
from conversations.selectors import participants
from messaging.channels import PermanentError
from messaging.kinds import Ready, Skip
from messaging.models import Channel, Delivery
from messaging.outbox import deliveries_cancel
from people.models import User
from people.selectors import is_in_caseload
from reminders import services as reminders
from reminders.models import MessageKind
from reminders.sending import PersonNotices

KIND = MessageKind.CONVERSATION
# A notice still worth sending this long after it was due (a long weekend, quiet hours).
USEFUL_FOR = timedelta(days=3)
# How far ahead working hours are searched (time off longer than this: sent then anyway).
SEARCH_DAYS = 45


def told(thread: Thread) -> list[User]:
    """Who gets SMS notices about ``thread``: the person, the peer, and responsible staff."""

    def responsible(user: User) -> bool:
        return user.is_social_worker and is_in_caseload(worker=user, client=thread.client)

    sides = {thread.client_id, thread.peer_id if thread.kind == Thread.Kind.PEER else None}
    return [user for user in participants(thread) if user.pk in sides or responsible(user)]


def _read_mark(thread: Thread, user: User) -> int:
    mark = ReadState.objects.filter(thread=thread, user=user).values_list("last_read_id", flat=True).first()
    return mark or 0


def _ref(thread_id: int, user_id: int) -> str:
    return f"{thread_id}:{user_id}:"


def _time_off_end(worker: User, moment: datetime) -> datetime | None:
    return (
        CalendarOverride.objects.filter(
            calendar__owner=worker, kind=CalendarOverride.Kind.TIME_OFF, start__lte=moment, end__gt=moment
        )
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )


def working_from(worker: User, moment: datetime) -> datetime:
    """The first moment from ``moment`` on when ``worker`` works (their calendar's working
    hours, not on time off). ``moment`` itself for someone with no working hours."""
    hours: dict[int, list[tuple]] = {}
    for row in WorkingHours.objects.filter(calendar__owner=worker).order_by("start"):
        hours.setdefault(row.weekday, []).append((row.start, row.end))
    if not hours:
        return moment
    tz = ZoneInfo(worker.timezone)
    for _attempt in range(10):
        start = _next_span_start(hours, moment.astimezone(tz), tz)
        if start is None:
            return moment
        off_until = _time_off_end(worker, start)
        if off_until is None:
            return start
        moment = off_until
    return moment


def _next_span_start(hours: dict[int, list[tuple]], local: datetime, tz: ZoneInfo) -> datetime | None:
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        for start, end in hours.get(day.weekday(), []):
            begins = datetime.combine(day, start, tzinfo=tz)
            if datetime.combine(day, end, tzinfo=tz) > local:
                return max(begins, local)
    return None


def _author_name(author: User) -> str:
    # Staff and peers are named by first name (as they sign); a person by initials only, as in
    # every alert to staff: a phone can be seen by others.
    return author.initials if author.is_service_user else (author.first_name or "")


def message_posted(message: Message, *, now: datetime) -> int:
    """Plan the notices about ``message`` (call in the transaction that posted it); the
    author's own waiting notice about the thread goes, as answering is reading. Returns how
    many notices were written."""
    thread = message.thread
    author = message.author
    _cancel(thread, author)
    written = 0
    for user in told(thread):
        if user.pk == author.pk:
            continue
        delay = timedelta(minutes=reminders.preferences_read(user).conversation_notice_minutes)
        due = message.created_at + delay
        if not user.is_service_user and not user.is_peer:
            due = working_from(user, due)
        written += reminders.one_off(
            recipient=user,
            kind=KIND,
            key=f"{KIND}:{_ref(thread.pk, user.pk)}{_read_mark(thread, user)}",
            context={
                "thread_id": thread.pk,
                "author": _author_name(author),
                # Only a service user's SMS are read as answers (reminders.inbound).
                "reply": user.is_service_user,
            },
            at=message.created_at,
            now=now,
            expires_at=due + USEFUL_FOR,
            channels=[Channel.SMS],
            due_at=due,
        )
    return written


def _cancel(thread: Thread, user: User) -> int:
    # By recipient first (the outbox's index on it): reading is frequent, the outbox large.
    waiting = Delivery.objects.filter(
        recipient=user,
        kind=KIND,
        status=Delivery.Status.SCHEDULED,
        dedupe_key__startswith=f"{KIND}:{_ref(thread.pk, user.pk)}",
    )
    return deliveries_cancel(waiting, "read already")


def thread_was_read(thread: Thread, user: User) -> int:
    """``user`` has read ``thread``: their waiting notice about it goes. Returns how many."""
    return _cancel(thread, user)


def unread_for(thread: Thread, user: User) -> bool:
    """Whether ``thread`` has a message from someone else that ``user`` has not read."""
    return Message.objects.filter(thread=thread, id__gt=_read_mark(thread, user)).exclude(author=user).exists()


def last_notice_thread(user: User, *, now: datetime, within: timedelta) -> Thread | None:
    """The thread of the last notice sent to ``user`` within ``within`` (what a reply by SMS
    answers), if they still take part in it."""
    row = (
        Delivery.objects.filter(recipient=user, kind=KIND, status=Delivery.Status.SENT, sent_at__gte=now - within)
        .order_by("-sent_at", "-id")
        .first()
    )
    thread = Thread.objects.filter(pk=row.context.get("thread_id")).first() if row is not None else None
    if thread is None or user.pk not in {u.pk for u in participants(thread)}:
        return None
    return thread


class ConversationNotices:
    """The outbox handler of ``MessageKind.CONVERSATION``: reminders' own, once the notice
    is still wanted when it is due."""

    def __init__(self) -> None:
        self._person = PersonNotices()

    @property
    def max_attempts(self) -> int:
        return self._person.max_attempts

    def prefetch(self, rows: Sequence[Delivery]) -> None:
        self._person.prefetch(rows)

    def prepare(self, row: Delivery, now: datetime) -> Ready | Skip:
        thread = Thread.objects.filter(pk=row.context.get("thread_id")).select_related("client").first()
        if thread is None or row.recipient is None:
            return Skip(Delivery.Status.CANCELLED, "the conversation is gone")
        if row.recipient_id not in {u.pk for u in told(thread)}:
            return Skip(Delivery.Status.CANCELLED, "no longer taking part")
        if not unread_for(thread, row.recipient):
            return Skip(Delivery.Status.CANCELLED, "read already")
        return self._person.prepare(row, now)

    def failed(self, row: Delivery, reason: str, error: PermanentError | None, now: datetime) -> None:
        self._person.failed(row, reason, error, now)
