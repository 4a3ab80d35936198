from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from booking.models import Appointment
from care.selectors.feedback import rated_appointment_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def rated_meetings(context: template.Context, appointments: Iterable[Appointment]) -> set[int]:
    """Ids of the listed completed meetings the signed-in person has already rated (one query)."""
    ids = [a.pk for a in appointments if a.status == Appointment.Status.COMPLETED]
    return rated_appointment_ids(user=context["request"].user, appointment_ids=ids) if ids else set()


# Mouths from a deep frown (1) to a broad smile (5); drawn, so no emoji font is needed.
_MOUTHS = {
    1: "M8 17 Q12 12 16 17",
    2: "M8 16 Q12 14 16 16",
    3: "M8 15 L16 15",
    4: "M8 14 Q12 16 16 14",
    5: "M7 13 Q12 20 17 13",
}


@register.simple_tag
def face(value: int) -> SafeString:
    """A decorative face for a rating; the words next to it carry the meaning."""
    mouth = _MOUTHS.get(int(value), _MOUTHS[3])
    return mark_safe(  # noqa: S308 - built from the fixed paths above only
        '<svg class="face" aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="28" height="28">'
        '<circle cx="12" cy="12" r="10.5" fill="none" stroke="currentColor" stroke-width="1.5"/>'
        '<circle cx="8.5" cy="9.5" r="1.3" fill="currentColor"/>'
        '<circle cx="15.5" cy="9.5" r="1.3" fill="currentColor"/>'
        f'<path d="{mouth}" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round"/></svg>'
    )
