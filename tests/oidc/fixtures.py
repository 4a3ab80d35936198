"""Fixtures for signing in through OpenID Connect (imported by tests/conftest.py).

``oidc_test_providers`` starts two real providers (tests/oidc/provider.py), "users" standing
in for ID-porten and "staff" for the municipality's, each a process of its own on a free port
of 127.0.0.1, once per test session. ``oidc`` points a test's settings at them, each with a
client registered for the test's site, and resets them, so every test starts with a provider
that has issued nothing. Triangel's clients are built from the settings (``web.oidc``), so
changing them is all it takes.
"""

import copy
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from csp.constants import SELF
from pytest_django.fixtures import Settings

from config import oidc as oidc_config
from web import oidc as web_oidc

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30


@dataclass
class TestProvider:
    """One provider process, and what a test does with it."""

    name: str
    port: int
    process: subprocess.Popen
    log: Path

    __test__ = False  # not a test class, whatever its name says

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def client_id(self) -> str:
        return f"triangel-{self.name}"

    @property
    def client_secret(self) -> str:
        return f"secret-of-triangel-{self.name}"

    def sign_in_as(self, **claims: object) -> None:
        """Whoever signs in next: ``sub``, ``pid``, ``email``, ``groups``, ``amr``, ``acr``…;
        ``id_token_extra`` makes the next ID token carry other claims (another nonce…)."""
        httpx.post(f"{self.issuer}/test/user", json=claims, timeout=10).raise_for_status()

    def events(self, kind: str | None = None) -> list[dict]:
        found = httpx.get(f"{self.issuer}/test/events", timeout=10).json()
        return [e for e in found if kind is None or e["event"] == kind]

    def reset(self, site: str) -> None:
        client = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": [f"{site}/login/oidc/{self.name}/callback/"],
            "post_logout_redirect_uris": [f"{site}/login/"],
        }
        httpx.post(f"{self.issuer}/test/reset", json={"clients": [client]}, timeout=10).raise_for_status()

    def settings_entry(self) -> dict:
        """This provider as config.oidc would read it from the environment."""
        entry = {
            "issuer": self.issuer,
            "metadata_url": f"{self.issuer}/.well-known/openid-configuration",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scopes": "openid profile" if self.name == "users" else "openid profile email",
            "label": "ID-porten" if self.name == "users" else "",
            "second_factor_amr": oidc_config.SECOND_FACTOR_AMR,
            "second_factor_acr": oidc_config.SECOND_FACTOR_ACR,
        }
        if self.name == "staff":
            entry.update(groups_claim="groups", role_groups=[])
        return entry


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(name: str, log_dir: Path) -> TestProvider:
    port = free_port()
    log = log_dir / f"provider-{name}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc.provider", "--port", str(port)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return TestProvider(name=name, port=port, process=process, log=log)


def _wait_until_ready(provider: TestProvider) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            break
        try:
            if httpx.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    provider.process.kill()
    pytest.fail(f"the {provider.name} test provider did not start:\n{provider.log.read_text()}")


def _stop(provider: TestProvider) -> None:
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait(timeout=10)


@dataclass
class Providers:
    users: TestProvider
    staff: TestProvider


@pytest.fixture(scope="session")
def oidc_test_providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Providers]:
    log_dir = tmp_path_factory.mktemp("oidc")
    started = [_start("users", log_dir), _start("staff", log_dir)]
    try:
        for provider in started:
            _wait_until_ready(provider)
        yield Providers(users=started[0], staff=started[1])
    finally:
        for provider in started:
            _stop(provider)


@pytest.fixture
def oidc_site(settings: Settings) -> str:
    """The site the providers send people back to (a browser test's live server overrides it)."""
    return settings.SITE_URL


@pytest.fixture
def oidc(settings: Settings, oidc_test_providers: Providers, oidc_site: str) -> Iterator[Providers]:
    """Triangel configured with both test providers, each reset with a client for ``oidc_site``."""
    providers = {"users": oidc_test_providers.users, "staff": oidc_test_providers.staff}
    for provider in providers.values():
        provider.reset(oidc_site)
    settings.OIDC_PROVIDERS = {name: provider.settings_entry() for name, provider in providers.items()}
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [SELF, *oidc_config.form_action_origins(settings.OIDC_PROVIDERS)]
    settings.CONTENT_SECURITY_POLICY = policy
    yield oidc_test_providers
    web_oidc.clients_reset()
