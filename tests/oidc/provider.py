"""A real OpenID Connect provider for the tests, run as a second process on 127.0.0.1:

    python -m tests.oidc.provider --port 8765 --config '{"clients": [{"client_id": …}]}'

Built with Authlib's server side (the library Triangel's client is built with) on Flask, with
everything in memory: an RS256 key made at start; discovery, JWKS, authorize (a page with a
"Sign in" button for the user the test has set, so a browser clicks it and a test's HTTP client
posts it), token (a code works once: used again, invalid_grant), userinfo and end_session (which
notes the logout and sends the browser back to the client). PKCE with S256 and a nonce are
required, as ID-porten requires them.

Control endpoints, for the tests only: ``POST /test/reset`` (clients, and forget everything),
``POST /test/user`` (the claims of whoever signs in next: sub, pid, email, groups, amr, acr…;
``id_token_extra`` makes the next ID token lie, e.g. another nonce or issuer) and
``GET /test/events`` (what happened: authorizations, tokens, logouts).
"""

import argparse
import hmac
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Error, TokenMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo, UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, Response, jsonify, request
from joserfc.jwk import RSAKey
from markupsafe import escape
from werkzeug.serving import make_server

TOKEN_LIFETIME = 3600


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)

    @property
    def client_metadata(self) -> dict:
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post") if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    claims: dict
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.claims.get("acr")

    def get_amr(self) -> list[str] | None:
        return self.claims.get("amr")


@dataclass
class Token(TokenMixin):
    access_token: str
    client: Client
    claims: dict
    scope: str
    issued_at: float

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return TOKEN_LIFETIME

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + TOKEN_LIFETIME

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> dict:
        return self.claims

    def get_client(self) -> Client:
        return self.client


class Provider:
    """Everything the provider holds, in memory, behind one lock."""

    def __init__(self, issuer: str, clients: list[dict]) -> None:
        self.issuer = issuer
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"test-{int(time.time())}", "use": "sig"})
        self.lock = threading.RLock()
        self.reset(clients)

    def reset(self, clients: list[dict]) -> None:
        with self.lock:
            self.clients = {c["client_id"]: Client(**c) for c in clients}
            self.codes: dict[str, Code] = {}
            self.tokens: dict[str, Token] = {}
            self.user: dict | None = None
            self.id_token_extra: dict = {}
            self.events: list[dict] = []

    def note(self, event: str, **details: Any) -> None:
        with self.lock:
            self.events.append({"event": event, **details})

    def public_jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False, alg="RS256")]}


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        provider: Provider = self.server.provider
        with provider.lock:
            provider.codes[code] = Code(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                claims=dict(request.user),
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=int(time.time()),
            )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        found = self.server.provider.codes.get(code)
        return found if found and found.client_id == client.client_id else None

    def delete_authorization_code(self, authorization_code: Code) -> None:
        # Deleted as the token is issued: the same code again is an invalid_grant.
        self.server.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: Code) -> dict:
        return authorization_code.claims


class OpenID(OpenIDCode):
    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return any(code.nonce == nonce for code in self.provider.codes.values())

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.key

    def get_client_claims(self, client: Client) -> dict:
        return {"iss": self.provider.issuer, "aud": [client.client_id]}

    def get_encode_header(self, client: Client) -> dict:
        return {"alg": "RS256", "kid": self.provider.key.kid}

    def generate_user_info(self, user: dict, scope: str) -> UserInfo:
        # Every claim of the user goes into the ID token (ID-porten puts pid there too); then
        # whatever the test wants this one token to lie about.
        with self.provider.lock:
            extra, self.provider.id_token_extra = self.provider.id_token_extra, {}
        claims = {k: v for k, v in user.items() if k not in ("amr", "acr")}
        return UserInfo({**claims, **extra})


class BearerValidator(BearerTokenValidator):
    def __init__(self, provider: Provider) -> None:
        super().__init__()
        self.provider = provider

    def authenticate_token(self, token_string: str) -> Token | None:
        return self.provider.tokens.get(token_string)


class UserInfoAnswer(UserInfoEndpoint):
    def generate_user_info(self, user: dict, scope: str) -> UserInfo:
        return UserInfo(user)

    def get_issuer(self) -> str:
        return self.server.provider.issuer


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> dict:
        return self.server.provider.public_jwks()

    def end_session(self, end_session_request: Any) -> None:
        claims = end_session_request.id_token_claims or {}
        data = end_session_request.request.payload.data
        self.server.provider.note(
            "logout",
            sub=claims.get("sub"),
            client_id=data.get("client_id"),
            state=data.get("state"),
            post_logout_redirect_uri=end_session_request.redirect_uri,
        )


