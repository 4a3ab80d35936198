"""Small includes for "I need help now" on pages other parts own (My day, Today), so those
pages need one line each and no change to their views."""

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from care.selectors import help as selectors
from web.views_help import log_numbers_shown

register = template.Library()


@register.inclusion_tag("web/help/_button.html", takes_context=True)
def help_button(context: template.Context) -> dict[str, Any]:
    """The button on My day, saying what pressing it does now: who gets it and by when when
    the unit is open; that it is closed, and the numbers to call, when it is not."""
    user = context["request"].user
    return {
        "state": selectors.help_now_for(user=user, now=timezone.now()),
        "emergency": selectors.EMERGENCY_NUMBER,
        "legevakt": selectors.LEGEVAKT_NUMBER,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def help_when(at: datetime) -> str:
    """'today at 08:00', 'tomorrow at 08:00' or 'Tuesday 26 December at 08:00', local time."""
    local = timezone.localtime(at)
    today = timezone.localdate()
    time_text = local.strftime("%H:%M")
    if local.date() == today:
        return _("today at %(time)s") % {"time": time_text}
    if local.date() == today + timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": time_text}
    return _("%(day)s at %(time)s") % {"day": formats.date_format(local, "l j. F"), "time": time_text}


@register.inclusion_tag("web/help/_today.html", takes_context=True)
def help_today(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    rows = selectors.help_rows(
        requests=selectors.open_help_requests_for_staff(staff=request.user), now=timezone.now(), viewer=request.user
    )
    log_numbers_shown(request.user, rows)
    return {"help_rows": rows, "user": request.user, "csrf_token": context.get("csrf_token"), "request": request}
