"""The directory in a person's own pages: saved services on My plan and My day, and a worker's
"suggest a service" on the person's page."""

from typing import Any

from django import template

from people.models import User
from services import selectors
from services.models import Service

register = template.Library()


@register.inclusion_tag("web/directory/_saved.html")
def saved_services(user: User, today_only: bool = False) -> dict[str, Any]:
    """A person's saved services with today's hours; on My day only those open today."""
    rows = selectors.saved_services_of(user=user)
    if today_only:
        rows = [(saved, found) for saved, found in rows if found.today]
    return {"rows": rows, "today_only": today_only}


@register.inclusion_tag("web/directory/_suggest.html")
def suggest_service(viewer: User, client: User) -> dict[str, Any]:
    if not viewer.is_social_worker:
        return {"show": False}
    return {"show": True, "client": client, "services": Service.objects.filter(is_active=True).order_by("name")}
