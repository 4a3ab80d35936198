import math
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from people import limits
from people.models import User
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


# When a member of staff last made a request on this session (seconds since the epoch).
LAST_ACTIVE = "staff_last_active"
# The stamp is rewritten only when it is this old. Writing it on every request would save the
# session (an UPDATE of its row) for every page and every htmx call; a minute is close enough
# for a limit counted in tens of minutes.
STAMP_EVERY = 60


def stamp_sign_in(sender: object, request: HttpRequest, user: User, **kwargs: object) -> None:
    """The idle time of staff counts from signing in (``user_logged_in``): the session is saved
    then anyway, so the first page after it need not write the session again."""
    if user.is_staff_member and hasattr(request, "session"):
        request.session[LAST_ACTIVE] = int(time.time())


class StaffIdleMiddleware:
    """Sign a member of staff out of the web after STAFF_IDLE_MINUTES without a request.

    Staff pages show other people's information, often on shared office computers left
    unlocked. Service users are not concerned: they use their own phones, and signing in
    again costs many of them more than it protects. API calls with a token carry no session
    (tokens expire on their own). Comes after the authentication, messages and htmx
    middleware: it reads the session's person, leaves a message and answers htmx requests."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff_member:
            return self.get_response(request)
        now = int(time.time())
        last = request.session.get(LAST_ACTIVE)
        if isinstance(last, int) and now - last > settings.STAFF_IDLE_MINUTES * 60:
            return self._sign_out(request)
        if not isinstance(last, int) or now - last >= STAMP_EVERY:  # no stamp: a session from before
            request.session[LAST_ACTIVE] = now
        return self.get_response(request)

    def _sign_out(self, request: HttpRequest) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)  # signed out now: the API answers as to anyone
        minutes = settings.STAFF_IDLE_MINUTES
        messages.info(
            request,
            ngettext(
                "You were signed out after %(minutes)d minute without activity.",
                "You were signed out after %(minutes)d minutes without activity.",
                minutes,
            )
            % {"minutes": minutes},
        )
        if request.htmx:
            # A redirect would put the sign-in page inside the part of the page htmx replaces.
            return HttpResponseClientRedirect(settings.LOGIN_URL)
        return redirect_to_login(request.get_full_path())


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
