"""300 open conversations over HTTP (issue "Write instead of phoning", the benchmark): each page
asks for what is new every second, and the other side writes into each conversation every 30 s.

Measures delivery to the open page (first seen by the page minus the moment the worker's POST
returned), messages lost or seen twice by a page, the server's CPU (gunicorn and the
PostgreSQL backends of the benchmark database, from /proc) over a steady window, requests
per second, and then, with nobody writing, the server's CPU per "nothing new" (204) answer.

    .venv/bin/python bench/bench_conversations_live.py [--pages 300] [--warmup 30] [--steady 180]

* Data (database ``triangel_bench_conv``, created, migrated and seeded if missing): 10 social
  workers with 30 service users each, and each user's thread with their worker.
* Each open page is a service user's thread page: its session is created directly
  (``SessionStore`` with the sign-in keys Django's ``login`` writes) and sent as the session
  cookie; the page asks ``/conversations/{id}/new/?after=<last id>&live=<ticket>`` (the
  address its poll element holds, taken again from every 200) with ``HX-Request`` like htmx.
  As htmx's ``every 1s`` does, an ask comes every second unless the last one is still in
  flight (htmx's default ``hx-sync`` drops it), and a 200 (which swaps in a new poll element)
  starts a new timer.
* The other side is the worker, through the API (``POST /api/conversations/{id}/messages/``
  with its token and an ``Idempotency-Key``; a failed POST is retried with the same key).
  Start times of pages and writers are spread at random (seeded) over 1 s and 30 s.
* gunicorn sync workers (``--gunicorn-workers``, default 4) on 127.0.0.1, DEBUG off.
* The load generator (asyncio streams, one process) runs on the same 2 cores: its own CPU is
  printed beside the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import resource
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "triangel_bench_conv"
DEFAULT_DB = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
WORKERS = 10
MESSAGE_ID = re.compile(rb'id="m(\d+)"')
NEXT_POLL = re.compile(rb'hx-get="([^"]+)"')


@dataclass
class Answer:
    status_code: int
    content: bytes


class Client:
    """A minimal HTTP/1.1 client on asyncio streams: one connection per request, which is what
    a sync gunicorn worker gives anyway (it closes every connection after answering).

    A general-purpose client's connection pool spent a whole core on 300 pending requests in
    this one process, starving the server; this keeps the load generator's own CPU small."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        return await asyncio.wait_for(self._request(method, path, headers, body), self.timeout)

    async def _request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", "Connection: close"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            if body:
                lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            raw = await reader.read(-1)  # until the server closes
        finally:
            writer.close()
        head, _, content = raw.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1."):
            raise ConnectionError("no HTTP answer")
        return Answer(int(head.split(b" ", 2)[1]), content)


def _create_database(url: str) -> None:
    import psycopg

    name = url.rstrip("/").rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


@dataclass
class Page:
    """One open thread page and the worker who writes into it."""

    thread_id: int
    session_key: str
    token: str
    poll: str  # the address the page's poll element asks
    seen: dict[int, float] = field(default_factory=dict)
    duplicates: int = 0


