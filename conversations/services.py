"""Services (writes) for conversations: starting threads, posting messages, reading them."""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import ResponsibilityGroup, Sharing
from care.selectors.groups import groups_visible_to
from config.errors import Conflict, NotFound, Unprocessable
from conversations import live, sms
from conversations.models import MESSAGE_MAX_LENGTH, Message, ReadState, Thread, ThreadCover
from conversations.selectors import participants, takes_part
from people.models import User
from people.selectors import current_worker_of, is_in_caseload, social_workers_of_unit


def _get_or_create(**fields: object) -> tuple[Thread, bool]:
    """The one thread with these fields, and whether it is new. Two first presses at once both
    try to insert; the unique constraint lets one win and the other reads the winner's row."""
    thread = Thread.objects.filter(**fields).first()
    if thread is not None:
        return thread, False
    try:
        with transaction.atomic():
            return Thread.objects.create(**fields), True
    except IntegrityError:
        return Thread.objects.get(**fields), False


def thread_for_worker(client: User) -> Thread:
    """The person's one thread with their social worker (whoever that is now), made if new."""
    if not client.is_service_user:
        raise Unprocessable(_("Only a service user has a conversation with a social worker."))
    return _get_or_create(kind=Thread.Kind.WORKER, client=client)[0]


def thread_with_peer(client: User, peer: User) -> Thread:
    """The person's thread with ``peer``; only while the person shares with that peer."""
    if not client.is_service_user or not peer.is_peer:
        raise Unprocessable(_("A conversation with a peer is between a service user and a peer."))
    if not Sharing.objects.filter(user=client, peer=peer, revoked_at__isnull=True).exists():
        raise Unprocessable(
            _("Share something with this peer first: then you can write to each other."), code="no_consent"
        )
    return _get_or_create(kind=Thread.Kind.PEER, client=client, peer=peer)[0]


def thread_for_group(group: ResponsibilityGroup) -> Thread:
    """The responsibility group's one thread, made if new."""
    return _get_or_create(kind=Thread.Kind.GROUP, client_id=group.client_id, group=group)[0]


def danger_in(text: str) -> bool:
    """Whether ``text`` has one of ``CONVERSATION_DANGER_WORDS`` (a word or a word's start)."""
    lowered = text.lower()
    return any(re.search(r"(?<!\w)" + re.escape(word.lower()), lowered) for word in settings.CONVERSATION_DANGER_WORDS)


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Unprocessable(_("Write something before you send."), fields={"text": [_("The message is empty.")]})
    if len(text) > MESSAGE_MAX_LENGTH:
        message = _("A message can be at most %(max)d characters. Split it in two.") % {"max": MESSAGE_MAX_LENGTH}
        raise Unprocessable(message, fields={"text": [message]})
    return text


def _same_key(*, author: User, key: str, thread: Thread) -> Message | None:
    earlier = Message.objects.filter(author=author, idempotency_key=key).first()
    if earlier is not None and earlier.thread_id != thread.pk:
        raise Conflict(_("This key was already used for a message in another conversation."), code="key_reused")
    return earlier


def message_post(
    *,
    thread: Thread,
    author: User,
    text: str,
    idempotency_key: str = "",
    via: str = Message.Via.WEB,
    now: datetime | None = None,
) -> tuple[Message, bool]:
    """Post ``text`` by ``author`` in ``thread``; returns the message and whether it is new.

    The same ``idempotency_key`` again (a double press, a retried request) returns the first
    message and posts nothing. Someone not taking part gets NotFound, as if there were no
    such thread."""
    if not takes_part(thread=thread, user=author):
        raise NotFound(_("There is no such conversation."))
    key = (idempotency_key or "").strip()[:100]
    if key and (earlier := _same_key(author=author, key=key, thread=thread)) is not None:
        return earlier, False
    text = _clean(text)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # The thread's row first: a second post waits here before it takes an id, so ids
            # are committed in order and "nothing after 41" never hides a 40 (conversations.live).
            Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
            message = Message.objects.create(
                thread=thread,
                author=author,
                text=text,
                via=via,
                idempotency_key=key,
                danger=danger_in(text),
                created_at=now,
            )
            # Before the commit, not after: a kept id ahead of the database only sends the
            # open pages the whole way for a moment; one behind would hide the message.
            live.remember(thread.pk, message.pk)
            _advance(thread=thread, user=author, message_id=message.pk, now=now)
            # The SMS notices to the others, due after their delay (conversations.sms).
            sms.message_posted(message, now=now)
    except IntegrityError:
        # The same key posted at the same moment by a second request: the first one's message.
        if key and (earlier := _same_key(author=author, key=key, thread=thread)) is not None:
            return earlier, False
        raise
    thread.last_message_at = now
    return message, True