def create_app(issuer: str, clients: list[dict]) -> Flask:
    app = Flask(__name__)
    provider = Provider(issuer, clients)

    def save_token(token: dict, oauth_request: Any) -> None:
        with provider.lock:
            provider.tokens[token["access_token"]] = Token(
                access_token=token["access_token"],
                client=oauth_request.client,
                claims=oauth_request.user,
                scope=token.get("scope", ""),
                issued_at=time.time(),
            )

    # The clients are looked up at each request: a reset replaces them.
    server = AuthorizationServer(app, query_client=lambda cid: provider.clients.get(cid), save_token=save_token)
    server.provider = provider
    server.register_grant(CodeGrant, [CodeChallenge(required=True), OpenID(provider)])
    protector = ResourceProtector()
    protector.register_token_validator(BearerValidator(provider))
    server.register_endpoint(UserInfoAnswer(resource_protector=protector))
    server.register_endpoint(EndSession)
    _routes(app, server, provider)
    _test_routes(app, provider)
    return app


def _routes(app: Flask, server: AuthorizationServer, provider: Provider) -> None:
    @app.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify(
            issuer=provider.issuer,
            authorization_endpoint=f"{provider.issuer}/authorize",
            token_endpoint=f"{provider.issuer}/token",
            userinfo_endpoint=f"{provider.issuer}/userinfo",
            jwks_uri=f"{provider.issuer}/jwks",
            end_session_endpoint=f"{provider.issuer}/logout",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            scopes_supported=["openid", "profile", "email"],
        )

    @app.get("/jwks")
    def jwks() -> Response:
        return jsonify(provider.public_jwks())

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize() -> Response:
        if request.values.get("code_challenge_method") != "S256" or not request.values.get("code_challenge"):
            return Response("PKCE with S256 is required", status=400)
        if provider.user is None:
            return Response("No user is set: POST /test/user first", status=400)
        try:
            grant = server.get_consent_grant(end_user=provider.user)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        client_id = request.values.get("client_id")
        if request.method == "GET":
            name = escape(provider.user.get("name") or provider.user.get("sub"))
            return Response(
                '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head>'
                f"<body><main><h1>Test identity provider</h1><p>{escape(client_id)} asks who you are: {name}.</p>"
                '<form method="post"><button type="submit">Sign in</button></form></main></body></html>'
            )
        provider.note(
            "authorize",
            client_id=client_id,
            scope=request.values.get("scope"),
            code_challenge_method=request.values.get("code_challenge_method"),
            ui_locales=request.values.get("ui_locales"),
        )
        return server.create_authorization_response(grant=grant, grant_user=provider.user)

    @app.post("/token")
    def token() -> Response:
        response = server.create_token_response()
        answer = response.get_json(silent=True) or {}
        provider.note("token", status=response.status_code, error=answer.get("error"))
        return response

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> Response:
        return server.create_endpoint_response("userinfo")

    @app.route("/logout", methods=["GET", "POST"])
    def logout() -> Response:
        answer = server.create_endpoint_response("end_session")
        return answer or Response("<!doctype html><title>Signed out</title><p>You are signed out.</p>")


def _test_routes(app: Flask, provider: Provider) -> None:
    @app.post("/test/reset")
    def reset() -> Response:
        provider.reset((request.get_json() or {}).get("clients", []))
        return jsonify(ok=True)

    @app.post("/test/user")
    def user() -> Response:
        claims = dict(request.get_json() or {})
        with provider.lock:
            provider.id_token_extra = claims.pop("id_token_extra", {})
            provider.user = claims
        return jsonify(ok=True)

    @app.get("/test/events")
    def events() -> Response:
        with provider.lock:
            return jsonify(list(provider.events))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--config", default="{}", help='JSON: {"issuer"?: …, "clients": [...]}')
    args = parser.parse_args(argv)
    config = json.loads(args.config)
    # Plain HTTP on the loopback address, for the tests only: Authlib's server refuses it otherwise.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    issuer = config.get("issuer") or f"http://127.0.0.1:{args.port}"
    server = make_server("127.0.0.1", args.port, create_app(issuer, config.get("clients", [])), threaded=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
