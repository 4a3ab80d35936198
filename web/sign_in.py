"""The last step of every way of signing in (SMS code, e-mail link, password, OpenID Connect).

``complete_sign_in`` is the one place a person becomes signed in on the web: it starts the
session, keeps the language picked on the sign-in page and sends the person to their start page.
Staff who have not yet shown a second factor are not signed in here; they are sent on to it
(see ``web.views_sign_in``)."""

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from people.models import User


def complete_sign_in(request: HttpRequest, user: User, *, second_factor_done: bool = False) -> HttpResponse:
    """Sign ``user`` in on this request's session and answer with the redirect to their start page.

    ``second_factor_done`` says the identity provider has already checked a second factor
    (an OpenID Connect ``amr``/``acr`` claim); only then may staff skip Triangel's own."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # A language picked on the sign-in page is a fresh choice: keep it and remember it.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES) and chosen != user.language:
        user.language = chosen
        User.objects.filter(pk=user.pk).update(language=chosen)
    translation.activate(user.language)
    response = redirect("web:home")
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
