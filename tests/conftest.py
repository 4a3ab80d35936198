"""Shared personas and fixtures.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL is set.
Tests marked ``postgres`` need PostgreSQL features (exclusion constraints, real
row locks, concurrent connections) and are skipped only when no DATABASE_URL is
set; with TRIANGEL_FAIL_ON_SKIP=1 (as CI sets it) any skip fails the run.
"""

import os
from dataclasses import dataclass
from datetime import time

import pytest
from django.db import connection
from rest_framework.test import APIClient

from booking.models import Calendar, MeetingType
from people.models import Unit, User
from tests import factories as f
from tests.conversations.live_fixtures import live_cache, no_live_cache  # noqa: F401  (fixtures for every test)
from tests.external_calendars.fixtures import (  # noqa: F401  (fixtures for every test)
    _ics_http,
    caldav_calendar,
    ics_server,
    radicale,
)
from tests.fuzz_report import FUZZ_TALLY
from tests.oidc.fixtures import oidc, oidc_site, oidc_test_providers  # noqa: F401  (fixtures for every test)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("TRIANGEL_FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"TRIANGEL_FAIL_ON_SKIP: {len(skipped)} test(s) were skipped; CI needs every test to run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The figures of the schema fuzzing, when it ran (tests/test_api_schema_fuzz.py)."""
    tally = terminalreporter.config.stash.get(FUZZ_TALLY, None)
    if tally is not None and tally.calls:
        terminalreporter.write_line(f"schemathesis: {tally.summary()}")


@pytest.fixture(autouse=True, scope="session")
def _force_login_counts_as_second_factor() -> None:
    """``Client.force_login`` skips signing in, the second factor included: mark the session as
    having shown one, as ``web.sign_in`` does, or staff pages would sign the test's staff out.
    The tests of the second factor sign in through the pages instead."""
    from django.test import Client

    from web.sign_in import SECOND_FACTOR

    original = Client._login

    def _login(self: Client, user: User, backend: str | None = None) -> None:
        original(self, user, backend)
        session = self.session
        session[SECOND_FACTOR] = "test"
        session.save()

    Client._login = _login


@pytest.fixture(autouse=True)
def _empty_caches() -> None:
    """Cached free times belong to one test's database, and sign-in limits to one test."""
    from django.core.cache import caches

    caches["slots"].clear()
    caches["limits"].clear()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class World:
    """The co-production triangle and its neighbours, as most tests need them."""

    unit: Unit
    worker: User
    calendar: Calendar
    meeting_type: MeetingType
    client: User
    other_worker: User
    other_calendar: Calendar
    other_meeting_type: MeetingType
    other_client: User
    peer: User
    peer_calendar: Calendar
    peer_meeting_type: MeetingType
    coordinator: User


@pytest.fixture
def world(db: None) -> World:
    unit = f.make_unit("Sentrum")
    worker = f.make_person(User.Role.SOCIAL_WORKER, unit, "worker", first_name="Kari", last_name="Nordmann")
    calendar = f.make_calendar(worker)
    meeting_type = f.make_meeting_type(calendar)
    client = f.make_person(User.Role.SERVICE_USER, unit, "client", phone="+4740000001", first_name="Anna")
    f.follow(worker, client)

    other_worker = f.make_person(User.Role.SOCIAL_WORKER, unit, "otherworker")
    other_calendar = f.make_calendar(other_worker)
    other_meeting_type = f.make_meeting_type(other_calendar)
    other_client = f.make_person(User.Role.SERVICE_USER, unit, "otherclient")
    f.follow(other_worker, other_client)

    peer = f.make_person(User.Role.PEER, unit, "peer")
    peer_calendar = f.make_calendar(peer, weekdays=range(1, 4))
    peer_meeting_type = f.make_meeting_type(
        peer_calendar, name="Kaffe og en prat", duration_minutes=60, audience=MeetingType.Audience.UNIT
    )
    coordinator = f.make_person(User.Role.COORDINATOR, unit, "coordinator")
    return World(
        unit=unit,
        worker=worker,
        calendar=calendar,
        meeting_type=meeting_type,
        client=client,
        other_worker=other_worker,
        other_calendar=other_calendar,
        other_meeting_type=other_meeting_type,
        other_client=other_client,
        peer=peer,
        peer_calendar=peer_calendar,
        peer_meeting_type=peer_meeting_type,
        coordinator=coordinator,
    )


@pytest.fixture
def api() -> "ApiFactory":
    return ApiFactory()


class ApiFactory:
    """``api.as_(user)`` gives an API client signed in as that person (a token of their own,
    issued as ``/api/auth/token/`` issues it)."""

    def as_(self, user: User) -> APIClient:
        from people.services import api_token_issue

        client = APIClient()
        _token, secret = api_token_issue(user=user, label="tests")
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    def anonymous(self) -> APIClient:
        return APIClient()


@pytest.fixture
def no_quiet_hours(monkeypatch: pytest.MonkeyPatch, db: None) -> None:
    """Nobody has quiet hours during the test (an empty window, start = end), nor do supporters.

    For tests of sending through real processes (a Celery worker, an SMTP or SMS server), where
    the clock cannot be set: without this they would wait for the morning when run in the
    evening or at night, Oslo time. Tests of quiet hours set their own and give ``now``."""
    from reminders.models import ReminderPreferences
    from reminders.services import supporters

    midnight = time(0, 0)
    for name in ("quiet_start", "quiet_end"):
        monkeypatch.setattr(ReminderPreferences._meta.get_field(name), "default", midnight)
    monkeypatch.setattr(supporters, "SUPPORTER_QUIET", (midnight, midnight))
    ReminderPreferences.objects.update(quiet_start=midnight, quiet_end=midnight)
