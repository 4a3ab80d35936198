from django import template

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


@register.filter
def key_label(key: str) -> str:
    """A key of the export as words: ``requests_for_help`` → "Requests for help"."""
    return str(key).replace("_", " ").capitalize()
