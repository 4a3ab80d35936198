"""What a figure needs beside it to be compared with one from another run or machine.

The commit, the CPU model and core count, how busy the machine was just before (load
average and the share of all cores busy over one second, from ``/proc/stat``), and a
calibration measured in the same run: a fixed piece of pure-Python work in milliseconds of
CPU, a PostgreSQL ``SELECT 1`` round trip and a Redis ``PING`` round trip in microseconds.
A figure divided by the Python calibration compares across machines and moments; the
round trips say whether the database and Redis answered as fast as usual.

Standard library only, plus psycopg and redis when a URL is given, so the CI guard
(``bench/guard.py``) and the benchmark scripts share it without Django.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def python_work(scale: int = 10) -> None:
    """The fixed work: a dict of counters and a JSON round trip (at ``scale`` 10, about 30–60 ms
    of one core; the work grows in proportion to ``scale``)."""
    table: dict[int, int] = {}
    for i in range(20_000 * scale):
        table[i % 1000] = table.get(i % 1000, 0) + i * i % 7
    json.loads(json.dumps([{"id": i, "name": f"n{i}", "v": [i, i + 1]} for i in range(2_000 * scale)]))


def python_loop_ms(rounds: int = 7) -> dict[str, float]:
    """CPU milliseconds (``time.process_time``) of ``python_work``: median and minimum of
    ``rounds`` after one warm-up. CPU time rather than wall time, so a neighbour that takes
    the core away for a while does not count; the minimum is the steadiest of the two."""
    python_work()
    return _timed_ms(python_work, rounds)


_TEMPLATE = (
    '{% for row in rows %}<tr class=\'{% cycle "a" "b" %}\'><td>{{ row.name|title }}</td>'
    "<td>{{ row.when|date:'Y-m-d H:i' }}</td><td>{% if row.n > 5 %}{{ row.n|floatformat:2 }}{% else %}-{% endif %}"
    "</td></tr>{% endfor %}"
)


def django_work() -> None:
    """Fixed work in Django's own code (needs Django set up): a fifth of ``python_work``, a
    template compiled and rendered, 30 querysets built and compiled to SQL without running
    them. A request is mostly such code, which a busy neighbour slows more than the small
    loop (the caches it shares with the other core), so this tracks a request's CPU better."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.contrib.auth.models import Permission
    from django.template import Context, Engine

    python_work(scale=2)
    oslo = ZoneInfo("Europe/Oslo")
    rows = [
        {"name": f"person {i}", "when": datetime(2026, 1, 1, 8, i % 60, tzinfo=oslo), "n": i % 9} for i in range(100)
    ]
    Engine().from_string(_TEMPLATE).render(Context({"rows": rows}))
    for i in range(30):
        query = Permission.objects.filter(codename__startswith=f"x{i}", content_type__app_label="guard")
        str(query.select_related("content_type").order_by("-id")[:10].query)


def _timed_ms(work: Any, rounds: int) -> dict[str, float]:
    samples = []
    # The garbage collector off while timing: its cost grows with everything else the process
    # holds (a Django project, a test run), which is not the machine's speed.
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            started = time.process_time()
            work()
            samples.append((time.process_time() - started) * 1000)
    finally:
        if enabled:
            gc.enable()
    return {"median": statistics.median(samples), "min": min(samples), "rounds": rounds}


def django_loop_ms(rounds: int = 7) -> dict[str, float]:
    """CPU milliseconds of ``django_work`` (median and minimum of ``rounds``, after a warm-up
    when there are several)."""
    if rounds > 1:
        django_work()
    return _timed_ms(django_work, rounds)


def postgres_select1_us(database_url: str, repeats: int = 200) -> float | None:
    """Median microseconds of ``SELECT 1`` over a fresh psycopg connection (127.0.0.1)."""
    try:
        import psycopg
    except ImportError:
        return None
    samples = []
    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
            for _ in range(20):
                conn.execute("SELECT 1").fetchone()
            for _ in range(repeats):
                started = time.perf_counter()
                conn.execute("SELECT 1").fetchone()
                samples.append((time.perf_counter() - started) * 1e6)
    except psycopg.Error:
        return None
    return statistics.median(samples)


def redis_ping_us(redis_url: str, repeats: int = 200) -> float | None:
    """Median microseconds of a Redis ``PING`` over a fresh connection."""
    try:
        import redis
    except ImportError:
        return None
    samples = []
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        for _ in range(20):
            client.ping()
        for _ in range(repeats):
            started = time.perf_counter()
            client.ping()
            samples.append((time.perf_counter() - started) * 1e6)
        client.close()
    except redis.RedisError:
        return None
    return statistics.median(samples)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def busy_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies over all cores since boot, from the first line of /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def busy_percent(seconds: float = 1.0) -> float:
    """Per cent of all cores busy over the next ``seconds``."""
    busy0, total0 = busy_jiffies()
    time.sleep(seconds)
    busy1, total1 = busy_jiffies()
    return 100 * (busy1 - busy0) / max(1, total1 - total0)


def load() -> dict[str, Any]:
    one, five, fifteen = os.getloadavg()
    return {"loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)], "busy_pct_1s": round(busy_percent(), 1)}


def commit() -> str:
    """Short hash of HEAD, with ``+dirty`` when tracked files differ from it."""
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        head = subprocess.run(
            [git, "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}{'+dirty' if dirty else ''}" if head else "unknown"


def record(*, database_url: str | None = None, redis_url: str | None = None, django: bool = False) -> dict[str, Any]:
    """Everything above, measured now. ``database_url`` must be PostgreSQL to get a round trip;
    ``django`` (Django set up) adds ``django_loop_ms``."""
    pg = None
    if database_url and database_url.startswith(("postgres://", "postgresql://")):
        pg = postgres_select1_us(database_url)
    return {
        "commit": commit(),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "load_before": load(),
        "calibration": {
            "python_loop_ms": python_loop_ms(),
            "django_loop_ms": django_loop_ms() if django else None,
            "postgres_select1_us": pg,
            "redis_ping_us": redis_ping_us(redis_url) if redis_url else None,
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def describe(rec: dict[str, Any]) -> list[str]:
    """The record as the lines every script prints before its figures."""
    cal = rec["calibration"]
    loop = cal["python_loop_ms"]
    pg = cal["postgres_select1_us"]
    rd = cal["redis_ping_us"]
    dj = cal.get("django_loop_ms")
    loadavg = " / ".join(f"{x:.2f}" for x in rec["load_before"]["loadavg"])
    return [
        f"commit {rec['commit']}  cpu: {rec['cpu_model']}  cores: {rec['cores']}  at {rec['measured_at']}",
        f"load before: loadavg {loadavg} (1/5/15 min), {rec['load_before']['busy_pct_1s']:.0f}% of all cores busy "
        "over 1 s",
        f"calibration: python loop {loop['median']:.1f} ms CPU (median of {loop['rounds']}, min {loop['min']:.1f}; "
        f"lower is faster); "
        + (f"Django loop {dj['median']:.1f} ms CPU (median, min {dj['min']:.1f}); " if dj else "")
        + f"PostgreSQL SELECT 1 {'—' if pg is None else f'{pg:.0f} µs'}; "
        f"Redis PING {'—' if rd is None else f'{rd:.0f} µs'} (medians)",
    ]


if __name__ == "__main__":
    for line in describe(record(database_url=os.environ.get("DATABASE_URL"), redis_url=os.environ.get("REDIS_URL"))):
        print(line)
