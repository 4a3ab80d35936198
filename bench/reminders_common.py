"""Shared pieces of the reminders benchmarks: their own database and Redis database, the
local SMS gateway and the Celery worker as child processes, people with phone numbers,
due delivery rows, and the versions printed beside every figure.

Every child process runs in a session of its own and is stopped by process group, so a
benchmark ends with nothing of its own left running and touches nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import common

DB_NAME = "triangel_bench_reminders"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
# A Redis database of its own on the shared server, flushed before each run.
REDIS_URL = "redis://127.0.0.1:6379/9"
PEOPLE_PREFIX = "rb_u"
# What other helpers' benchmarks look like in `pgrep -af`; the reminders scripts are named
# reminders_*, so they never match themselves.
OTHER_BENCH_PATTERN = "gunicorn|wrk|bench_"
TMP_ROOT = Path(tempfile.gettempdir()) / "triangel-bench-reminders"


def configure(extra: dict[str, str] | None = None) -> None:
    """Environment for this process and, through ``worker_env``, for the worker.

    DATABASE_URL and REDIS_URL are forced, not defaulted: a stray variable in the shell must
    not point a benchmark that truncates tables at another database.
    """
    # The booking benchmarks' pinned settings first (common.PINNED_ENV, which drops REDIS_URL
    # from the shell), then this benchmark's own on top of them.
    common.configure_env()
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["CELERY_BROKER_URL"] = REDIS_URL
    for name, value in (extra or {}).items():
        os.environ[name] = value


def ensure_database() -> None:
    """Create the benchmark database if missing (other databases are never touched)."""
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def setup(extra: dict[str, str] | None = None) -> None:
    """configure → create the database → django.setup() → migrate."""
    configure(extra)
    ensure_database()
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    if connection.settings_dict["NAME"] != DB_NAME:
        raise SystemExit(f"refusing to run against {connection.settings_dict['NAME']}")
    call_command("migrate", interactive=False, verbosity=0)


# --- Versions and configuration ------------------------------------------------------------


def redis_server_version(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    try:
        return str(client.info("server").get("redis_version", "unknown"))
    except redis.RedisError as exc:
        return f"unreachable ({type(exc).__name__})"
    finally:
        client.close()


def environment_lines(redis_url: str = REDIS_URL) -> list[str]:
    import celery
    import httpx
    import kombu
    import redis

    return [
        *common.environment_lines(),
        f"celery {celery.__version__}  kombu {kombu.__version__}  redis-py {redis.__version__}  "
        f"httpx {httpx.__version__}  redis server {redis_server_version(redis_url)} ({redis_url})",
        f"load average (1/5 min) at start: {common.load_average()}",
    ]


def print_header(title: str, config: dict[str, Any], redis_url: str = REDIS_URL) -> None:
    print(f"== {title}")
    for line in environment_lines(redis_url):
        print(line)
    print("configuration: " + "  ".join(f"{k}={v}" for k, v in config.items()))


# --- Other benchmarks on the shared machine ---------------------------------------------------


def other_benchmarks() -> list[str]:
    result = subprocess.run(
        ["pgrep", "-af", OTHER_BENCH_PATTERN], capture_output=True, text=True, timeout=10, check=False
    )
    mine = {str(os.getpid()), str(os.getppid())}
    return [
        line
        for line in result.stdout.splitlines()
        # PostgreSQL names each session after its database, and triangel_bench_reminders
        # matches "bench_": database sessions are not benchmarks.
        if line.split(" ", 1)[0] not in mine and not line.split(" ", 1)[-1].startswith("postgres:")
    ]


def wait_for_other_benchmarks(*, max_wait_s: float = 1200.0, poll_s: float = 30.0) -> None:
    """Wait (bounded) until no other benchmark runs, so the figures are not shared with it."""
    deadline = time.monotonic() + max_wait_s
    others = other_benchmarks()
    while others and time.monotonic() < deadline:
        print(f"waiting for {len(others)} other benchmark process(es): {others[0][:100]}", flush=True)
        time.sleep(poll_s)
        others = other_benchmarks()
    if others:
        print(f"WARNING: still {len(others)} other benchmark process(es) after {max_wait_s:.0f} s; measuring anyway")


def settle(max_wait_s: float = 60.0) -> float:
    """Wait (bounded) for the cores to be mostly idle before a measured run; other helpers'
    test suites may be running. Returns the share of the cores busy just before, which is
    printed with the figures."""
    return round(common.wait_for_quiet(threshold=0.25, max_wait_s=max_wait_s), 2)


# --- Child processes ---------------------------------------------------------------------


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Child:
    """A child process in its own session: SIGTERM then SIGKILL reach the whole group."""

    def __init__(self, name: str, args: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.args = list(args)
        self.env = env
        self.log_path = log_path
        self.cwd = common.ROOT
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.args,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown, no acknowledgements, no cleanup."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def stop(self, grace_s: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=grace_s)
        # Children (the embedded beat) may outlive the leader; the group holds them all.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def cpu_seconds(self) -> float:
        """User + system CPU of every live process in the group (0 once it is gone)."""
        if self.proc is None:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            # Fields after the command name: state, ppid, pgrp, … utime is #14, stime #15.
            if int(fields[2]) == self.proc.pid:
                total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def database_sessions_cpu_seconds() -> float:
    """CPU used so far by the PostgreSQL sessions open on the benchmark database (the
    worker's connections live as long as the worker, so read this before stopping it)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not cmdline.startswith("postgres:") or f" {DB_NAME} " not in cmdline:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


class ChildGroup:
    """Every child a benchmark started, stopped on exit and on SIGTERM/SIGINT."""

    def __init__(self) -> None:
        self.children: list[Child] = []
        self.cleanups: list[Callable[[], None]] = []

    def add(self, child: Child) -> Child:
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()
        for cleanup in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                cleanup()
        self.children.clear()
        self.cleanups.clear()


@contextlib.contextmanager
def children() -> Iterator[ChildGroup]:
    group = ChildGroup()

    def _terminate(signum: int, frame: Any) -> None:
        group.stop_all()
        raise SystemExit(128 + signum)

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, _terminate)
    try:
        yield group
    finally:
        group.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- The gateway -------------------------------------------------------------------------


