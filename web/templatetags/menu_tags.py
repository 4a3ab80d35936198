"""The main menu: one list per role, most used first. A phone shows the first four and folds
the rest under "More"; a wide screen shows them all (base.html and app.css)."""

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from people.models import User
from web.templatetags.conversation_tags import unread_of

register = template.Library()

# How many menu items a phone shows before "More": four fit on one row at 390 px.
PHONE_ITEMS = 4


_CALENDAR_PAGES = (
    "calendar",
    "working_hours",
    "time_off",
    "meeting_types",
    "meeting_type",
    "book_for",
    "connected_calendars",
)


_DIRECTORY_PAGES = ("services", "service_card", "rights")
_MESSAGE_PAGES = ("inbox", "conversations", "conversation")
_MESSAGE_URLS = ("web:conversations", "web:inbox")


@dataclass(frozen=True)
class MenuItem:
    url: str
    label: str
    current: bool
    # Unread messages, shown beside "Messages".
    count: int = 0


def _entries(user: User) -> list[tuple[str, str, tuple[str, ...]]]:
    """(url name, label, the url names whose pages belong to it), in the order shown."""
    if user.is_service_user:
        return [
            ("web:my_day", _("My day"), ("my_day",)),
            ("web:book", _("Book"), ("book",)),
            ("web:meetings", _("My meetings"), ("meetings", "meeting")),
            # Reminders are ticked on My day; setting them up is rarer, so they wait under "More".
            ("web:my_plan", _("My plan"), ("my_plan",)),
            # Messages are also on My day, with the unread count, so they can wait under "More".
            ("web:conversations", _("Messages"), _MESSAGE_PAGES),
            ("web:reminders", _("Reminders"), ("reminders", "reminder")),
            ("web:peers", _("Peers"), ("peers", "sharing", "peer_request")),
            ("web:services", _("Find help"), _DIRECTORY_PAGES),
            ("web:details", _("My details"), ("details", "sign_ins")),
        ]
    if user.has_calendar_role:
        entries = [
            ("web:today", _("Today"), ("today",)),
            ("web:inbox" if user.is_social_worker else "web:conversations", _("Messages"), _MESSAGE_PAGES),
            ("web:calendar", _("Calendar"), _CALENDAR_PAGES),
        ]
        if user.is_social_worker:
            entries.append(("web:caseload", _("Caseload"), ("caseload", "person")))
        if user.is_peer:
            entries.append(("web:peer_page", _("Peer requests"), ("peer_page", "peer_meeting")))
        entries += [
            ("web:groups", _("Groups"), ("groups", "group")),
            ("web:feedback_received", _("Feedback"), ("feedback_received",)),
            ("web:ideas", _("Ideas"), ("ideas",)),
            ("web:services", _("Find help"), _DIRECTORY_PAGES),
            ("web:message_settings", _("My notices"), ("message_settings",)),
            ("web:sign_ins", _("My sign-ins"), ("sign_ins",)),
        ]
        return entries
    if user.is_coordinator:
        entries = [
            ("web:groups", _("Groups"), ("groups", "group")),
            ("web:help_requests", _("Help requests"), ("help_requests", "help_resolve")),
            ("web:handover", _("Hand over"), ("handover",)),
            ("web:help_rota", _("Duty rota"), ("help_rota",)),
            # Under "More" on a phone: the figures are read on a wide screen, and rarely.
            ("web:unit_insight", _("The unit's picture"), ("unit_insight",)),
            ("web:feedback_summary", _("Feedback"), ("feedback_summary",)),
            ("web:ideas", _("Ideas"), ("ideas", "idea")),
            ("web:directory_manage", _("Service directory"), ("directory_manage", "service_edit", "service_new")),
            ("web:unit_access_log", _("Access log"), ("unit_access_log",)),
            ("web:message_settings", _("My notices"), ("message_settings",)),
            ("web:sign_ins", _("My sign-ins"), ("sign_ins",)),
        ]
        if user.is_staff:
            entries.append(("admin:index", _("Administration"), ()))
        return entries
    return []


def _is_current(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + "_") for p in prefixes)


@register.inclusion_tag("web/_menu.html", takes_context=True)
def main_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"items": []}
    match = getattr(request, "resolver_match", None)
    # A page without a name (the admin's catch-all behind a 404) matches no menu link.
    name = (match.url_name if match else "") or ""
    entries = _entries(user)
    unread = unread_of(request) if any(url in _MESSAGE_URLS for url, _label, _p in entries) else 0
    items = [
        MenuItem(reverse(url), label, _is_current(name, prefixes), unread if url in _MESSAGE_URLS else 0)
        for url, label, prefixes in entries
    ]
    rest = items[PHONE_ITEMS:]
    return {
        "items": items,
        "first": items[:PHONE_ITEMS],
        "rest": rest,
        "rest_current": any(i.current for i in rest),
        "rest_count": sum(i.count for i in rest),
    }
