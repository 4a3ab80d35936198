"""A person's conversations in what Triangel holds about them (``audit.records``): every thread
about them with every message in it, whoever wrote it. Erased, the threads go with their
messages and read marks: the words are the person's and the people's around them, about them."""

from datetime import datetime
from typing import Any

from audit.records import Record, iso
from conversations.models import Message, ReadState, Thread


def export(person: Any) -> list[dict[str, Any]]:
    threads = Thread.objects.filter(client=person).select_related("peer").order_by("created_at", "id")
    messages: dict[int, list[dict[str, Any]]] = {}
    for m in Message.objects.filter(thread__client=person).select_related("author").order_by("id"):
        messages.setdefault(m.thread_id, []).append(
            {
                "written_by": "me" if m.author_id == person.pk else m.author.get_full_name() or m.author.role,
                "text": m.text,
                "sent": iso(m.created_at),
                "via": m.via,
            }
        )
    return [
        {
            "with": thread.kind,
            "peer": thread.peer.get_full_name() if thread.peer else None,
            "started": iso(thread.created_at),
            "messages": messages.get(thread.pk, []),
        }
        for thread in threads
    ]


def erase(person: Any, now: datetime) -> None:
    Thread.objects.filter(client=person).delete()  # its messages and read marks go with it
    ReadState.objects.filter(user=person).delete()


RECORD = Record(name="conversations", export=export, erase=erase)