def _seed(pages: int) -> list[Page]:
    """Users, caseloads and threads (kept between runs), and fresh sessions and tokens."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from conversations import services
    from conversations.models import Message
    from people.models import Caseload, Unit, User
    from people.services import api_token_issue
    from web.templatetags.conversation_tags import poll_url

    unit, _ = Unit.objects.get_or_create(name="Bench live conversations")
    workers = []
    for n in range(WORKERS):
        worker, _ = User.objects.get_or_create(
            username=f"conv_live_worker{n}", defaults={"role": User.Role.SOCIAL_WORKER, "unit": unit}
        )
        workers.append((worker, api_token_issue(user=worker, label="benchmark")[1]))
    result = []
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for n in range(pages):
        worker, token = workers[n % WORKERS]
        client, created = User.objects.get_or_create(
            username=f"conv_live_user{n}", defaults={"role": User.Role.SERVICE_USER, "unit": unit}
        )
        if created:
            Caseload.objects.create(worker=worker, client=client, started_at=timezone.now())
        thread = services.thread_for_worker(client)
        last = Message.objects.filter(thread=thread).order_by("-id").values_list("id", flat=True).first() or 0
        session = SessionStore()
        session[SESSION_KEY] = str(client.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = client.get_session_auth_hash()
        session.create()
        result.append(Page(thread.pk, session.session_key, token, poll_url(thread.pk, last)))
    return result


@dataclass
class Run:
    cookie_name: str
    poll_s: float
    every_s: float
    post_until: float
    poll_until: float
    rng: random.Random
    posted: dict[int, tuple[int, float, float]] = field(default_factory=dict)  # id -> (page, sent, returned)
    post_failures: int = 0
    post_retries: int = 0
    replayed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    poll_wall: list[float] = field(default_factory=list)
    window: tuple[float, float] = (0.0, 0.0)


async def _poller(run: Run, client: Any, index: int, page: Page) -> None:
    headers = {"Cookie": f"{run.cookie_name}={page.session_key}", "HX-Request": "true"}
    pending: set[asyncio.Task[None]] = set()
    next_at = time.monotonic() + run.rng.uniform(0, run.poll_s)
    restart = asyncio.Event()

    async def ask() -> None:
        started = time.monotonic()
        try:
            response = await client.request("GET", page.poll, headers)
        except Exception as exc:  # counted; the page keeps asking as htmx would
            run.statuses[f"poll {type(exc).__name__}"] += 1
            return
        now = time.monotonic()
        if run.window[0] <= started < run.window[1]:
            run.poll_wall.append(now - started)
        run.statuses[f"poll {response.status_code}"] += 1
        if response.status_code != 200:
            return
        for raw in MESSAGE_ID.findall(response.content):
            message_id = int(raw)
            if message_id in page.seen:
                page.duplicates += 1
            else:
                page.seen[message_id] = now
        found = NEXT_POLL.search(response.content)
        if found:
            page.poll = html.unescape(found.group(1).decode())
        restart.set()  # the swapped-in poll element starts its own timer

    while True:
        try:
            await asyncio.wait_for(restart.wait(), timeout=max(0.0, next_at - time.monotonic()))
            restart.clear()
            next_at = time.monotonic() + run.poll_s
            continue
        except TimeoutError:
            pass
        if time.monotonic() >= run.poll_until:
            break
        if pending:  # htmx drops a poll while the element's last one is in flight (hx-sync "drop")
            run.statuses["poll dropped, one in flight"] += 1
        else:
            task = asyncio.create_task(ask())
            pending.add(task)
            task.add_done_callback(pending.discard)
        next_at += run.poll_s
    if pending:
        await asyncio.wait(pending, timeout=15)


async def _writer(run: Run, client: Any, index: int, page: Page) -> None:
    url = f"/api/conversations/{page.thread_id}/messages/"
    at = time.monotonic() + run.rng.uniform(0, run.every_s)
    count = 0
    while at < run.post_until:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        count += 1
        headers = {
            "Authorization": f"Token {page.token}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        body = json.dumps({"text": f"Hei, dette er melding {count}."}).encode()
        sent = time.monotonic()
        for attempt in range(3):
            try:
                response = await client.request("POST", url, headers, body)
            except Exception as exc:  # retried with the same key, then counted
                run.statuses[f"post {type(exc).__name__}"] += 1
                run.post_retries += attempt < 2
                continue
            run.statuses[f"post {response.status_code}"] += 1
            if response.status_code in (200, 201):
                run.replayed += response.status_code == 200
                run.posted[json.loads(response.content)["id"]] = (index, sent, time.monotonic())
                break
            run.post_retries += attempt < 2
        else:
            run.post_failures += 1
        at += run.every_s


class Meter:
    """CPU seconds of gunicorn (master and workers), of the PostgreSQL backends of the bench
    database, of this process (the load generator) and of the whole machine."""

    def __init__(self, server: Any) -> None:
        self.server = server

    def snapshot(self) -> dict[str, Any]:
        from bench.common import _proc_cpu, bench_db_backends, machine_busy_jiffies

        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "app": {pid: c for pid in self.server.worker_pids() if (c := _proc_cpu(pid)) is not None},
            "db": {pid: c for pid in bench_db_backends(DB_NAME) if (c := _proc_cpu(pid)) is not None},
            "client": usage.ru_utime + usage.ru_stime,
            "machine": machine_busy_jiffies(),
            "wall": time.monotonic(),
        }

    @staticmethod
    def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
        busy0, total0 = before["machine"]
        busy1, total1 = after["machine"]
        return {
            "app": sum(c - before["app"].get(pid, 0.0) for pid, c in after["app"].items()),
            "db": sum(c - before["db"].get(pid, 0.0) for pid, c in after["db"].items()),
            "client": after["client"] - before["client"],
            "machine_share": (busy1 - busy0) / max(1, total1 - total0),
            "wall": after["wall"] - before["wall"],
        }


async def _phase(
    server: Any, pages: list[Page], *, write: bool, warmup: float, steady: float, drain: float, args: Any
) -> tuple[Run, dict[str, float]]:
    from django.conf import settings

    start = time.monotonic()
    run = Run(
        cookie_name=settings.SESSION_COOKIE_NAME,
        poll_s=args.poll,
        every_s=args.every if write else 1e9,
        post_until=start + warmup + steady,
        poll_until=start + warmup + steady + drain,
        rng=random.Random(args.seed),
    )
    run.window = (start + warmup, start + warmup + steady)
    meter = Meter(server)
    measured: dict[str, float] = {}
    before: dict[str, Any] = {}

    async def measure() -> None:
        nonlocal before
        await asyncio.sleep(warmup)
        before = meter.snapshot()
        counts = Counter(run.statuses)
        await asyncio.sleep(steady)
        measured.update(meter.diff(before, meter.snapshot()))
        measured.update({k: v - counts.get(k, 0) for k, v in run.statuses.items()})

    # No cookie jar: each page sends its own session cookie and nothing is shared.
    client = Client("127.0.0.1", server.port)
    tasks = [_poller(run, client, i, p) for i, p in enumerate(pages)]
    if write:
        tasks += [_writer(run, client, i, p) for i, p in enumerate(pages)]
    await asyncio.gather(measure(), *tasks)
    return run, measured


def _pct(values: list[float], pct: float) -> float:
    from bench.common import percentile

    return percentile(values, pct)


def _report_live(run: Run, measured: dict[str, float], pages: list[Page]) -> None:
    lost = dup = 0
    latencies, from_sent = [], []
    for message_id, (index, sent, returned) in run.posted.items():
        seen = pages[index].seen.get(message_id)
        if seen is None:
            lost += 1
            continue
        if run.window[0] <= returned < run.window[1]:
            latencies.append(seen - returned)
            from_sent.append(seen - sent)
    dup = sum(p.duplicates for p in pages)
    stray = sum(1 for p in pages for m in p.seen if m not in run.posted)
    wall = measured["wall"]
    server = measured["app"] + measured["db"]
    requests = sum(v for k, v in measured.items() if k.startswith(("poll ", "post ")))
    print(f"\n== Live: {len(pages)} open pages, a message every {run.every_s:.0f} s each ==")
    print(f"messages posted: {len(run.posted)}  seen: {len(run.posted) - lost}  lost: {lost}  duplicated: {dup}")
    print(f"  seen but not posted by this run: {stray}  POSTs failed: {run.post_failures}  retried: {run.post_retries}")
    print(f"answers over the whole run: {dict(sorted(run.statuses.items()))}")
    print(
        f"steady window {wall:.0f} s: {len(latencies)} messages; delivery (seen - POST returned) s: "
        f"p50 {_pct(latencies, 50):.3f}  p95 {_pct(latencies, 95):.3f}  p99 {_pct(latencies, 99):.3f}  "
        f"max {max(latencies, default=float('nan')):.3f}"
    )
    print(
        f"  from POST sent: p50 {_pct(from_sent, 50):.3f}  p95 {_pct(from_sent, 95):.3f}  "
        f"max {max(from_sent, default=float('nan')):.3f}"
    )
    print(
        f"  poll answer time s: p50 {_pct(run.poll_wall, 50):.4f}  p95 {_pct(run.poll_wall, 95):.4f}  "
        f"max {max(run.poll_wall, default=float('nan')):.4f}"
    )
    print(f"requests/s: {requests / wall:.1f}  ({ {k: round(v / wall, 1) for k, v in measured.items() if ' ' in k} })")
    print(
        f"server CPU: {server / wall:.3f} cores (gunicorn {measured['app'] / wall:.3f} + PostgreSQL "
        f"{measured['db'] / wall:.3f}); load generator {measured['client'] / wall:.3f} cores; "
        f"whole machine {measured['machine_share'] * 100:.0f} % of {os.cpu_count()} cores"
    )


def _report_quiet(measured: dict[str, float]) -> None:
    wall = measured["wall"]
    quiet = measured.get("poll 204", 0)
    other = sum(v for k, v in measured.items() if k.startswith("poll ") and k != "poll 204")
    server = measured["app"] + measured["db"]
    per = 1000 / max(1, quiet)
    print("\n== Nothing new: the same pages asking, nobody writing ==")
    print(f"{wall:.0f} s: {quiet} answers 204 ({quiet / wall:.1f}/s), other answers {other}")
    print(
        f"server CPU per 204: {server * per:.2f} ms (gunicorn {measured['app'] * per:.2f}"
        f" + PostgreSQL {measured['db'] * per:.2f}); server {server / wall:.3f} cores; "
        f"load generator {measured['client'] * per:.2f} ms per ask; "
        f"whole machine {measured['machine_share'] * 100:.0f} % of {os.cpu_count()} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--every", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds before the steady window")
    parser.add_argument("--steady", type=float, default=180.0)
    parser.add_argument("--quiet", type=float, default=40.0, help="seconds of the nothing-new phase (0: none)")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    if not os.environ["DATABASE_URL"].rstrip("/").endswith("/" + DB_NAME):
        raise SystemExit(f"DATABASE_URL must point at the {DB_NAME} database")
    from bench.common import configure_env

    configure_env()
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from bench.common import (
        BENCH_BROKER_URL,
        ServerConfig,
        calibration_ms,
        environment_lines,
        load_average,
        running_server,
        wait_for_quiet,
    )

    call_command("migrate", verbosity=0)
    pages = _seed(args.pages)
    from django.db import connection

    connection.close()  # the server's workers are the only ones talking to the database now
    config = ServerConfig("sync", args.gunicorn_workers)
    for line in environment_lines():
        print(line)
    print(f"server: {config.label}, DEBUG off, 127.0.0.1; client: one asyncio process, a connection per request")
    print(f"load average before (1 / 5 min): {load_average()}")
    share = wait_for_quiet()
    print(f"machine busy before the run: {share * 100:.0f} %")
    print(f"calibration: {calibration_ms():.1f} ms (fixed Python work, best of 5; lower is faster)")
    if os.environ.get("CELERY_BROKER_URL") == BENCH_BROKER_URL:
        import redis

        redis.Redis.from_url(BENCH_BROKER_URL).delete("celery")
    with running_server(config) as server:
        run, measured = asyncio.run(
            _phase(server, pages, write=True, warmup=args.warmup, steady=args.steady, drain=6.0, args=args)
        )
        _report_live(run, measured, pages)
        if args.quiet > 0:
            _run, quiet = asyncio.run(
                _phase(server, pages, write=False, warmup=5.0, steady=args.quiet, drain=0.0, args=args)
            )
            _report_quiet(quiet)
    print(f"calibration after: {calibration_ms():.1f} ms; load average after: {load_average()}")
    if os.environ.get("CELERY_BROKER_URL") == BENCH_BROKER_URL:
        import redis

        # Notice tasks for a Celery worker that never ran.
        redis.Redis.from_url(BENCH_BROKER_URL).delete("celery")


if __name__ == "__main__":
    main()