@dataclass
class GatewayRun:
    """The gateway (bench/reminders_gateway.py) as its own process, one JSON line per POST."""

    child: Child
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=5) as response:
            return json.loads(response.read())

    def delivered(self) -> int:
        try:
            return self.stats()["delivered"]
        except (OSError, urllib.error.URLError, ValueError):
            return -1

    def posts(self) -> list[dict[str, Any]]:
        """Every POST in arrival order: at (epoch s), key, outcome, status, message_id …"""
        with self.log_path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]


def start_gateway(group: ChildGroup, run_dir: Path, latency: float = 0.0) -> GatewayRun:
    port = common.free_port()
    log_path = run_dir / "gateway.jsonl"
    args = [sys.executable, str(common.BENCH_DIR / "reminders_gateway.py"), "--port", str(port), "--log", str(log_path)]
    if latency:
        args += ["--latency", str(latency)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = group.add(Child("gateway", args, env, run_dir / "gateway.out").start())
    gateway = GatewayRun(child=child, port=port, log_path=log_path)
    if not wait_for(lambda: gateway.delivered() >= 0 or not child.running(), timeout=20, interval=0.1):
        raise SystemExit(f"gateway did not start:\n{child.tail()}")
    if not child.running():
        raise SystemExit(f"gateway exited:\n{child.tail()}")
    return gateway


# --- The worker --------------------------------------------------------------------------


@dataclass
class WorkerConfig:
    concurrency: int = 8
    claim_batch: int = 500
    send_batch: int = 50
    dispatch_every: int = 1
    lease_seconds: int = 120
    broker_url: str = REDIS_URL
    extra_env: dict[str, str] = field(default_factory=dict)
    # Another checkout of the project to run the worker from (to compare code versions).
    code_dir: Path | None = None

    def label(self) -> dict[str, Any]:
        return {
            "worker": f"celery worker --pool threads --concurrency {self.concurrency} -B (one process)",
            "REMINDERS_CLAIM_BATCH": self.claim_batch,
            "REMINDERS_SEND_BATCH": self.send_batch,
            "REMINDERS_DISPATCH_EVERY": self.dispatch_every,
            "REMINDERS_LEASE_SECONDS": self.lease_seconds,
            "broker": self.broker_url,
            **self.extra_env,
            **({"worker code": str(self.code_dir)} if self.code_dir else {}),
        }


def worker_env(config: WorkerConfig, gateway_url: str, var_dir: Path) -> dict[str, str]:
    """Production settings (config.settings, DEBUG off) with the HTTP SMS backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REMINDERS_", "SMS_"))}
    var_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": config.broker_url,
            "CELERY_BROKER_URL": config.broker_url,
            "SMS_BACKEND": "http",
            "SMS_HTTP_URL": gateway_url,
            "SMS_HTTP_TOKEN": "",
            "REMINDERS_CLAIM_BATCH": str(config.claim_batch),
            "REMINDERS_SEND_BATCH": str(config.send_batch),
            "REMINDERS_DISPATCH_EVERY": str(config.dispatch_every),
            "REMINDERS_LEASE_SECONDS": str(config.lease_seconds),
            # Beat's schedule file: private to the run.
            "TRIANGEL_VAR_DIR": str(var_dir),
            # The worker logs every batch at INFO; that much logging would cost CPU.
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **config.extra_env,
        }
    )
    return env


def worker_child(name: str, config: WorkerConfig, gateway_url: str, run_dir: Path) -> Child:
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool",
        "threads",
        "--concurrency",
        str(config.concurrency),
        "-B",
        "--loglevel",
        "WARNING",
        "--hostname",
        f"{name}@%h",
    ]
    env = worker_env(config, gateway_url, run_dir / "var")
    child = Child(name, args, env, run_dir / f"{name}.log")
    if config.code_dir is not None:
        child.cwd = config.code_dir
    return child


def last_dispatch() -> datetime | None:
    from messaging.models import DispatchState

    return DispatchState.objects.filter(name="dispatch").values_list("last_run_at", flat=True).first()


def wait_until_dispatching(since: datetime, worker: Child, timeout: float = 60.0) -> bool:
    """True once the worker's dispatcher has run after ``since`` (it is up and consuming)."""

    def ready() -> bool:
        at = last_dispatch()
        return (at is not None and at > since) or not worker.running()

    return wait_for(ready, timeout=timeout, interval=0.2) and worker.running()


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    try:
        client.flushdb()
    finally:
        client.close()


def run_dir_for(name: str) -> Path:
    path = TMP_ROOT / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


# --- Data --------------------------------------------------------------------------------


def ensure_people(count: int) -> list[int]:
    """``count`` service users rb_u00000… with one active mobile number each (kept between runs)."""
    from django.contrib.auth.hashers import make_password

    from people.models import PhoneNumber, User

    existing = dict(
        User.objects.filter(username__startswith=PEOPLE_PREFIX).values_list("username", "pk").order_by("username")
    )
    wanted = [f"{PEOPLE_PREFIX}{i:05d}" for i in range(count)]
    missing = [name for name in wanted if name not in existing]
    if missing:
        password = make_password(None)
        created = User.objects.bulk_create(
            [
                User(username=name, password=password, role=User.Role.SERVICE_USER, first_name=f"P{name[-5:]}")
                for name in missing
            ],
            batch_size=2000,
        )
        PhoneNumber.objects.bulk_create(
            [PhoneNumber(user=user, number=f"+4791{int(user.username[-5:]):06d}", is_active=True) for user in created],
            batch_size=2000,
        )
        existing.update({user.username: user.pk for user in created})
    return [existing[name] for name in wanted]


# Kinds and contexts as the plan materialiser writes them; texts are discreet (the default).
ROW_KINDS = (
    ("medication", {"title": "Medisin", "dose": "", "money_kind": "", "amount": ""}),
    ("routine", {"title": "Gå tur", "dose": "", "money_kind": "", "amount": ""}),
    ("money", {"title": "Husleie", "dose": "", "money_kind": "bill", "amount": "8500"}),
)


def reset_deliveries() -> None:
    """Empty the delivery table (only this benchmark database's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE messaging_delivery")
        cursor.execute("DELETE FROM messaging_dispatchstate")


def insert_due_rows(people: Sequence[int], due_times: Iterable[datetime], tag: str) -> int:
    """One SMS delivery per due time, round-robin over ``people``; returns the count."""
    from django.db import connection

    from messaging.models import Delivery

    rows = []
    for i, due in enumerate(due_times):
        kind, context = ROW_KINDS[i % len(ROW_KINDS)]
        rows.append(
            Delivery(
                recipient_id=people[i % len(people)],
                kind=kind,
                channel="sms",
                occurrence_at=due,
                due_at=due,
                expires_at=due + timedelta(hours=2),
                dedupe_key=f"bench:{tag}:{i}",
                context=context,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would have them on a long-running table.
        cursor.execute("ANALYZE messaging_delivery")
    return len(rows)


def due_by_key() -> dict[str, float]:
    """Idempotency key → due_at (epoch seconds) of every row."""
    from messaging.models import Delivery

    return {str(key): due.timestamp() for key, due in Delivery.objects.values_list("idempotency_key", "due_at")}


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    from messaging.models import Delivery

    return dict(Delivery.objects.values_list("status").annotate(n=Count("id")).order_by())


def rows_with_retries() -> int:
    from messaging.models import Delivery

    return Delivery.objects.filter(attempts__gt=1).count()


def fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"
