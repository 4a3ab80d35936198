"""A real crash: a Celery worker is SIGKILLed in the middle of a burst of due reminders.

Thousands of committed delivery rows are sent by a real worker (threads pool, embedded
beat) through the HTTP backend to a local gateway that honours idempotency keys. The
whole process group is killed with SIGKILL once a few hundred have gone out, and a new
worker is started. Every reminder must end up sent, each delivered exactly once: a
reminder that was in flight at the crash is posted again with the same idempotency key,
and the gateway recognises the repeat instead of texting the person a second time.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from messaging.models import Channel, Delivery
from people.models import PhoneNumber, User
from reminders.models import MessageKind
from tests.reminders.gateway import Gateway

ROWS = 2400
PEOPLE = 300
# The crash comes after this many deliveries: well into the burst, far from its end.
KILL_AFTER = 300
# Per-answer provider latency; it also keeps the burst long enough to be interrupted.
GATEWAY_LATENCY = 0.005
# A Redis database of its own, flushed before each run, so no earlier run's messages interfere.
REDIS_URL = os.environ.get("TRIANGEL_CRASH_REDIS_URL", "redis://127.0.0.1:6379/7")
# Worker output stays short: only warnings (the sweeper reports what it returned) and errors.
WORKER_ARGS = ["-m", "celery", "-A", "config", "worker", "--pool", "threads", "--concurrency", "8", "-B"]
WORKER_ARGS += ["--loglevel", "WARNING"]

RECOVERY_TIMEOUT = 120.0
START_TIMEOUT = 60.0


def _wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _redis() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2)


def _test_database_url() -> str:
    """The database this test writes to (pytest-django's test_<name>), for the worker."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


def _worker_env(var_dir: Path, gateway_url: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CELERY_", "REMINDERS_"))}
    env.update(
        {
            # config.settings as production runs it, not the test overlay (which is eager).
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "SMS_BACKEND": "http",
            "SMS_HTTP_URL": gateway_url,
            "SMS_HTTP_TOKEN": "",
            # A short lease, so the sweeper recovers the rows of the dead worker quickly.
            "REMINDERS_LEASE_SECONDS": "5",
            "REMINDERS_DISPATCH_EVERY": "1",
            # Beat's schedule file lives here: private to this run.
            "TRIANGEL_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class WorkerProcess:
    """``celery worker -B`` in a session of its own, so the worker and its embedded beat
    process can be killed together."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.crashed = False

    def start(self) -> "WorkerProcess":
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, *WORKER_ARGS, "--hostname", f"{self.name}@%h"],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def crash(self) -> None:
        """SIGKILL the whole process group: no shutdown, no acknowledgements, no cleanup."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.crashed = True

    def stop(self) -> None:
        """Warm shutdown, then SIGKILL for whatever is left of the group."""
        if self.proc is None or self.crashed:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=20)
        # The embedded beat process may outlive the worker; the group holds them both.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    with Gateway(latency=GATEWAY_LATENCY, log_path=tmp_path / "gateway.jsonl") as gw:
        yield gw


@pytest.fixture
def broker() -> Iterator[None]:
    client = _redis()
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")
    client.flushdb()
    yield
    # Tasks the killed worker had taken stay unacknowledged in Redis; leave nothing behind.
    client.flushdb()
    client.close()


def _make_due_deliveries() -> dict[str, str]:
    """Commit ROWS due SMS reminders for PEOPLE service users; returns key → phone number."""
    now = timezone.now()
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"crash{i}", password=password, role=User.Role.SERVICE_USER, first_name=f"P{i}")
            for i in range(PEOPLE)
        ]
    )
    phones = PhoneNumber.objects.bulk_create(
        [PhoneNumber(user=user, number=f"+4791{i:06d}", is_active=True) for i, user in enumerate(users)]
    )
    rows = Delivery.objects.bulk_create(
        [
            Delivery(
                recipient=users[i % PEOPLE],
                kind=MessageKind.MEDICATION,
                channel=Channel.SMS,
                occurrence_at=now,
                due_at=now,
                expires_at=now + timedelta(days=1),
                dedupe_key=f"crash-test:{i}",
                context={"title": "Medisin", "dose": ""},
            )
            for i in range(ROWS)
        ],
        batch_size=1000,
    )
    return {str(row.idempotency_key): str(phones[i % PEOPLE].number) for i, row in enumerate(rows)}


def _status_counts() -> dict[str, int]:
    return dict(Counter(Delivery.objects.values_list("status", flat=True)))


