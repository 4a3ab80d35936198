"""Shared pieces of the benchmark scripts: environment, Django set-up, the gunicorn server,
wrk runs, data-set names and the SQL checks every write benchmark ends with."""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The scripts run as `python bench/x.py` (bench/ on the path) or import `bench.common`.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibration

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
BENCH_DB = "triangel_bench"
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"

# Names the generator gives its rows; the benchmarks find their actors by them.
UNIT_NAMES = (
    "Oppfølgingstjenesten Nord",
    "Oppfølgingstjenesten Sør",
    "Oppfølgingstjenesten Øst",
    "Oppfølgingstjenesten Vest",
)
WORKER_PREFIX = "bench_w"
USER_PREFIX = "bench_u"
HEAVY_WORKER = "bench_w000"
CASELOAD_TYPE = "Samtale"
# Only benchmark runs book this unit-wide type; the generator never does, so every row of
# it is a benchmark's own and can be deleted before the next run.
DROPIN_TYPE = "Drop-in samtale"
OCCUPYING = ("booked", "completed", "no_show")


BENCH_BROKER_URL = "redis://127.0.0.1:6379/9"


# Every setting that changes a figure, forced for the in-process parts and the server alike
# (not taken from the shell: a DJANGO_DEBUG=1 or a REDIS_URL left in it must not change
# what is measured). Printed and recorded beside the figures by print_environment().
PINNED_ENV = {
    # DEBUG off matters: with DEBUG on Django keeps every query in memory and DRF adds the
    # browsable renderer, both of which would flatter or skew the figures.
    "DJANGO_DEBUG": "0",
    # Plain HTTP on 127.0.0.1: no redirect to HTTPS (which secure cookies would turn on).
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_SSL_REDIRECT": "0",
    # 409s are logged at WARNING by django.request; thousands of them would cost CPU.
    "LOG_LEVEL": "ERROR",
    # Persistent connections and statements prepared by PostgreSQL, as in production.
    "DATABASE_CONN_MAX_AGE": "60",
    "DATABASE_SERVER_SIDE_BINDING": "1",
    # Computed free times are cached in Redis in production; the benchmarks do the same.
    "CACHE_REDIS_URL": "redis://127.0.0.1:6379/9",
    # A booking asks the Celery worker for a dispatch of its confirmation through Redis, as
    # in production. No worker runs here: delete_benchmark_bookings() drops those requests.
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
    "REMINDERS_DISPATCH_ON_COMMIT": "1",
}
# Dropped from the shell's environment once, at the start: a script sets SLOTS_CACHE=off
# itself for --no-cache; the others would change what the server does.
DROPPED_ENV = ("SLOTS_CACHE", "REDIS_URL", "GUNICORN_CMD_ARGS", "CELERY_TASK_ALWAYS_EAGER")
_CONFIGURED = False


def configure_env() -> None:
    """Production-like settings for the in-process parts and the server alike (PINNED_ENV)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SECRET_KEY", "triangel-benchmark-only-secret-key-0123456789abcdef")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    global _CONFIGURED
    if not _CONFIGURED:
        for name in DROPPED_ENV:
            os.environ.pop(name, None)
        _CONFIGURED = True
    os.environ.update(PINNED_ENV)


def django_setup() -> None:
    configure_env()
    if not os.environ["DATABASE_URL"].rstrip("/").endswith("/" + BENCH_DB):
        raise SystemExit(f"DATABASE_URL must point at the {BENCH_DB} database, got {os.environ['DATABASE_URL']}")
    import django

    django.setup()


def git_revision() -> str:
    return calibration.commit()


def environment_lines() -> list[str]:
    """Core count and versions, printed beside every figure so results can be compared."""
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [
        f"cores (os.cpu_count()): {os.cpu_count()}  cpu: {cpu_model}  memory: {mem_gib:.0f} GiB",
        f"python {platform.python_version()}  django {django.get_version()}  "
        f"postgresql {pg_version} (shared_buffers {shared_buffers})",
        f"code: {git_revision()}  database: {connection.settings_dict['NAME']}  "
        f"conn_max_age: {connection.settings_dict.get('CONN_MAX_AGE')}",
    ]


def calibration_ms(rounds: int = 5) -> float:
    """Milliseconds, best of ``rounds``, for a fixed piece of pure-Python work (arithmetic, a
    dict, JSON): the same on every machine and revision, so it shows how fast this machine
    is at this moment. Figures from two runs compare after dividing by it."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        table: dict[int, int] = {}
        for i in range(200_000):
            table[i % 1000] = table.get(i % 1000, 0) + i * i % 7
        json.loads(json.dumps([{"id": i, "name": f"n{i}", "v": [i, i + 1]} for i in range(20_000)]))
        best = min(best, time.perf_counter() - started)
    return best * 1000


