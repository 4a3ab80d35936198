from datetime import datetime

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def current(context: template.Context, *prefixes: str) -> SafeString:
    """' aria-current="page"' on the menu link of the section being shown."""
    match = getattr(context.get("request"), "resolver_match", None)
    # A page without a name (the admin's catch-all behind a 404) matches no menu link.
    name = (match.url_name if match else "") or ""
    if any(name == p or name.startswith(p + "_") for p in prefixes):
        return mark_safe(' aria-current="page"')
    return mark_safe("")


@register.filter
def iso(value: datetime) -> str:
    return value.isoformat()
