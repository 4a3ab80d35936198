import math
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from people import limits
from people.second_factor import needs_second_factor
from web.sign_in import session_has_second_factor


class PersonalSettingsMiddleware:
    """Show pages in the signed-in person's time zone, and in their language unless they
    just picked another one with the language switch (the cookie)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(ZoneInfo(user.timezone))
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and not request.path.startswith("/api/"):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class StaffSecondFactorMiddleware:
    """A staff session without a second factor is ended.

    Every way of signing in goes through ``web.sign_in``, which records the second factor;
    this catches any session that did not (one from before second factors were required, or
    from a path added later), so no staff page is ever shown on a password alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only a session can be signed in here; an API request's token is checked by DRF,
        # and a request without a session cookie reads no user at all.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = request.user
            if user.is_authenticated and needs_second_factor(user) and not session_has_second_factor(request):
                logout(request)
                return redirect("web:login")
        return self.get_response(request)


class SignInLimitsMiddleware:
    """Too many sign-in attempts (``people.limits.Limited``) answer 429 with the time to wait;
    a limits store that cannot be reached answers 503: without it no limit holds, so signing
    in pauses rather than going on unlimited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, limits.Limited):
            return too_many_attempts(request, exception.retry_after)
        if isinstance(exception, limits.LimitsUnavailable):
            response = render(
                request,
                "web/message.html",
                {
                    "title": _("Signing in is paused"),
                    "text": _("We cannot check sign-in attempts just now. Try again in a minute."),
                },
                status=503,
            )
            response["Retry-After"] = "60"
            return response
        return None


def too_many_attempts(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(
        request,
        "web/message.html",
        {
            "title": _("Please wait a little"),
            "text": ngettext(
                "Too many tries. Wait %(minutes)d minute and try again.",
                "Too many tries. Wait %(minutes)d minutes and try again.",
                minutes,
            )
            % {"minutes": minutes},
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
