"""Template tags for continuity, so shared pages (My day, My meetings) show re-offered meetings
with one line and no change to their views."""

from typing import Any

from django import template

from care.selectors.continuity import reoffers_open_for

register = template.Library()


@register.inclusion_tag("web/continuity/_reoffers.html", takes_context=True)
def reoffered_meetings(context: template.Context) -> dict[str, Any]:
    """Meetings a handover cancelled that the signed-in service user still needs a new time for."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_service_user:
        return {"reoffers": []}
    return {"reoffers": list(reoffers_open_for(client=user)), "csrf_token": context.get("csrf_token")}
