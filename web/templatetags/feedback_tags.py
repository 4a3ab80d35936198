from collections.abc import Iterable

from django import template

from booking.models import Appointment
from care.selectors.feedback import rated_appointment_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def rated_meetings(context: template.Context, appointments: Iterable[Appointment]) -> set[int]:
    """Ids of the listed completed meetings the signed-in person has already rated (one query)."""
    ids = [a.pk for a in appointments if a.status == Appointment.Status.COMPLETED]
    return rated_appointment_ids(user=context["request"].user, appointment_ids=ids) if ids else set()
