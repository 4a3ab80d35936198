"""Small includes for "I need help now" on pages other parts own (My day, Today), so those
pages need one line each and no change to their views."""

from typing import Any

from django import template
from django.utils import timezone

from care.selectors import help as selectors
from web.views_help import log_numbers_shown

register = template.Library()


@register.inclusion_tag("web/help/_button.html", takes_context=True)
def help_button(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    return {"help_request": selectors.open_help_request_of(user=user), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/help/_today.html", takes_context=True)
def help_today(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    rows = selectors.help_rows(
        requests=selectors.open_help_requests_for_staff(staff=request.user), now=timezone.now(), viewer=request.user
    )
    log_numbers_shown(request.user, rows)
    return {"help_rows": rows, "user": request.user, "csrf_token": context.get("csrf_token"), "request": request}