def _advance(*, thread: Thread, user: User, message_id: int | None, now: datetime, read: bool = True) -> None:
    """Move ``user``'s marks in ``thread`` forward to ``message_id`` (never back): delivered,
    and read too when ``read``. One UPDATE when the marks exist (the usual case)."""
    changes: dict[str, object] = {"last_seen_at": now}
    if message_id is not None:
        changes["last_delivered_id"] = Greatest(Coalesce(F("last_delivered_id"), 0), message_id)
        if read:
            changes["last_read_id"] = Greatest(Coalesce(F("last_read_id"), 0), message_id)
    marks = ReadState.objects.filter(thread=thread, user=user)
    if not marks.update(**changes):
        ReadState.objects.get_or_create(thread=thread, user=user)
        marks.update(**changes)


def thread_delivered(*, thread: Thread, user: User, up_to: int, now: datetime | None = None) -> None:
    """``user``'s page or app has fetched ``thread``'s messages up to ``up_to`` (delivered to
    the web). One UPDATE when the mark moves; nothing when it would not."""
    moved = (
        ReadState.objects.filter(thread=thread, user=user)
        .filter(Q(last_delivered__isnull=True) | Q(last_delivered_id__lt=up_to))
        .update(last_delivered_id=up_to, last_seen_at=now or timezone.now())
    )
    if not moved and not ReadState.objects.filter(thread=thread, user=user).exists():
        with transaction.atomic():
            _advance(thread=thread, user=user, message_id=up_to, now=now or timezone.now(), read=False)


@transaction.atomic
def thread_read(*, thread: Thread, user: User, up_to: int | None = None, now: datetime | None = None) -> ReadState:
    """``user`` has read ``thread`` up to message ``up_to`` (the newest when None): "mark as
    handled" for a worker."""
    if not takes_part(thread=thread, user=user):
        raise NotFound(_("There is no such conversation."))
    messages = Message.objects.filter(thread=thread)
    if up_to is not None:
        messages = messages.filter(pk__lte=up_to)
    newest = messages.order_by("-id").values_list("id", flat=True).first()
    _advance(thread=thread, user=user, message_id=newest, now=now or timezone.now())
    # Read on the web: no SMS about it any more.
    sms.thread_was_read(thread, user)
    return ReadState.objects.get(thread=thread, user=user)


# --- Starting a thread: who may write to whom -------------------------------------------------


def _nobody() -> NotFound:
    return NotFound(_("There is nobody by that id you can write to here."))


def _with_person(*, actor: User, other: User) -> dict[str, object]:
    """The fields of the thread between ``actor`` and ``other``, or NotFound."""
    if actor.is_service_user:
        worker = current_worker_of(client=actor)
        if worker is not None and worker.pk == other.pk:
            return {"kind": Thread.Kind.WORKER, "client": actor}
        if other.is_peer and other.unit_id == actor.unit_id and other.is_active:
            if not Sharing.objects.filter(user=actor, peer=other, revoked_at__isnull=True).exists():
                raise Unprocessable(
                    _("Share something with this peer first: then you can write to each other."), code="no_consent"
                )
            return {"kind": Thread.Kind.PEER, "client": actor, "peer": other}
        raise _nobody()
    if actor.is_social_worker and other.is_service_user and is_in_caseload(worker=actor, client=other):
        return {"kind": Thread.Kind.WORKER, "client": other}
    shares = Sharing.objects.filter(user=other, peer=actor, revoked_at__isnull=True)
    if actor.is_peer and other.is_service_user and shares.exists():
        return {"kind": Thread.Kind.PEER, "client": other, "peer": actor}
    raise _nobody()


