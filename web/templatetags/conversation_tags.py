"""Small pieces of the conversation pages: a thread's title as the reader knows it, the box
with the unread count that My day and Today show with one line each, and where an open
thread asks what is new."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from conversations import live, selectors
from conversations.models import Thread
from people.models import User
from people.selectors import current_worker_of

register = template.Library()

WEEKDAY_NAMES = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def _name(person: User, viewer: User) -> str:
    if viewer.is_social_worker or viewer.is_coordinator:
        return person.get_full_name() or person.short_name
    return person.short_name


def unread_of(request: Any) -> int:
    """The signed-in person's unread messages, counted once a request (menu and My day/Today)."""
    if not hasattr(request, "_unread_messages"):
        request._unread_messages = selectors.unread_count(request.user)
    return request._unread_messages


@register.simple_tag(takes_context=True)
def thread_title(context: template.Context, thread: Thread) -> str:
    viewer = context["request"].user
    if thread.kind == Thread.Kind.GROUP:
        if viewer.pk == thread.client_id:
            return _("Your responsibility group")
        return _("Responsibility group of %(name)s") % {"name": _name(thread.client, viewer)}
    if viewer.pk != thread.client_id:
        return _name(thread.client, viewer)
    if thread.kind == Thread.Kind.PEER:
        return _("%(name)s (peer)") % {"name": thread.peer.short_name}
    worker = current_worker_of(client=thread.client)
    if worker is None:
        return _("Your social worker")
    return _("%(name)s, your social worker") % {"name": worker.short_name}


@register.filter
def get_count(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def weekday_name(day: int) -> str:
    return _(WEEKDAY_NAMES[day])


@register.inclusion_tag("web/conversations/_box.html", takes_context=True)
def conversation_box(context: template.Context) -> dict[str, Any]:
    """Messages on My day and Today: the way to write, and how many are new."""
    user = context["request"].user
    if user.is_social_worker:
        url = reverse("web:inbox")
    elif user.is_service_user or user.is_peer:
        url = reverse("web:conversations")
    else:
        url = ""
    return {"url": url, "user": user, "unread": unread_of(context["request"]) if url else 0}


@register.filter
def message_state(message: object, marks: tuple[int, int]) -> str:
    """Sent, delivered or read, in words, for the writer's own message."""
    state = selectors.state_of(message, marks or (0, 0))
    return {"sent": _("Sent"), "delivered": _("Delivered"), "read": _("Read")}[state]


@register.simple_tag
def poll_url(thread_id: int, after_id: int) -> str:
    """Where an open thread page asks what is new after ``after_id``, with a fresh ticket
    (``conversations.live``)."""
    query = urlencode({"after": after_id, "live": live.ticket(thread_id)})
    return f"{reverse('web:conversation_new', args=[thread_id])}?{query}"
