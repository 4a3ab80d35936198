"""OpenID Connect on the web: Authlib's clients for the configured providers, what the session
keeps of a sign-in through one, and the way back out through the provider's end-session endpoint.

The clients are Authlib's (``authlib.integrations.django_client``): it handles several providers
at once, sends PKCE (S256), a state and a nonce, and validates the ID token (the provider's
signature from its published keys, issuer, audience, expiry, nonce); the same library's server
side runs the real provider the tests sign in at (tests/oidc/provider.py). Who the ID token names
is ``people.oidc``'s business; the views are ``web.views_oidc``.
"""

import base64
import json
import logging
import time
from typing import Any

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from requests import RequestException

from people.models import User
from people.selectors import clients_manageable_by

logger = logging.getLogger(__name__)

SESSION_PROVIDER = "oidc_provider"
SESSION_ID_TOKEN = "oidc_id_token"
# Seconds a request to a provider may take before the person is told it did not answer.
TIMEOUT = 10
# The clients keep the provider's discovery document and keys; built anew this often, they pick
# up endpoints a provider moved and keys it rotated without a restart.
CLIENTS_MAX_AGE = 3600

_clients: tuple[str, float, OAuth] | None = None


def provider_settings(name: str) -> dict[str, Any] | None:
    """The settings of the provider ``name`` (settings.OIDC_PROVIDERS), None if it is off."""
    return settings.OIDC_PROVIDERS.get(name)


def client_for(name: str) -> DjangoOAuth2App | None:
    """Authlib's client for the provider ``name``, None if it is off.

    Built from settings.OIDC_PROVIDERS, and built again when that changes (the tests point it
    at their own providers) or after CLIENTS_MAX_AGE: Authlib's registry caches its clients and
    each client the provider's metadata, for as long as the registry lives."""
    global _clients
    providers = settings.OIDC_PROVIDERS
    if name not in providers:
        return None
    key = json.dumps(providers, sort_keys=True, default=str)
    current = _clients
    if current is None or current[0] != key or time.monotonic() - current[1] > CLIENTS_MAX_AGE:
        registry = OAuth()
        for provider_name, provider in providers.items():
            registry.register(
                provider_name,
                client_id=provider["client_id"],
                client_secret=provider["client_secret"] or None,
                server_metadata_url=provider["metadata_url"],
                # code_challenge_method is what makes authorize_redirect send PKCE with S256.
                client_kwargs={
                    "scope": provider["scopes"],
                    "code_challenge_method": "S256",
                    "default_timeout": TIMEOUT,
                },
            )
        current = _clients = (key, time.monotonic(), registry)
    return current[2].create_client(name)


def clients_reset() -> None:
    """Forget the clients and what they fetched from the providers (tests restart providers)."""
    global _clients
    _clients = None


def callback_url(name: str) -> str:
    """The redirect URI registered with the provider: on the public address, not the request's."""
    return settings.SITE_URL + reverse("web:oidc_callback", args=[name])


def label(name: str) -> str:
    """What the pages call the provider: its button's text (OIDC_<USERS|STAFF>_LABEL)."""
    provider = provider_settings(name) or {}
    return provider.get("label") or _("Staff sign-in")


def buttons() -> list[dict[str, str]]:
    """The sign-in page's buttons, one per configured provider."""
    return [{"name": name, "label": label(name)} for name in settings.OIDC_PROVIDERS]


def may_record_national_id(*, viewer: User, client: User) -> bool:
    """Whether ``viewer`` may record ``client``'s national identity number: staff who may act for
    the person, and only while ID-porten is in use (a number nothing uses is not collected)."""
    return provider_settings("users") is not None and clients_manageable_by(actor=viewer).filter(pk=client.pk).exists()


def _fernet() -> Fernet:
    digest = salted_hmac("triangel.web.oidc.id_token", "session", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def remember(request: HttpRequest, name: str, user: User, id_token: str) -> None:
    """Note in the session which provider signed ``user`` in, and its ID token, which signing out
    sends back to the provider. An ID token of ID-porten's carries the national identity number,
    which Triangel never stores readable: the session holds it encrypted with a key derived from
    SECRET_KEY, and only until the person signs out.

    Staff may still owe Triangel's second factor, so the session may not be signed in yet: the
    note names the person, and counts only once the session is theirs."""
    request.session[SESSION_PROVIDER] = {"name": name, "user": user.pk}
    request.session[SESSION_ID_TOKEN] = _fernet().encrypt(id_token.encode()).decode()


def end_session_url(request: HttpRequest) -> str | None:
    """Where the browser goes once Triangel's own session has ended: the end-session endpoint of
    the provider that signed the person in, if it has one, with the ID token as a hint and the
    sign-in page to come back to. None for a session that did not come from a provider, or when
    the provider cannot be asked: the person is signed out of Triangel either way."""
    noted = request.session.get(SESSION_PROVIDER)
    if not isinstance(noted, dict) or noted.get("user") != request.user.pk:
        return None
    name = str(noted.get("name"))
    provider = provider_settings(name)
    client = client_for(name) if provider else None
    if client is None:
        return None
    try:
        id_token = _fernet().decrypt(str(request.session.get(SESSION_ID_TOKEN, "")).encode()).decode()
    except InvalidToken:  # SECRET_KEY changed since: the provider asks the person instead
        id_token = None
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (RequestException, ValueError) as exc:
        logger.warning("signing out at %s skipped: %s", name, type(exc).__name__)
        return None
    if not endpoint:
        return None
    return client.create_logout_url(
        post_logout_redirect_uri=settings.SITE_URL + reverse("web:login"),
        id_token_hint=id_token,
        client_id=provider["client_id"],
    )["url"]
