from django import template
from django.utils.translation import gettext_lazy as _

from audit.log import label_of
from people.models import User

register = template.Library()


@register.simple_tag
def what_label(what: str) -> str:
    """The kind of information an access-log entry is about, in words."""
    return label_of(what)


@register.simple_tag
def role_label(role: str) -> str:
    return str(dict(User.Role.choices).get(role, role))


@register.filter
def is_mapping(value: object) -> bool:
    return isinstance(value, dict)


@register.filter
def is_sequence(value: object) -> bool:
    return isinstance(value, list | tuple)


# The export's keys a person reads as headings, in words; others are shown as they are
# written (``reason_for_cancelling`` → "Reason for cancelling").
KEY_LABELS = {
    "person": _("About you"),
    "profile": _("Profile"),
    "phone_numbers": _("Phone numbers"),
    "followed_by": _("Followed by"),
    "sign_ins_by_code_or_link": _("Sign-ins by code or link"),
    "meetings": _("Meetings"),
    "history": _("History"),
    "reminders": _("Reminders"),
    "plans": _("Plans"),
    "settings": _("Settings"),
    "medication_log": _("Medication log"),
    "tasks_for_the_worker": _("Tasks for your social worker"),
    "messages": _("Messages sent"),
    "co-production": _("You, your worker and peers"),
    "plan": _("Plan"),
    "shared_with_peers": _("Shared with peers"),
    "requests_for_a_peer": _("Requests for a peer"),
    "requests_for_help": _("Requests for help"),
    "responsibility_group_meetings": _("Responsibility group meetings"),
    "agreed_actions": _("Agreed actions"),
    "invited_from_outside": _("Invited from outside the service"),
    "waiting_lists": _("Waiting lists"),
    "feedback": _("Feedback"),
    "ideas": _("Ideas"),
    "access_log": _("Who has looked at my information"),
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("E-mail"),
    "number": _("Phone number"),
    "status": _("Status"),
    "start": _("Start"),
    "end": _("End"),
    "title": _("Title"),
    "note": _("Note"),
    "message": _("Message"),
    "text": _("Text"),
    "comment": _("Comment"),
}


@register.filter
def key_label(key: str) -> str:
    """A key of the export as words: ``requests_for_help`` → "Requests for help"."""
    label = KEY_LABELS.get(str(key))
    return str(label) if label is not None else str(key).replace("_", " ").capitalize()
