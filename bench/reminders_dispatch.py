"""Reminder dispatch benchmarks: one Celery worker process, PostgreSQL, Redis and a local
SMS gateway that answers at once (tests/reminders/gateway.py as its own process).

throughput  N rows already due, then the worker starts; deliveries per second from the
            gateway's first to its last delivery. Runs every combination of --concurrency,
            --claim-batch and --send-batch given.
burst       N rows all due at the same instant T a little ahead, worker already running;
            how long after T the last one reaches the gateway.
steady      --rate rows per second due over --duration seconds; lateness per message
            (gateway receive time − due_at), p50/p95/p99/max.

Lateness is measured per idempotency key: the gateway logs its receive time for every
POST, and each key is mapped back to its row's due_at afterwards.

    .venv/bin/python bench/reminders_dispatch.py [--scenarios throughput,burst,steady]
        [--concurrency 8,16] [--claim-batch 500] [--send-batch 50] [--rows 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import common
import reminders_common as rc

PEOPLE = 2000


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _wait_delivered(gateway: rc.GatewayRun, worker: rc.Child, target: int, timeout: float) -> bool:
    return rc.wait_for(
        lambda: gateway.delivered() >= target or not worker.running() or not gateway.child.running(),
        timeout=timeout,
        interval=0.25,
    ) and (gateway.delivered() >= target)


def _wait_db_sent(target: int, timeout: float = 30.0) -> dict[str, int]:
    """The last rows are marked sent just after the gateway answered; wait for that."""
    rc.wait_for(lambda: rc.status_counts().get("sent", 0) >= target, timeout=timeout, interval=0.25)
    return rc.status_counts()


def _gateway_summary(posts: list[dict[str, Any]]) -> dict[str, int]:
    outcomes = [p["outcome"] for p in posts]
    return {
        "posts": len(outcomes),
        "delivered": outcomes.count("delivered"),
        "repeated": outcomes.count("repeat"),
        "refused": outcomes.count("refused") + outcomes.count("bad_request"),
        "unkeyed": outcomes.count("unkeyed"),
    }


def _run(
    *,
    name: str,
    config: rc.WorkerConfig,
    make_due_times: Callable[[], list[datetime]],
    start_worker_first: bool,
    timeout: float,
    people: list[int],
    profile: str | None = None,
) -> dict[str, Any]:
    """Insert the rows, run gateway + worker until every row reached the gateway, measure."""
    from django.utils import timezone

    busy_before = rc.settle()
    rc.reset_deliveries()
    rc.flush_redis(config.broker_url)
    # Due times are taken only now, after the wait for idle cores, so the lead stays intact.
    due_times = make_due_times()
    rc.insert_due_rows(people, due_times, tag=name)
    run_dir = rc.run_dir_for(name)
    result: dict[str, Any] = {"scenario": name, "rows": len(due_times), **config.label()}
    result["machine_busy_before"] = busy_before
    with rc.children() as group:
        gateway = rc.start_gateway(group, run_dir)
        started_at = timezone.now()
        busy0 = common.machine_busy_jiffies()
        worker = group.add(rc.worker_child(f"bench-{name}", config, gateway.url, run_dir).start())
        ready = rc.wait_until_dispatching(started_at, worker)
        result["worker_ready_s"] = round((timezone.now() - started_at).total_seconds(), 2)
        if not ready:
            raise SystemExit(f"worker did not start:\n{worker.tail()}")
        if start_worker_first and min(due_times) <= timezone.now():
            print("WARNING: the worker came up after the first row was due; lateness includes start-up")
        if profile:
            _profile(group, worker, run_dir, profile)
        complete = _wait_delivered(gateway, worker, len(due_times), timeout)
        busy1 = common.machine_busy_jiffies()
        result["worker_cpu_s"] = round(worker.cpu_seconds(), 1)
        result["gateway_cpu_s"] = round(gateway.child.cpu_seconds(), 1)
        result["postgres_sessions_cpu_s"] = round(rc.database_sessions_cpu_seconds(), 1)
        counts = _wait_db_sent(len(due_times)) if complete else rc.status_counts()
        # A temporary error (a timeout on an overloaded machine) retries 30 s later with the
        # same key: the gateway counts that as a repeat, and the row shows a second attempt.
        result["rows_with_retries"] = rc.rows_with_retries()
        worker.stop()
        posts = gateway.posts()
        gateway.child.stop()
    result["complete"] = complete
    result["db_status"] = counts
    result["gateway"] = _gateway_summary(posts)
    result["machine_busy"] = round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 2)
    result["run_dir"] = str(run_dir)
    delivered = [p for p in posts if p["outcome"] == "delivered"]
    if not delivered:
        return result
    first = min(p["at"] for p in delivered)
    last = max(p["at"] for p in delivered)
    result["first_to_last_s"] = round(last - first, 2)
    result["throughput_per_s"] = round(len(delivered) / max(last - first, 1e-6))
    result["worker_start_to_last_s"] = round(last - started_at.timestamp(), 2)
    due = rc.due_by_key()
    lateness = [p["at"] - due[p["key"]] for p in delivered if p["key"] in due]
    result["lateness_s"] = {
        "p50": round(common.percentile(lateness, 50), 2),
        "p95": round(common.percentile(lateness, 95), 2),
        "p99": round(common.percentile(lateness, 99), 2),
        "max": round(max(lateness), 2),
    }
    result["first_due_to_last_delivery_s"] = round(last - min(due.values()), 2)
    return result


def _profile(group: rc.ChildGroup, worker: rc.Child, run_dir: Path, what: str) -> None:
    """Sample the worker (or the gateway) with py-spy while it works: collapsed stacks of the
    threads holding the GIL, i.e. where the process spends its CPU."""
    py_spy = Path(sys.executable).with_name("py-spy")
    if not py_spy.exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    pid = worker.pid
    out = run_dir / f"profile-{what}.txt"
    if what == "gateway":
        pid = next(c.pid for c in group.children if c.name == "gateway")
    args = [str(py_spy), "record", "--pid", str(pid), "--format", "raw", "--gil", "--rate", "200"]
    args += ["--duration", "30", "--output", str(out), "--nonblocking"]
    group.add(rc.Child(f"py-spy-{what}", args, dict(os.environ), run_dir / f"py-spy-{what}.log").start())
    print(f"profiling {what} (pid {pid}) into {out}", flush=True)


def throughput(args: argparse.Namespace, people: list[int], base: rc.WorkerConfig) -> list[dict[str, Any]]:
    from django.utils import timezone

    results = []
    for concurrency, claim_batch, send_batch in product(args.concurrency, args.claim_batch, args.send_batch):
        config = replace(base, concurrency=concurrency, claim_batch=claim_batch, send_batch=send_batch)
        # Already due when the worker starts: the dispatcher finds a full backlog.
        result = _run(
            name=f"throughput-c{concurrency}-cb{claim_batch}-sb{send_batch}",
            config=config,
            make_due_times=lambda: [timezone.now() - timedelta(seconds=1)] * args.rows,
            start_worker_first=False,
            timeout=max(120.0, args.rows / 100),
            people=people,
            profile=args.profile,
        )
        _report(result)
        results.append(result)
    return results


def burst(args: argparse.Namespace, people: list[int], config: rc.WorkerConfig) -> dict[str, Any]:
    from django.utils import timezone

    def due_times() -> list[datetime]:
        # Far enough ahead for the worker to be up and idle when the second strikes.
        due = (timezone.now() + timedelta(seconds=args.lead)).replace(microsecond=0)
        return [due] * args.burst_rows

    result = _run(
        name="burst",
        config=config,
        make_due_times=due_times,
        start_worker_first=True,
        timeout=args.lead + 120.0,
        people=people,
    )
    _report(result)
    return result


def steady(args: argparse.Namespace, people: list[int], config: rc.WorkerConfig) -> dict[str, Any]:
    from django.utils import timezone

    def due_times() -> list[datetime]:
        start = (timezone.now() + timedelta(seconds=args.lead)).replace(microsecond=0)
        return [start + timedelta(seconds=i / args.rate) for i in range(args.rate * args.duration)]

    result = _run(
        name="steady",
        config=config,
        make_due_times=due_times,
        start_worker_first=True,
        timeout=args.lead + args.duration + 120.0,
        people=people,
    )
    result["rate_per_s"] = args.rate
    result["duration_s"] = args.duration
    _report(result)
    return result


def _report(result: dict[str, Any]) -> None:
    keys = (
        "scenario",
        "rows",
        "complete",
        "throughput_per_s",
        "first_to_last_s",
        "first_due_to_last_delivery_s",
        "lateness_s",
        "worker_ready_s",
        "worker_cpu_s",
        "gateway_cpu_s",
        "postgres_sessions_cpu_s",
        "machine_busy_before",
        "machine_busy",
        "db_status",
        "gateway",
        "rows_with_retries",
    )
    print("  ".join(f"{k}={result.get(k)}" for k in keys), flush=True)
    print("RESULT " + json.dumps(result, default=str), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", default="throughput,burst,steady")
    parser.add_argument("--concurrency", type=_ints, default=[8], help="worker threads, comma-separated list")
    parser.add_argument("--claim-batch", type=_ints, default=[2000], help="REMINDERS_CLAIM_BATCH values")
    parser.add_argument("--send-batch", type=_ints, default=[200], help="REMINDERS_SEND_BATCH values")
    parser.add_argument("--dispatch-every", type=int, default=1, help="REMINDERS_DISPATCH_EVERY (seconds)")
    parser.add_argument("--rows", type=int, default=20_000, help="rows for the throughput runs")
    parser.add_argument("--burst-rows", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=200, help="steady state: rows due per second")
    parser.add_argument("--duration", type=int, default=60, help="steady state: seconds")
    parser.add_argument("--lead", type=int, default=20, help="seconds between start and the first due time")
    parser.add_argument(
        "--worker-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment for the worker"
    )
    parser.add_argument("--code-dir", type=Path, help="run the worker from this copy of the project")
    parser.add_argument("--profile", choices=["worker", "gateway"], help="py-spy the worker or the gateway")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for other benchmarks to finish")
    args = parser.parse_args()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]

    rc.setup()
    people = rc.ensure_people(PEOPLE)
    base = rc.WorkerConfig(
        concurrency=args.concurrency[0],
        claim_batch=args.claim_batch[0],
        send_batch=args.send_batch[0],
        dispatch_every=args.dispatch_every,
        code_dir=args.code_dir,
        extra_env=dict(item.split("=", 1) for item in args.worker_env),
    )
    if not args.no_wait:
        rc.wait_for_other_benchmarks()
    rc.print_header(
        "reminders dispatch",
        {
            "scenarios": ",".join(scenarios),
            "people": PEOPLE,
            "gateway": "bench/reminders_gateway.py (tests/reminders/gateway.py + TCP_NODELAY), own process, no latency",
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    started = time.monotonic()
    if "throughput" in scenarios:
        throughput(args, people, base)
    if "burst" in scenarios:
        burst(args, people, base)
    if "steady" in scenarios:
        steady(args, people, base)
    rc.reset_deliveries()
    rc.flush_redis(base.broker_url)
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