def thread_start(*, actor: User, with_id: int | None = None, group_id: int | None = None) -> tuple[Thread, bool]:
    """Who may start which thread. A person has exactly one thread with their worker; staff
    may start it with a person they follow; a service user may start one with their worker or
    a peer they share with; a peer with a person who shares with them; a group's thread anyone
    taking part in it. Anyone else is told there is nobody to write to (a 404), revealing nothing.

    The thread between ``actor`` and the person ``with_id`` (or their group ``group_id``),
    started if new; returns it and whether it is new."""
    if group_id is not None:
        group = groups_visible_to(user=actor).filter(pk=group_id).first()
        if group is None:
            raise NotFound(_("There is no such responsibility group."))
        fields: dict[str, object] = {"kind": Thread.Kind.GROUP, "client_id": group.client_id, "group": group}
        # Seeing a group (a coordinator does) is not taking part in its talk.
        if actor.pk not in {u.pk for u in participants(Thread(**fields))}:
            raise NotFound(_("There is no such responsibility group."))
        return _get_or_create(**fields)
    other = User.objects.filter(pk=with_id, is_active=True).exclude(pk=actor.pk).first()
    if other is None:
        raise _nobody()
    return _get_or_create(**_with_person(actor=actor, other=other))


def messages_purge(*, now: datetime | None = None) -> int:
    """Delete messages older than ``CONVERSATIONS_KEEP_DAYS``; returns how many. A thread
    stays (empty) so its readers and the person's one worker thread stay the same."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CONVERSATIONS_KEEP_DAYS)
    return Message.objects.filter(created_at__lt=cutoff).delete()[0]


# --- Handing the thread to a colleague while away --------------------------------------------

COVER_MAX_DAYS = 90


@transaction.atomic
def thread_cover(
    *, actor: User, thread: Thread, colleague_id: int, until: datetime, now: datetime | None = None
) -> ThreadCover:
    """``actor``, the person's worker, hands their thread with the person to a colleague of
    the unit until ``until`` (time off): the colleague reads and answers it meanwhile, the
    person sees who. A new hand-over replaces one in force."""
    now = now or timezone.now()
    if thread.kind != Thread.Kind.WORKER or not is_in_caseload(worker=actor, client=thread.client):
        raise NotFound(_("There is no such conversation."))
    colleague = social_workers_of_unit(unit_id=actor.unit_id).filter(pk=colleague_id).exclude(pk=actor.pk).first()
    if colleague is None:
        message = _("Choose a social worker of your unit.")
        raise Unprocessable(message, fields={"colleague": [message]})
    if not now < until <= now + timedelta(days=COVER_MAX_DAYS):
        message = _("Choose an end within %(days)d days from now.") % {"days": COVER_MAX_DAYS}
        raise Unprocessable(message, fields={"until": [message]})
    Thread.objects.select_for_update().filter(pk=thread.pk).first()  # two hand-overs at once: one after the other
    ThreadCover.objects.filter(thread=thread, ended_at__isnull=True).update(ended_at=now)
    return ThreadCover.objects.create(thread=thread, worker=colleague, handed_by=actor, starts_at=now, ends_at=until)


def thread_cover_end(*, actor: User, thread: Thread, now: datetime | None = None) -> int:
    """The worker is back: the colleague no longer covers the thread. Returns how many ended."""
    if thread.kind != Thread.Kind.WORKER or not is_in_caseload(worker=actor, client=thread.client):
        raise NotFound(_("There is no such conversation."))
    return ThreadCover.objects.filter(thread=thread, ended_at__isnull=True).update(ended_at=now or timezone.now())
