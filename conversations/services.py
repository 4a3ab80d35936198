"""Services (writes) for conversations: starting threads, posting messages, reading them."""

import re
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import ResponsibilityGroup, Sharing
from config.errors import Conflict, NotFound, Unprocessable
from conversations.models import MESSAGE_MAX_LENGTH, Message, ReadState, Thread
from conversations.selectors import takes_part
from people.models import User


def _get_or_create(**fields: object) -> Thread:
    """The one thread with these fields. Two first presses at once both try to insert; the
    unique constraint lets one win and the other reads the winner's row."""
    thread = Thread.objects.filter(**fields).first()
    if thread is not None:
        return thread
    try:
        with transaction.atomic():
            return Thread.objects.create(**fields)
    except IntegrityError:
        return Thread.objects.get(**fields)


def thread_for_worker(client: User) -> Thread:
    """The person's one thread with their social worker (whoever that is now), made if new."""
    if not client.is_service_user:
        raise Unprocessable(_("Only a service user has a conversation with a social worker."))
    return _get_or_create(kind=Thread.Kind.WORKER, client=client)


def thread_with_peer(client: User, peer: User) -> Thread:
    """The person's thread with ``peer``; only while the person shares with that peer."""
    if not client.is_service_user or not peer.is_peer:
        raise Unprocessable(_("A conversation with a peer is between a service user and a peer."))
    if not Sharing.objects.filter(user=client, peer=peer, revoked_at__isnull=True).exists():
        raise Unprocessable(
            _("Share something with this peer first: then you can write to each other."), code="no_consent"
        )
    return _get_or_create(kind=Thread.Kind.PEER, client=client, peer=peer)


def thread_for_group(group: ResponsibilityGroup) -> Thread:
    """The responsibility group's one thread, made if new."""
    return _get_or_create(kind=Thread.Kind.GROUP, client_id=group.client_id, group=group)


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
            message = Message.objects.create(
                thread=thread,
                author=author,
                text=text,
                via=via,
                idempotency_key=key,
                danger=danger_in(text),
                created_at=now,
            )
            Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
            _advance(thread=thread, user=author, message_id=message.pk, now=now)
    except IntegrityError:
        # The same key posted at the same moment by a second request: the first one's message.
        if key and (earlier := _same_key(author=author, key=key, thread=thread)) is not None:
            return earlier, False
        raise
    thread.last_message_at = now
    return message, True


def _advance(*, thread: Thread, user: User, message_id: int | None, now: datetime) -> None:
    """Move ``user``'s read mark in ``thread`` forward to ``message_id`` (never back)."""
    state, _created = ReadState.objects.get_or_create(thread=thread, user=user)
    if message_id is not None and (state.last_read_id is None or message_id > state.last_read_id):
        state.last_read_id = message_id
    state.last_seen_at = now
    state.save(update_fields=["last_read", "last_seen_at"])


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
    return ReadState.objects.get(thread=thread, user=user)