# The machine record (calibration.record) and settings of this run, kept for the JSON files.
RUN: dict[str, Any] = {}


def django_settings_in_effect() -> dict[str, Any]:
    """What the settings module made of the pinned environment (needs django_setup)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "DEBUG": settings.DEBUG,
        "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
        "server_side_binding": db.get("OPTIONS", {}).get("server_side_binding", False),
        "slots_cache": settings.CACHES["slots"]["BACKEND"].rsplit(".", 1)[-1]
        + (f" {settings.CACHES['slots'].get('LOCATION')}" if settings.CACHES["slots"].get("LOCATION") else ""),
        "log_level": os.environ.get("LOG_LEVEL"),
        "middleware": [name.rsplit(".", 1)[-1] for name in settings.MIDDLEWARE],
    }


def print_environment() -> dict[str, Any]:
    """Print the machine, the versions, the pinned settings, the load before and the
    calibration of this run; keep them in RUN for the JSON results and return them."""
    for line in environment_lines():
        print(line)
    database_url = os.environ.get("DATABASE_URL", "")
    # The round trip over a fresh connection to 127.0.0.1, whatever host the URL names.
    rec = calibration.record(
        database_url=database_url.replace("@localhost", "@127.0.0.1"),
        redis_url=PINNED_ENV["CACHE_REDIS_URL"],
        django=True,
    )
    for line in calibration.describe(rec):
        print(line)
    in_effect = django_settings_in_effect()
    print(
        "settings: DEBUG {DEBUG}, CONN_MAX_AGE {CONN_MAX_AGE}, server-side binding {server_side_binding}, "
        "slots cache {slots_cache}, log level {log_level}, {n} middleware".format(
            n=len(in_effect["middleware"]), **in_effect
        )
    )
    RUN.clear()
    RUN.update({**rec, "environment": environment_lines(), "settings": in_effect, "pinned_env": dict(PINNED_ENV)})
    return RUN


# --- Server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str  # "sync" or "gthread"
    workers: int
    threads: int = 1

    @property
    def label(self) -> str:
        if self.worker_class == "gthread":
            return f"gunicorn gthread -w {self.workers} --threads {self.threads}"
        return f"gunicorn {self.worker_class} -w {self.workers}"

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        """'sync:4' or 'gthread:2x4' (workers x threads)."""
        kind, _, shape = text.partition(":")
        if kind not in ("sync", "gthread") or not shape:
            raise ValueError(f"server config must look like sync:4 or gthread:2x4, got {text!r}")
        workers, _, threads = shape.partition("x")
        return cls(kind, int(workers), int(threads or 1))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving config.wsgi on 127.0.0.1, started and always stopped by us.

    It runs in its own process group so stopping it also stops its workers, and nothing
    else is touched.
    """

    def __init__(self, config: ServerConfig, *, port: int | None = None) -> None:
        self.config = config
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"triangel-bench-gunicorn-{self.port}.log"
        self.log_file: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_timeout: float = 60.0) -> None:
        configure_env()
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--worker-class",
            self.config.worker_class,
            "--workers",
            str(self.config.workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            # Keep-alive lets clients reuse connections with gthread (sync workers close
            # anyway). Long, so an idle pooled connection is not closed under a client
            # about to send on it, which the client would see as a failed request.
            "--keep-alive",
            "75",
            "--error-logfile",
            str(self.log_path),
            "--log-level",
            "warning",
            # No --access-logfile: no access log. An empty config file, so a gunicorn.conf.py
            # in the working directory cannot add one (nor GUNICORN_CMD_ARGS, dropped).
            "--config",
            str(self._empty_config()),
        ]
        if self.config.worker_class == "gthread":
            args += ["--threads", str(self.config.threads)]
        env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV or k == "SLOTS_CACHE"}
        env.update(PINNED_ENV)
        # Django's own "django" logger stays at INFO whatever LOG_LEVEL says, so 409 warnings
        # still reach stderr; they go to the log file rather than into the benchmark output.
        self.log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, start_new_session=True, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                # Unauthenticated: any HTTP answer means the app is loaded and serving.
                urllib.request.urlopen(f"{self.base_url}/api/me/", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {ready_timeout:.0f} s; see {self.log_path}")

    def _empty_config(self) -> Path:
        path = Path(tempfile.gettempdir()) / "triangel-bench-gunicorn.conf.py"
        if not path.exists():
            path.write_text("# Empty on purpose: every gunicorn setting of the benchmarks is on its command line.\n")
        return path

    def settings(self) -> dict[str, Any]:
        """What the server was started with, printed and recorded beside its figures."""
        import gunicorn

        return {
            "server": f"gunicorn {gunicorn.__version__}",
            "worker_class": self.config.worker_class,
            "workers": self.config.workers,
            "threads": self.config.threads,
            "bind": f"127.0.0.1:{self.port}",
            "access_log": "off",
            "gunicorn_log_level": "warning",
            "slots_cache_off": os.environ.get("SLOTS_CACHE") == "off",
            **PINNED_ENV,
        }

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        pgid = self.process.pid  # start_new_session made it the leader of its own group
        try:
            os.killpg(pgid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        # Workers left behind by a master killed mid-shutdown share its group id.
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        if self.log_file is not None:
            self.log_file.close()

    def worker_pids(self) -> list[int]:
        """The master and its worker processes (for py-spy or CPU accounting)."""
        if self.process is None:
            return []
        pids = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # field 4 of /proc/PID/stat: the parent
                pids.append(int(stat.parent.name))
        return pids


@contextmanager
def running_server(config: ServerConfig) -> Iterator[Server]:
    server = Server(config)
    previous = signal.getsignal(signal.SIGTERM)

    def _terminate(signum: int, frame: Any) -> None:
        server.stop()
        raise SystemExit(128 + signum)

    # A benchmark stopped from outside must not leave gunicorn behind.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        server.start()
        settings = server.settings()
        print("server: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
        RUN.setdefault("servers", []).append(settings)
        yield server
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)


# --- Load generation ---------------------------------------------------------------------


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return path


def run_wrk(
    *,
    url: str,
    script: Path,
    connections: int,
    threads: int,
    duration_s: int,
    env: dict[str, str],
    timeout_s: float | None = None,
) -> dict[str, Any]:
    """Run wrk with one of bench/*.lua and return the JSON its done() prints."""
    args = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    full_env = {**os.environ, **env}
    result = subprocess.run(
        args, capture_output=True, text=True, env=full_env, timeout=timeout_s or duration_s + 60, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk gave no result (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; good enough for thousands of samples."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def median_of_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One wrk result holding, for every number (and every latency percentile), the median
    over ``runs``, statuses and errors added up; the runs themselves under "runs"."""
    summary: dict[str, Any] = dict(runs[-1])
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            summary[key] = median([run[key] for run in runs])
    summary["latency_us"] = {key: median([run["latency_us"][key] for run in runs]) for key in runs[0]["latency_us"]}
    # Counts are added up over the runs, not taken from the last one.
    for key in ("statuses", "errors"):
        totals: dict[str, int] = {}
        for run in runs:
            for name, count in run.get(key, {}).items():
                totals[name] = totals.get(name, 0) + count
        summary[key] = totals
    summary["runs"] = runs
    return summary


# --- Data-set helpers (need django_setup first) ------------------------------------------


def heavy_worker_id() -> int:
    from people.models import User

    worker = User.objects.filter(username=HEAVY_WORKER).first()
    if worker is None:
        raise SystemExit("No benchmark data: run bench/generate_data.py first")
    return worker.pk


def tokens_for(user_ids: Sequence[int]) -> dict[int, str]:
    """A new API token for each of the given users, issued as ``/api/auth/token/`` issues one
    (only hashes are stored, so a token of an earlier run cannot be read back)."""
    from people.models import User
    from people.services import api_token_issue

    return {user.pk: api_token_issue(user=user, label="benchmark")[1] for user in User.objects.filter(pk__in=user_ids)}


def delete_benchmark_bookings() -> int:
    """Remove what earlier benchmark runs booked, so every run starts from the same data."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_victims ON COMMIT DROP AS "
            "SELECT a.id FROM booking_appointment a JOIN booking_meetingtype m ON m.id = a.meeting_type_id "
            "WHERE m.name = %s",
            [DROPIN_TYPE],
        )
        # Tables that point at appointments; looked up so new ones added to the schema are covered.
        cursor.execute(
            """
            SELECT cl.relname, att.attname
            FROM pg_constraint con
            JOIN pg_class cl ON cl.oid = con.conrelid
            JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
            WHERE con.contype = 'f' AND con.confrelid = 'booking_appointment'::regclass
            """
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" IN (SELECT id FROM bench_victims)')
        cursor.execute("DELETE FROM booking_appointment WHERE id IN (SELECT id FROM bench_victims)")
        deleted = cursor.rowcount
    if os.environ.get("CELERY_BROKER_URL") == BENCH_BROKER_URL:
        import redis

        # The dispatch requests those bookings queued for a worker that never ran.
        redis.Redis.from_url(BENCH_BROKER_URL).delete("celery")
    return deleted


OVERLAP_SQL = """
SELECT count(*)
FROM booking_appointment a
JOIN booking_appointment b
  ON a.calendar_id = b.calendar_id
 AND a.id < b.id
 AND tstzrange(a.blocked_start, a.blocked_end) && tstzrange(b.blocked_start, b.blocked_end)
WHERE a.status IN ('booked', 'completed', 'no_show')
  AND b.status IN ('booked', 'completed', 'no_show')
"""


def overlapping_pairs(calendar_ids: Sequence[int] | None = None) -> int:
    """Pairs of occupying appointments of one calendar whose blocked ranges overlap."""
    from django.db import connection

    sql = OVERLAP_SQL
    params: list[Any] = []
    if calendar_ids is not None:
        sql += " AND a.calendar_id = ANY(%s)"
        params.append(list(calendar_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def machine_busy_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies over all cores since boot."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def busy_share(seconds: float = 1.0) -> float:
    """Share (0..1) of all cores busy over the next ``seconds``."""
    busy0, total0 = machine_busy_jiffies()
    time.sleep(seconds)
    busy1, total1 = machine_busy_jiffies()
    return (busy1 - busy0) / max(1, total1 - total0)


def wait_for_quiet(*, threshold: float = 0.15, max_wait_s: float | None = None) -> float:
    """Wait (bounded) until other work on the machine leaves the cores mostly idle.

    The machine is shared; a test suite running beside a benchmark would halve its figures.
    Returns the last busy share seen, which the scripts print with the figures.
    """
    if max_wait_s is None:
        # bench/run_all.sh shortens it: on a machine shared all day, waiting rarely helps, and
        # the load is recorded with the figures anyway.
        max_wait_s = float(os.environ.get("BENCH_QUIET_MAX_WAIT", "120"))
    deadline = time.monotonic() + max_wait_s
    share = busy_share()
    while share > threshold and time.monotonic() < deadline:
        share = busy_share(2.0)
    return share


def _proc_cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def bench_db_backends(db_name: str = BENCH_DB) -> list[int]:
    """PostgreSQL backend processes serving the database ``db_name`` (read from /proc only)."""
    pids = []
    marker = f" {db_name} ".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:
            continue
        if text.startswith(b"postgres: ") and marker in text:
            pids.append(int(cmdline.parent.name))
    return pids


class CpuMeter:
    """CPU seconds used by the server's processes and by the PostgreSQL backends of the
    benchmark database between start() and stop().

    CPU per request does not change much when other work shares the machine, unlike
    latency and requests/s, so it gives a capacity estimate (cores / CPU per request)
    that holds on an idle machine too.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.before: dict[str, dict[int, float]] = {}
        self.used: dict[str, float] = {}

    def _snapshot(self) -> dict[str, dict[int, float]]:
        groups = {"app": self.server.worker_pids(), "db": bench_db_backends()}
        snapshot: dict[str, dict[int, float]] = {}
        for name, pids in groups.items():
            snapshot[name] = {pid: cpu for pid in pids if (cpu := _proc_cpu(pid)) is not None}
        return snapshot

    def start(self) -> None:
        self.before = self._snapshot()

    def stop(self) -> dict[str, float]:
        after = self._snapshot()
        self.used = {
            name: sum(cpu - self.before[name].get(pid, 0.0) for pid, cpu in after[name].items()) for name in after
        }
        return self.used


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"
