from datetime import datetime
from typing import Any

import phonenumbers
from django import template
from django.utils.html import format_html
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


@register.filter
def call_link(number: Any) -> SafeString:
    """A phone number as a link that calls it (``tel:``), written the way people read it:
    "400 00 001" for a Norwegian number, with the country code for others. Empty for none."""
    raw = str(getattr(number, "number", number) or "")
    if not raw:
        return mark_safe("")
    try:
        parsed = phonenumbers.parse(raw, "NO")
    except phonenumbers.NumberParseException:
        return format_html("{}", raw)
    shown = phonenumbers.format_number(
        parsed,
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 47
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return format_html('<a class="tel" href="tel:{}">{}</a>', e164, shown)
