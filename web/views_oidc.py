"""Signing in through OpenID Connect (ID-porten for service users, the municipality's provider for
staff), and the staff page that records a person's national identity number for ID-porten.

Anything that goes wrong on the way back from the provider signs nobody in and shows a page
that says what to do: 400 for a sign-in that did not finish or cannot be trusted (a wrong or
missing state, an error from the provider, a used or unknown code, an ID token that fails
validation), 502 for a provider that does not answer, 403 for a person Triangel does not know.
"""

import logging

from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from joserfc.errors import JoseError
from requests import RequestException

from audit import log as access_log
from config.errors import ApplicationError
from people import limits
from people import oidc as identities
from people.selectors import clients_manageable_by
from web import oidc
from web.forms import NationalIdForm
from web.sign_in import complete_sign_in

logger = logging.getLogger(__name__)


def _page(request: HttpRequest, title: str, text: str, status: int) -> HttpResponse:
    return render(request, "web/message.html", {"title": title, "text": text}, status=status)


def _unanswered(request: HttpRequest, name: str, exc: Exception) -> HttpResponse:
    logger.warning("oidc %s did not answer: %s %s", name, type(exc).__name__, exc)
    label = oidc.label(name)
    if name == "users":
        text = _("%(label)s did not answer. Try again in a few minutes, or sign in with a code by SMS.")
    else:
        text = _("%(label)s did not answer. Try again in a few minutes, or sign in with user name and password.")
    return _page(request, _("Sign-in is not available just now"), text % {"label": label}, status=502)


def _limit(request: HttpRequest) -> None:
    # Both ways count, per client address: over the limit, people.limits.Limited (a 429).
    limits.address_limit(request=request, group="login_oidc", rate=f"{settings.SIGN_IN_PAGE_LIMITS['login_oidc']}/15m")


def oidc_start(request: HttpRequest, provider: str) -> HttpResponse:
    """Send the browser to the provider, with a fresh state, nonce and PKCE challenge in the session."""
    _limit(request)
    client = oidc.client_for(provider)
    if client is None:
        raise Http404
    try:
        issuer = client.load_server_metadata().get("issuer")
        # The discovery document must name the issuer it was fetched for (OpenID Connect
        # Discovery 4.3): the ID tokens are checked against it.
        if issuer != oidc.provider_settings(provider)["issuer"]:
            raise ValueError(f"the discovery document names the issuer {issuer!r}")
        return client.authorize_redirect(
            request, oidc.callback_url(provider), ui_locales=translation.get_language() or "nb"
        )
    except (RequestException, ValueError, RuntimeError) as exc:
        return _unanswered(request, provider, exc)


def oidc_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider sends the browser back here: the code is exchanged for tokens, the ID token
    validated, and the person it names signed in, if Triangel knows them."""
    _limit(request)
    provider_conf = oidc.provider_settings(provider)
    client = oidc.client_for(provider)
    if client is None:
        raise Http404
    label = oidc.label(provider)
    try:
        # Authlib checks the signature, nonce, expiry and azp; the issuer and that the token is
        # meant for Triangel (its client id in aud) are said here, as OpenID Connect asks.
        expected = {
            "iss": {"essential": True, "values": [provider_conf["issuer"]]},
            "aud": {"essential": True, "values": [provider_conf["client_id"]]},
        }
        token = client.authorize_access_token(request, claims_options=expected)
    except (OAuthError, JoseError) as exc:
        logger.warning("oidc sign-in through %s refused: %s %s", provider, type(exc).__name__, exc)
        token = None
    except (RequestException, ValueError, RuntimeError) as exc:
        return _unanswered(request, provider, exc)
    claims = token.get("userinfo") if token else None
    if not claims:
        text = _(
            "Signing in with %(label)s did not finish, or could not be trusted. Start again from the sign-in page."
        )
        return _page(request, _("Sign-in did not finish"), text % {"label": label}, status=400)
    if provider == "users":
        user = identities.person_for_pid(str(claims.get("pid") or ""))
        unknown = _(
            "%(label)s knows who you are, but Triangel does not yet. Ask your social worker or the unit "
            "to record your national identity number, then try again. Until then, sign in with a code by SMS."
        )
    else:
        user = identities.staff_for_claims(claims, provider_conf)
        unknown = _(
            "%(label)s knows who you are, but Triangel has no member of staff to match. Ask the unit's "
            "coordinator to add you, with the e-mail address you have at work."
        )
    if user is None:
        logger.info("oidc sign-in through %s: nobody in Triangel matches", provider)
        return _page(request, _("Triangel does not know you"), unknown % {"label": label}, status=403)
    response = complete_sign_in(request, user, second_factor_done=identities.second_factor_shown(claims, provider_conf))
    oidc.remember(request, provider, user, token["id_token"])
    return response


@login_required
def person_national_id(request: HttpRequest, user_id: int) -> HttpResponse:
    """Record the national identity number of a person the worker follows (or of the unit, for a
    coordinator), so they can sign in with ID-porten. Only a keyed hash is stored; the page says
    whether one is recorded and never shows the number."""
    client = clients_manageable_by(actor=request.user).filter(pk=user_id).first()
    if client is None or not oidc.may_record_national_id(viewer=request.user, client=client):
        raise Http404
    if request.method != "POST":  # the page says whether a number is recorded; a change is noted by the service
        access_log.saw(viewer=request.user, what="identity", subjects=[(client.pk, None)])
    form = NationalIdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identities.person_pid_set(actor=request.user, person_id=client.pk, pid=form.cleaned_data["pid"])
        except ApplicationError as exc:
            form.add_error("pid", exc.message)
        else:
            messages.success(request, _("The national identity number of %(name)s is recorded.") % {"name": client})
            return redirect("web:person_overview", user_id=client.pk)
    return render(request, "web/person_national_id.html", {"client": client, "national_id_form": form})
