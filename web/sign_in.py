"""The last step of every way of signing in (SMS code, e-mail link, password, OpenID Connect).

``complete_sign_in`` is the one place a person becomes signed in on the web: it starts the
session, keeps the language picked on the sign-in page and sends the person to their start page.
Staff who have not yet shown a second factor are not signed in here: the person they proved to
be is kept in the session as *pending* for a few minutes, and they are sent on to the code page
(``web.views_sign_in``), which calls ``finish_sign_in`` once the code is right."""

import time

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from people import limits
from people import second_factor as factor
from people.models import User

PENDING = "sign_in_pending"
# What the session's staff member showed as a second factor: "totp", "recovery" or "provider".
SECOND_FACTOR = "second_factor"
PENDING_SECONDS = 300


def complete_sign_in(
    request: HttpRequest, user: User, *, second_factor_done: bool = False, next_url: str = ""
) -> HttpResponse:
    """Sign ``user`` in, or send staff on to their second factor first.

    ``second_factor_done`` says the identity provider has already checked a second factor
    (an OpenID Connect ``amr``/``acr`` claim); only then may staff skip Triangel's own."""
    if factor.needs_second_factor(user) and not second_factor_done:
        request.session.cycle_key()
        request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": next_url}
        if factor.has_second_factor(user):
            return redirect("web:login_second_factor")
        return redirect("web:login_second_factor_setup")
    return finish_sign_in(request, user, shown="provider" if second_factor_done else "", next_url=next_url)


def page_limit(request: HttpRequest, page: str) -> None:
    """Count a sign-in request from this address; over the page's limit, ``Limited`` (a 429)."""
    if request.method == "POST":
        limits.address_limit(request=request, group=page, rate=f"{settings.SIGN_IN_PAGE_LIMITS[page]}/15m")


def pending_user(request: HttpRequest) -> User | None:
    """The staff member who gave the right password on this session a moment ago, if any."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending.get("user"), is_active=True).first()


def finish_sign_in(request: HttpRequest, user: User, *, shown: str, next_url: str = "") -> HttpResponse:
    """Start the session (``shown``: the second factor staff showed) and go to the start page."""
    next_url = next_url or (request.session.get(PENDING) or {}).get("next", "")
    login(request, user, backend="people.backends.ModelBackend")
    request.session.pop(PENDING, None)
    if shown:
        request.session[SECOND_FACTOR] = shown
    limits.account_succeeded(account=user.username)
    # A language picked on the sign-in page is a fresh choice: keep it and remember it.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES) and chosen != user.language:
        user.language = chosen
        User.objects.filter(pk=user.pk).update(language=chosen)
    translation.activate(user.language)
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        response = redirect(next_url)
    else:
        response = redirect("web:home")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def session_has_second_factor(request: HttpRequest) -> bool:
    return bool(request.session.get(SECOND_FACTOR))
