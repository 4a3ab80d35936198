"""Answers by SMS: a person's SMS that is no keyword is words for someone in a conversation
(``reminders.inbound.free_text_handler_register``). Keywords keep their meaning.

Where it goes, in this order:
- ``@navn …``: the thread with the peer (or the worker) of that first name the person writes
  with; a name nobody answers to posts nothing and the answer says so.
- within ``REPLY_WINDOW`` of an SMS notice about a thread: that thread (a reply to a peer's or
  the group's notice goes back there).
- otherwise: the thread with their worker, made if new.

The answer says where it went (the first name only when texts are not discreet). The
inbound message's id is the message's idempotency key: a repeated webhook posts once.
"""

import re
from datetime import datetime, timedelta

from django.db import transaction

from care.models import Sharing
from config.errors import ApplicationError
from conversations import services, sms
from conversations.models import Thread
from people.models import User
from people.selectors import current_worker_of
from reminders import services as reminders

REPLY_WINDOW = timedelta(hours=24)
_LONE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_ADDRESSED = re.compile(r"^\s*@(\w[\w-]*)[\s:,]*(.*)$", re.DOTALL)


def _addressed(person: User, name: str) -> Thread | None:
    """The thread with the peer or worker called ``name`` (first name, any case), if exactly one."""
    worker = current_worker_of(client=person)
    if worker is not None and worker.first_name.lower() == name.lower():
        return services.thread_for_worker(person)
    peers = list(
        User.objects.filter(
            role=User.Role.PEER,
            is_active=True,
            first_name__iexact=name,
            pk__in=Sharing.objects.filter(user=person, revoked_at__isnull=True).values("peer"),
        )[:2]
    )
    if len(peers) != 1:
        return None
    return services.thread_with_peer(person, peers[0])


def _named(thread: Thread, person: User) -> str:
    """Whom the answer names: the peer, the current worker, nobody for a group."""
    if thread.kind == Thread.Kind.PEER:
        return thread.peer.first_name
    if thread.kind == Thread.Kind.WORKER:
        worker = current_worker_of(client=person)
        return worker.first_name if worker else ""
    return ""


def free_text(person: User, text: str, ref: str, now: datetime) -> bool:
    """Post ``text`` from ``person`` in the thread it is for, and answer. A lone number (an
    answer to a question nobody asked, as 2 with no booking offer open) is not taken: the
    help text says what can be written."""
    if _LONE_NUMBER.match(text):
        return False
    addressed = _ADDRESSED.match(text)
    if addressed:
        thread = _addressed(person, addressed.group(1))
        text = addressed.group(2)
        if thread is None:
            reminders.reply_to(user=person, ref=ref, reply="conversation_no_name", context={}, now=now)
            return True
    else:
        thread = sms.last_notice_thread(person, now=now, within=REPLY_WINDOW) or services.thread_for_worker(person)
    try:
        with transaction.atomic():
            message, _new = services.message_post(
                thread=thread, author=person, text=text, idempotency_key=ref, via="sms", now=now
            )
            reply = "conversation_help" if message.danger else "conversation_sent"
            reminders.reply_to(user=person, ref=ref, reply=reply, context={"to": _named(thread, person)}, now=now)
    except ApplicationError:
        # An empty text after the name: the help text tells what can be written.
        return False
    return True