def _wait_for_worker_connections_to_close() -> None:
    """The killed worker's database sessions must be gone before pytest-django flushes and
    drops the test database. PostgreSQL ends them once it notices the dead sockets."""
    name = connection.settings_dict["NAME"]
    sql = "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"

    def others() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [name])
            return [pid for (pid,) in cursor.fetchall()]

    if _wait_for(lambda: not others(), timeout=10, interval=0.2):
        return
    # Sessions of this private test database can only belong to the workers started here.
    with connection.cursor() as cursor:
        for pid in others():
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_burst_every_reminder_delivered_exactly_once(
    tmp_path: Path, gateway: Gateway, broker: None
) -> None:
    phone_of = _make_due_deliveries()
    assert len(phone_of) == ROWS

    # Settings create TRIANGEL_VAR_DIR only for SQLite; beat needs it for its schedule file.
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    env = _worker_env(var_dir, gateway.url)
    first = WorkerProcess("crash-first", env, tmp_path / "worker-first.log")
    second = WorkerProcess("crash-second", env, tmp_path / "worker-second.log")
    started = time.monotonic()
    try:
        first.start()
        reached = _wait_for(lambda: gateway.stats().delivered >= KILL_AFTER or not first.running(), START_TIMEOUT)
        assert first.running(), f"the first worker exited on its own:\n{first.tail()}"
        assert reached, f"only {gateway.stats().delivered} delivered in {START_TIMEOUT:.0f} s:\n{first.tail()}"

        first.crash()
        at_kill = gateway.stats()
        killed_after = time.monotonic() - started
        statuses_at_kill = _status_counts()
        assert at_kill.delivered < ROWS, "the burst ended before the crash; nothing was interrupted"

        # Nothing of the first worker may still be posting once it is dead.
        time.sleep(1.0)
        assert gateway.stats().posts == at_kill.posts, "the killed worker is still sending"

        second.start()
        done = _wait_for(
            lambda: not Delivery.objects.exclude(status=Delivery.Status.SENT).exists() or not second.running(),
            RECOVERY_TIMEOUT,
            interval=0.5,
        )
        recovered_after = time.monotonic() - started
        assert second.running(), f"the second worker exited on its own:\n{second.tail()}"
        unsent = Delivery.objects.exclude(status=Delivery.Status.SENT)
        assert done, (
            f"not all sent within {RECOVERY_TIMEOUT:.0f} s: {_status_counts()}, "
            f"errors {Counter(unsent.values_list('last_error', flat=True))}:\n{second.tail()}"
        )
    finally:
        first.stop()
        second.stop()
        _wait_for_worker_connections_to_close()

    stats = gateway.stats()
    posts = gateway.posts()
    delivered_ids = gateway.delivered_ids()
    rows = dict(Delivery.objects.values_list("idempotency_key", "provider_message_id"))
    row_ids = {str(key): provider_id for key, provider_id in rows.items()}

    # A repeat is expected only for a key the killed worker had posted: it died between the
    # provider's answer and recording it. Any other repeat means a live task posted a row
    # that another claim owned.
    posted_before_kill = {post.key for post in posts[: at_kill.posts]}
    repeats = [post.key for post in posts if post.outcome == "repeat"]
    crash_repeats = sum(1 for key in repeats if key in posted_before_kill)
    sweeps = [
        line
        for worker in (first, second)
        for line in worker.log_path.read_text(errors="replace").splitlines()
        if "lease expired" in line
    ]
    print(
        f"\ncrash test: {ROWS} rows, killed after {killed_after:.1f} s with {at_kill.delivered} delivered "
        f"(rows then: {statuses_at_kill}); all sent after {recovered_after:.1f} s.\n"
        f"gateway: posts={stats.posts} delivered={stats.delivered} repeated keys={stats.repeated} "
        f"refused={stats.refused}; repeats of keys posted before the kill: {crash_repeats}, "
        f"of others: {len(repeats) - crash_repeats}; sweeper runs that returned rows: {len(sweeps)}"
    )

    assert _status_counts() == {Delivery.Status.SENT: ROWS}
    assert stats.refused == 0
    assert stats.unkeyed == 0
    # Exactly one delivery per row, under the row's own key.
    assert stats.delivered == ROWS
    assert set(delivered_ids) == set(row_ids)
    deliveries_per_key = Counter(post.key for post in posts if post.outcome == "delivered")
    assert max(deliveries_per_key.values()) == 1
    # Every POST (repeats included) was about one of our rows, to that person's number,
    # with the body reference matching the header.
    assert all(post.key in phone_of and post.to == phone_of[post.key] for post in posts)
    assert all(post.reference == post.key for post in posts)
    assert stats.posts == stats.delivered + stats.repeated
    # Each row records the message id the provider gave its key.
    assert row_ids == delivered_ids
    # The only re-posts are the rows the killed worker had posted but not yet marked sent, one
    # each; live tasks never post a row whose claim has passed to someone else.
    unrecorded_at_kill = at_kill.delivered - statuses_at_kill.get(Delivery.Status.SENT, 0)
    assert len(repeats) == crash_repeats, "a live worker re-posted a row it no longer held"
    assert crash_repeats == unrecorded_at_kill
