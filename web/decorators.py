"""What every page module shares: the role checks at a page's door, and the small helpers
for a service's refusal on a form, a safe way back, and the user's own time zone."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from config.errors import ApplicationError
from people.models import User


def user_tz(user: User) -> ZoneInfo:
    """The time zone the user's pages show times in."""
    return ZoneInfo(user.timezone)


def role_required(allowed: Callable[[User], bool]) -> Callable[[Callable], Callable]:
    """A page for signed-in people ``allowed`` lets in; anyone else goes to their own home page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                return redirect("web:home")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


service_user_required = role_required(lambda user: user.is_service_user)
staff_required = role_required(lambda user: user.has_calendar_role)
# Everyone who works in the service: social workers, peers and coordinators.
staff_member_required = role_required(lambda user: not user.is_service_user)
# Coordinators of a unit: handover, feedback summary and the other unit-wide pages.
coordinator_required = role_required(lambda user: user.is_coordinator and bool(user.unit_id))
# Social workers, peers and coordinators; what each may see of a group is decided by the selectors.
group_staff_required = role_required(lambda user: user.has_calendar_role or user.is_coordinator)


def add_service_errors(form: BaseForm, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: its message at the top (it says what to do),
    and its short notes beside the fields it names."""
    form.add_error(None, exc.message)
    for name, errors in (exc.fields or {}).items():
        if name in form.fields:
            for error in errors:
                form.add_error(name, error)


def back_to_next(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page named in the form's ``next``, if it is one of ours; else ``fallback``."""
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(fallback)
    return redirect(target)
