from typing import Any

from django import template

from care.selectors.peers import peer_request_current
from web.forms_peers import PeerRequestForm

register = template.Library()


@register.inclusion_tag("web/peers/_request_box.html", takes_context=True)
def peer_request_box(context: template.Context, heading_level: int = 2) -> dict[str, Any]:
    """The "I'd like a peer" button, or where the request stands; on My day and the peers page."""
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "peer_request": peer_request_current(user=request.user),
        "form": PeerRequestForm(),
        "h": heading_level,
    }
