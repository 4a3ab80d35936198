"""OpenID Connect is configured by environment variables and off by default; settings refuse a
configuration that would sign people in unsafely, at start-up rather than at the first sign-in."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "a-pid-hash-key-that-is-long-enough-0123456789"
PRINT = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'providers': settings.OIDC_PROVIDERS, 'key': settings.PID_HASH_KEY, "
    "'form_action': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))"
)


def settings_with(**variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OIDC_", "PID_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_SECRET_KEY="s" * 50, **variables)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PRINT}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def loaded(**variables: str) -> dict:
    done = settings_with(**variables)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def refusal(**variables: str) -> str:
    done = settings_with(**variables)
    assert done.returncode != 0, done.stdout
    return done.stderr


def test_without_variables_no_provider_is_configured_and_forms_go_only_to_triangel():
    found = loaded()

    assert found["providers"] == {}
    assert found["key"] == ""
    assert found["form_action"] == ["'self'"]


def test_both_providers_with_their_defaults_and_their_origins_allowed_after_a_form():
    found = loaded(
        OIDC_USERS_ISSUER="https://idporten.example.no",
        OIDC_USERS_CLIENT_ID="triangel",
        OIDC_USERS_CLIENT_SECRET="users-secret",
        OIDC_STAFF_ISSUER="https://login.kommune.example.no/realms/ansatte",
        OIDC_STAFF_CLIENT_ID="triangel-staff",
        OIDC_STAFF_ROLE_GROUPS="coordinator=leaders, social_worker=workers",
        OIDC_EXTRA_FORM_ACTION="https://login.idporten.example.no",
        PID_HASH_KEY=KEY,
    )

    users, staff = found["providers"]["users"], found["providers"]["staff"]
    assert users["metadata_url"] == "https://idporten.example.no/.well-known/openid-configuration"
    assert (users["scopes"], users["label"], users["client_secret"]) == ("openid profile", "ID-porten", "users-secret")
    assert "mfa" in users["second_factor_amr"]
    assert "idporten-loa-high" in users["second_factor_acr"]
    assert staff["scopes"] == "openid profile email"
    assert staff["groups_claim"] == "groups"
    assert staff["role_groups"] == [["leaders", "coordinator"], ["workers", "social_worker"]]
    assert found["form_action"] == [
        "'self'",
        "https://idporten.example.no",
        "https://login.kommune.example.no",
        "https://login.idporten.example.no",
    ]


def test_the_users_provider_needs_the_pid_hash_key_in_production():
    stderr = refusal(OIDC_USERS_ISSUER="https://idporten.example.no", OIDC_USERS_CLIENT_ID="triangel")

    assert "PID_HASH_KEY must be set" in stderr


def test_a_short_pid_hash_key_is_refused():
    assert "at least 32 characters" in refusal(PID_HASH_KEY="short")


def test_a_provider_over_plain_http_is_refused_in_production():
    stderr = refusal(OIDC_STAFF_ISSUER="http://login.kommune.example.no", OIDC_STAFF_CLIENT_ID="triangel")

    assert "must be an https:// URL" in stderr


def test_a_provider_without_a_client_id_is_refused():
    assert "OIDC_STAFF_CLIENT_ID must be set" in refusal(OIDC_STAFF_ISSUER="https://login.kommune.example.no")


def test_a_role_mapping_to_a_role_that_is_not_staff_is_refused():
    stderr = refusal(
        OIDC_STAFF_ISSUER="https://login.kommune.example.no",
        OIDC_STAFF_CLIENT_ID="triangel",
        OIDC_STAFF_ROLE_GROUPS="service_user=everyone",
    )

    assert "OIDC_STAFF_ROLE_GROUPS names the role 'service_user'" in stderr


def test_in_development_a_local_key_stands_in_for_the_pid_hash_key():
    found = loaded(DJANGO_DEBUG="1", OIDC_USERS_ISSUER="http://127.0.0.1:9000", OIDC_USERS_CLIENT_ID="triangel")

    assert found["key"].startswith("triangel-development-only")
    assert found["form_action"] == ["'self'", "http://127.0.0.1:9000"]
