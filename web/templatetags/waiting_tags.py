"""The waiting list where service users already are: the booking page and their own pages."""

from typing import Any

from django import template
from django.utils import timezone

from booking.models import MeetingType
from care.selectors import waiting as selectors

register = template.Library()

# The days of free times the booking page lists (web.views_booking.slots_by_day).
PAGE_DAYS = 14


@register.inclusion_tag("web/waiting/_join.html", takes_context=True)
def waiting_choice(context: template.Context, meeting_type: MeetingType, shown: list) -> dict[str, Any]:
    """Offer the waiting list exactly when the meeting type has no free time in the window.

    ``shown`` is the page's own free times (``PAGE_DAYS`` days): when there are some and the
    window is no longer, nothing is offered and nothing more is read."""
    if shown and selectors.window_days(meeting_type) <= PAGE_DAYS:
        return {"can_join": False}
    user = context["request"].user
    entry = selectors.entry_waiting(user=user, meeting_type=meeting_type)
    free = bool(
        entry is None and selectors.free_times_in_window(meeting_type=meeting_type, user=user, now=timezone.now())
    )
    return {
        "meeting_type": meeting_type,
        "entry": entry,
        "can_join": entry is None and not free,
        "days": selectors.window_days(meeting_type),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("web/waiting/_offer.html", takes_context=True)
def waiting_offer_banner(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    offers = list(selectors.offers_open_for(user=user, now=timezone.now())) if user.is_service_user else []
    return {"offers": offers, "csrf_token": context.get("csrf_token")}
