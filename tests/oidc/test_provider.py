"""The tests' identity provider holds to what Triangel's tests count on: PKCE with S256 is
required, a code works once and only with its verifier, and userinfo answers for the token."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.oidc.fixtures import Providers

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def users(oidc_test_providers: Providers):
    provider = oidc_test_providers.users
    provider.reset(SITE)
    provider.sign_in_as(sub="sub-1", pid="01019012480", name="Anna Berg")
    return provider


def authorize_url(provider, **params: str) -> str:
    query = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": f"{SITE}/login/oidc/users/callback/",
        "scope": "openid profile",
        "state": "s",
        "nonce": secrets.token_urlsafe(16),
        **params,
    }
    return f"{provider.issuer}/authorize?{urlencode(query)}"


def challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def code_from(provider, verifier: str) -> str:
    answer = httpx.post(authorize_url(provider, code_challenge=challenge_of(verifier), code_challenge_method="S256"))
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


def exchange(provider, code: str, verifier: str) -> httpx.Response:
    return httpx.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": f"{SITE}/login/oidc/users/callback/",
            "code_verifier": verifier,
        },
        auth=(provider.client_id, provider.client_secret),
    )


def test_an_authorization_without_pkce_or_with_plain_pkce_is_refused(users):
    assert httpx.get(authorize_url(users)).status_code == 400
    assert httpx.get(authorize_url(users, code_challenge="x" * 43, code_challenge_method="plain")).status_code == 400


def test_a_code_works_once_and_only_with_its_verifier(users):
    verifier = secrets.token_urlsafe(48)
    code = code_from(users, verifier)

    assert exchange(users, code, "wrong-" + verifier).json()["error"] == "invalid_grant"
    first = exchange(users, code, verifier)
    assert first.status_code == 200
    assert "id_token" in first.json()
    assert exchange(users, code, verifier).json()["error"] == "invalid_grant"


def test_userinfo_answers_with_the_claims_for_the_access_token(users):
    verifier = secrets.token_urlsafe(48)
    token = exchange(users, code_from(users, verifier), verifier).json()["access_token"]

    claims = httpx.get(f"{users.issuer}/userinfo", headers={"Authorization": f"Bearer {token}"}).json()

    assert (claims["sub"], claims["pid"]) == ("sub-1", "01019012480")
    assert httpx.get(f"{users.issuer}/userinfo").status_code == 401
