"""Headers a municipality's security review looks for: a strict Content-Security-Policy on
every answer, HSTS and the redirect to HTTPS when cookies are secure, and no caching of any
page or API answer that carries personal data."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        if part.strip():
            name, *values = part.split()
            parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", ["/login/", "/api/schema/", "/api/docs/", "/health/", "/admin/login/"])
def test_every_answer_has_a_strict_content_security_policy(db, client, path):
    csp = directives(client.get(path))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    everything = " ".join(" ".join(values) for values in csp.values())
    assert "'unsafe-inline'" not in everything
    assert "'unsafe-eval'" not in everything


def test_pages_carry_no_inline_script_for_the_policy_to_block(world, client):
    """The policy refuses inline script, so the pages must not need any (htmx included)."""
    import re

    client.force_login(world.client)
    for path in ("/my-day/", "/details/", "/book/"):
        html = client.get(path).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", html), path
        assert "style=" not in html, path
    client.force_login(world.worker)
    html = client.get("/today/").content.decode()
    assert '"includeIndicatorStyles":false' in html.replace(" ", "")


def test_the_api_documentation_runs_without_inline_script(db, client):
    import re

    html = client.get("/api/docs/").content.decode()
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("client", "/my-day/"),
        ("client", "/details/"),
        ("client", "/details/access-log/"),
        ("client", "/api/me/"),
        ("client", "/api/appointments/"),
        ("client", "/api/me/export/"),
        ("worker", "/today/"),
        ("worker", "/calendar/"),
        ("worker", "/api/reminder-plans/?user={client}"),
    ],
)
def test_personal_pages_and_api_answers_are_never_cached(world, api, who, path):
    person = getattr(world, who)
    path = path.format(client=world.client.pk)
    if path.startswith("/api/"):
        response = api.as_(person).get(path)
    else:
        browser = Client()
        browser.force_login(person)
        response = browser.get(path)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_errors_and_redirects_are_not_cached_either(world, api, client):
    assert "no-store" in api.as_(world.client).get("/api/appointments/999999/").headers["Cache-Control"]
    assert "no-store" in client.get("/my-day/").headers["Cache-Control"]


def test_the_calendar_feed_is_not_kept_by_caches_between(world, api):
    link = api.as_(world.worker).get("/api/me/").json()["calendar_feed_url"]
    response = Client().get(link.split("testserver")[-1])
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_may_be_cached(db, client):
    response = client.get("/static/web/app.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")


@override_settings(
    SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True, SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000
)
def test_with_secure_cookies_http_is_redirected_and_https_gets_hsts(db):
    assert Client().get("/login/").status_code == 301
    response = Client().get("/login/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_deploy_check_is_clean_with_production_settings(tmp_path):
    """``manage.py check --deploy`` with DJANGO_DEBUG=0, a 50-character secret key and
    DJANGO_ALLOWED_HOSTS=example.org, everything else at its default: no warnings."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 20 + "Zr8-q2!vX0pL4mN7bC1dF6gH9jK3sT5wY",
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr
