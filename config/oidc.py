"""The OpenID Connect settings, read from the environment (the block "OpenID Connect" at the end of
``config.settings`` calls these; README's configuration table lists the variables).

Two providers: ``users`` (ID-porten, for service users) and ``staff`` (the municipality's own,
Entra ID or Keycloak). Each is off until its ``OIDC_<USERS|STAFF>_ISSUER`` is set; its endpoints
and keys come from ``<issuer>/.well-known/openid-configuration``. ``web.oidc`` builds Authlib's
clients from the result, and ``people.oidc`` decides who the ID token names.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_list, env_origins, env_pairs, env_str

STAFF_ROLES = ("social_worker", "peer", "coordinator")
# Values of the ID token's amr (any of them) or acr that show the provider checked a second
# factor. ID-porten's two levels both take two factors (MinID, BankID); Entra ID and Keycloak
# say "mfa", "otp" and the like in amr.
SECOND_FACTOR_AMR = ["mfa", "otp", "hwk", "swk", "sms", "pop"]
SECOND_FACTOR_ACR = ["idporten-loa-substantial", "idporten-loa-high", "Level3", "Level4"]
DEVELOPMENT_PID_HASH_KEY = "triangel-development-only-pid-hash-key-not-for-production"


def providers_from_env(*, debug: bool) -> dict[str, dict]:
    """``OIDC_PROVIDERS``: {"users": {...}, "staff": {...}}, holding only the configured ones."""
    factors = {
        "second_factor_amr": env_list("OIDC_SECOND_FACTOR_AMR", SECOND_FACTOR_AMR),
        "second_factor_acr": env_list("OIDC_SECOND_FACTOR_ACR", SECOND_FACTOR_ACR),
    }
    providers = {}
    if users := _provider("USERS", debug=debug, scopes="openid profile", label="ID-porten"):
        providers["users"] = users | factors
    if staff := _provider("STAFF", debug=debug, scopes="openid profile email", label=""):
        providers["staff"] = staff | factors | _staff_roles()
    return providers


def _provider(prefix: str, *, debug: bool, scopes: str, label: str) -> dict | None:
    issuer = env_str(f"OIDC_{prefix}_ISSUER").strip()
    if not issuer:
        return None
    # Codes, tokens and the client secret travel to the provider: only over HTTPS, but for a
    # provider on this machine in development and the tests.
    if not issuer.startswith("https://") and not debug:
        raise ImproperlyConfigured(f"OIDC_{prefix}_ISSUER must be an https:// URL, got {issuer!r}")
    client_id = env_str(f"OIDC_{prefix}_CLIENT_ID").strip()
    if not client_id:
        raise ImproperlyConfigured(f"OIDC_{prefix}_CLIENT_ID must be set when OIDC_{prefix}_ISSUER is")
    scope_list = env_str(f"OIDC_{prefix}_SCOPES", scopes).split()
    if "openid" not in scope_list:
        raise ImproperlyConfigured(f"OIDC_{prefix}_SCOPES must include openid, got {scope_list!r}")
    return {
        "issuer": issuer,
        "metadata_url": issuer.rstrip("/") + "/.well-known/openid-configuration",
        "client_id": client_id,
        "client_secret": env_str(f"OIDC_{prefix}_CLIENT_SECRET"),
        "scopes": " ".join(scope_list),
        # The button's text; empty, the page says "Staff sign-in" in the reader's language.
        "label": env_str(f"OIDC_{prefix}_LABEL", label).strip(),
    }


def _staff_roles() -> dict:
    # A value of the groups claim gives a member of staff a role, the first written that matches
    # ("coordinator=<group>,social_worker=<group>"); unset, roles stay as Triangel has them.
    role_groups = [[group, role] for role, group in env_pairs("OIDC_STAFF_ROLE_GROUPS")]
    for _group, role in role_groups:
        if role not in STAFF_ROLES:
            raise ImproperlyConfigured(
                f"OIDC_STAFF_ROLE_GROUPS names the role {role!r}; the staff roles are {', '.join(STAFF_ROLES)}"
            )
    return {"groups_claim": env_str("OIDC_STAFF_GROUPS_CLAIM", "groups").strip(), "role_groups": role_groups}


def pid_hash_key_from_env(*, debug: bool, users_on: bool) -> str:
    """``PID_HASH_KEY``: the key of the keyed hash (HMAC-SHA256) that stands for a person's
    national identity number (``people.oidc``); the number itself is never stored.

    There are few enough numbers to try them all, so the key is what keeps a copy of the
    database from naming people: keep it apart from the database and its backups, and never
    change it (every recorded number would stop matching). Required for ID-porten in production;
    a development key stands in when DJANGO_DEBUG is on."""
    key = env_str("PID_HASH_KEY")
    if key and len(key) < 32:
        raise ImproperlyConfigured("PID_HASH_KEY must be at least 32 characters (a random one)")
    if not key and users_on and not debug:
        raise ImproperlyConfigured("PID_HASH_KEY must be set when OIDC_USERS_ISSUER is and DJANGO_DEBUG is off")
    return key or (DEVELOPMENT_PID_HASH_KEY if debug else "")


def form_action_origins(providers: dict[str, dict]) -> list[str]:
    """Origins besides Triangel's own that a form's answer may redirect to: signing out is a form
    whose answer redirects to the provider's end-session endpoint, and Chromium applies
    form-action to that redirect too. The issuers' origins, and OIDC_EXTRA_FORM_ACTION for a
    provider whose endpoints live on another host (ID-porten's issuer is idporten.no, its
    end-session endpoint on login.idporten.no)."""
    issuers = sorted({"/".join(provider["issuer"].split("/")[:3]) for provider in providers.values()})
    return [*issuers, *env_origins("OIDC_EXTRA_FORM_ACTION")]
