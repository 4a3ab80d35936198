"""Slots API benchmark for the busiest worker (10,000 appointments).

1. In-process (Django test client): SQL queries per request and median time for ranges
   of 1 day, 1 week, 4 weeks and 8 weeks, answered from the slots cache and (cache
   cleared before each request) computed from the database.
2. Over HTTP: GET /api/workers/{id}/slots/ for 4 weeks through gunicorn on 127.0.0.1 with
   wrk at 20 connections, for each server configuration given; then one client alone
   asking for 7 days (the figure comparable to a single page load).

    .venv/bin/python bench/bench_slots.py [--configs sync:2,gthread:2x4] [--duration 20]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import common

RANGES = (("1 day", 1), ("1 week", 7), ("4 weeks", 28), ("8 weeks", 56))
DEFAULT_CONFIGS = "sync:4,sync:2,gthread:2x4"


def slots_path(worker_id: int, meeting_type_id: int, first: date, days: int) -> str:
    last = first + timedelta(days=days - 1)
    return f"/api/workers/{worker_id}/slots/?start={first}&end={last}&meeting_type={meeting_type_id}"


def subject() -> dict[str, Any]:
    """The busiest worker, its caseload meeting type and a service user it follows."""
    from booking.models import MeetingType
    from people.models import Caseload

    worker_id = common.heavy_worker_id()
    meeting_type = MeetingType.objects.get(calendar__owner_id=worker_id, name=common.CASELOAD_TYPE)
    client_id = (
        Caseload.objects.filter(worker_id=worker_id, ended_at__isnull=True)
        .order_by("client_id")
        .values_list("client_id", flat=True)
        .first()
    )
    token = common.tokens_for([client_id])[client_id]
    return {"worker_id": worker_id, "meeting_type_id": meeting_type.pk, "client_id": client_id, "token": token}


def in_process(info: dict[str, Any], first: date, repeats: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from booking.models import OCCUPYING_STATUSES, Appointment

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {info['token']}")
    results = []
    for label, days in RANGES:
        path = slots_path(info["worker_id"], info["meeting_type_id"], first, days)
        for _ in range(3):  # warm caches and the persistent connection
            client.get(path)
        with CaptureQueriesContext(connection) as context:
            response = client.get(path)
        # captured_queries reads the live log, which the next request's start clears: copy it now.
        queries = list(context.captured_queries)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
        # A cache miss: the answer computed from the database, as after any change of the calendar.
        from django.core.cache import caches

        cold_cpu = []
        for _ in range(max(5, repeats // 2)):
            caches["slots"].clear()
            started_cpu = time.process_time()
            client.get(path)
            cold_cpu.append((time.process_time() - started_cpu) * 1000)
        caches["slots"].clear()
        with CaptureQueriesContext(connection) as cold_context:
            client.get(path)
        cold_queries = len(cold_context.captured_queries)
        timings = []
        cpu = []
        for _ in range(repeats):
            started = time.perf_counter()
            started_cpu = time.process_time()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            # This process's CPU only (Django side, not PostgreSQL): steadier than wall time
            # when other work shares the cores.
            cpu.append((time.process_time() - started_cpu) * 1000)
        busy = Appointment.objects.filter(
            calendar__owner_id=info["worker_id"],
            status__in=OCCUPYING_STATUSES,
            start__date__gte=first,
            start__date__lte=first + timedelta(days=days - 1),
        ).count()
        results.append(
            {
                "range": label,
                "days": days,
                "queries": len(queries),
                "query_ms": sum(float(q["time"]) for q in queries) * 1000,
                "median_ms": common.median(timings),
                "p95_ms": common.percentile(timings, 95),
                "median_cpu_ms": common.median(cpu),
                "cold_queries": cold_queries,
                "cold_median_cpu_ms": common.median(cold_cpu),
                "slots": len(response.json()),
                "appointments_in_range": busy,
                "sql": [q["sql"] for q in queries],
            }
        )
    return results


def http_run(
    server: common.Server, *, path: str, token: str, connections: int, duration: int, warmup: int, runs: int = 1
) -> dict[str, Any]:
    """``runs`` measured wrk windows after one warm-up; the medians of their figures, with
    every run kept under "runs"."""
    env = {"BENCH_LUA_DIR": str(common.BENCH_DIR / "lua"), "BENCH_TOKEN": token, "BENCH_PATH": path}
    script = common.BENCH_DIR / "lua" / "slots.lua"
    threads = min(2, connections)
    common.run_wrk(
        url=server.base_url, script=script, connections=connections, threads=threads, duration_s=warmup, env=env
    )
    measured = []
    for _ in range(runs):
        quiet = common.wait_for_quiet()
        meter = common.CpuMeter(server)
        meter.start()
        before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        before_busy, before_total = common.machine_busy_jiffies()
        result = common.run_wrk(
            url=server.base_url, script=script, connections=connections, threads=threads, duration_s=duration, env=env
        )
        after_busy, after_total = common.machine_busy_jiffies()
        used = meter.stop()
        after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = result["duration_us"] / 1e6
        wrk_cpu = (
            after_children.ru_utime + after_children.ru_stime - before_children.ru_utime - before_children.ru_stime
        )
        result["rps"] = result["requests"] / seconds
        result["busy_before_pct"] = 100 * quiet
        result["wrk_cpu_pct"] = 100 * wrk_cpu / seconds
        result["server_cpu_pct"] = 100 * used["app"] / seconds
        result["app_cpu_ms_per_request"] = 1000 * used["app"] / max(1, result["requests"])
        result["db_cpu_ms_per_request"] = 1000 * used["db"] / max(1, result["requests"])
        result["machine_busy_pct"] = 100 * (after_busy - before_busy) / max(1, after_total - before_total)
        measured.append(result)
    return common.median_of_runs(measured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default=DEFAULT_CONFIGS, help="comma-separated, e.g. sync:4,gthread:2x4")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--duration", type=int, default=20, help="seconds of measured load per configuration")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--single-duration", type=int, default=10, help="seconds of each one-client run")
    parser.add_argument("--runs", type=int, default=3, help="measured windows per configuration (medians reported)")
    parser.add_argument("--repeats", type=int, default=50, help="in-process requests timed per range")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--in-process-only", action="store_true", help="skip the HTTP part")
    parser.add_argument(
        "--no-cache", action="store_true", help="HTTP part with the slots cache off (SLOTS_CACHE=off in the server)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not 1 <= args.duration <= 300 or not 1 <= args.connections <= 256:
        raise SystemExit("--duration must be 1..300 s and --connections 1..256")

    common.django_setup()
    common.print_environment()
    if args.no_cache:
        os.environ["SLOTS_CACHE"] = "off"
    info = subject()
    # Tomorrow in the workers' time zone: a full first day, whatever the hour now.
    first = datetime.now(ZoneInfo("Europe/Oslo")).date() + timedelta(days=1)
    print(f"worker id {info['worker_id']} (10,000 appointments), meeting type {info['meeting_type_id']}, from {first}")
    print(f"load average before: {common.load_average()}")

    print(f"\nIn-process (Django test client, DEBUG=0; machine {100 * common.wait_for_quiet():.0f}% busy before):")
    print(
        f"  {'range':8} {'queries':>7} {'SQL ms':>7} {'median ms':>9} {'p95 ms':>7} {'CPU ms':>7} "
        f"{'slots':>5} {'appts':>5} {'miss: queries':>13} {'CPU ms':>7}"
    )
    local = in_process(info, first, args.repeats)
    for row in local:
        print(
            f"  {row['range']:8} {row['queries']:>7} {row['query_ms']:>7.2f} {row['median_ms']:>9.2f} "
            f"{row['p95_ms']:>7.2f} {row['median_cpu_ms']:>7.2f} {row['slots']:>5} {row['appointments_in_range']:>5} "
            f"{row['cold_queries']:>13} {row['cold_median_cpu_ms']:>7.2f}"
        )
    if args.show_sql:
        for sql in local[2]["sql"]:
            print(f"    {sql}")

    if args.in_process_only:
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({**common.RUN, "in_process": local}, indent=2, default=str))
        return
    four_weeks = slots_path(info["worker_id"], info["meeting_type_id"], first, 28)
    one_week = slots_path(info["worker_id"], info["meeting_type_id"], first, 7)
    http: list[dict[str, Any]] = []
    print(
        f"\nHTTP, 4 weeks, {args.connections} connections, median of {args.runs} runs of {args.duration} s each "
        "(wrk, 2 threads):"
    )
    print(
        f"  {'server':32} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'non-2xx':>7} "
        f"{'errors':>6} {'srv cpu':>7} {'wrk cpu':>7} {'machine':>7} {'before':>6} {'app/req':>7} {'db/req':>6}"
    )
    if args.no_cache:
        print("  (slots cache off: every request computed from the database)")
    for text in args.configs.split(","):
        config = common.ServerConfig.parse(text.strip())
        with common.running_server(config) as server:
            result = http_run(
                server,
                path=four_weeks,
                token=info["token"],
                connections=args.connections,
                duration=args.duration,
                warmup=args.warmup,
                runs=args.runs,
            )
        lat = result["latency_us"]
        errors = sum(v for k, v in result["errors"].items() if k != "status")
        non_2xx = sum(n for code, n in result["statuses"].items() if not code.startswith("2"))
        print(
            f"  {config.label:32} {result['rps']:>7.0f} {lat['p50'] / 1000:>7.1f} {lat['p95'] / 1000:>7.1f} "
            f"{lat['p99'] / 1000:>7.1f} {non_2xx:>7} {errors:>6} {result['server_cpu_pct']:>6.0f}% "
            f"{result['wrk_cpu_pct']:>6.0f}% {result['machine_busy_pct']:>6.0f}% {result['busy_before_pct']:>5.0f}% "
            f"{result['app_cpu_ms_per_request']:>5.1f}ms {result['db_cpu_ms_per_request']:>4.1f}ms"
        )
        http.append({"server": config.label, **result})

    best = max(http, key=lambda r: r["rps"])
    best_config = common.ServerConfig.parse(
        args.configs.split(",")[[r["server"] for r in http].index(best["server"])].strip()
    )
    with common.running_server(best_config) as server:
        single = http_run(
            server,
            path=one_week,
            token=info["token"],
            connections=1,
            duration=args.single_duration,
            warmup=2,
            runs=args.runs,
        )
    lat = single["latency_us"]
    print(
        f"\nHTTP, 1 week, one client alone ({best_config.label}): {single['rps']:.0f} req/s, "
        f"p50 {lat['p50'] / 1000:.1f} ms, p95 {lat['p95'] / 1000:.1f} ms; CPU per request app "
        f"{single['app_cpu_ms_per_request']:.2f} ms + PostgreSQL {single['db_cpu_ms_per_request']:.2f} ms"
    )
    print(
        f"\nBest at {args.connections} clients: {best['server']}: {best['rps']:.0f} req/s, "
        f"p50 {best['latency_us']['p50'] / 1000:.1f} ms, p95 {best['latency_us']['p95'] / 1000:.1f} ms, "
        f"p99 {best['latency_us']['p99'] / 1000:.1f} ms (target p95 < 20 ms)"
    )
    per_request = best["app_cpu_ms_per_request"] + best["db_cpu_ms_per_request"]
    cores = os.cpu_count() or 1
    print(
        f"CPU per request: app {best['app_cpu_ms_per_request']:.1f} ms + PostgreSQL "
        f"{best['db_cpu_ms_per_request']:.1f} ms; {cores} cores / {per_request:.1f} ms = at most "
        f"{1000 * cores / per_request:.0f} req/s on an idle machine, so {args.connections} closed-loop clients "
        f"wait at least {args.connections * per_request / cores:.0f} ms per request (Little's law)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            **common.RUN,
            "no_cache": args.no_cache,
            "in_process": local,
            "http": http,
            "single_client_week": single,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))


if __name__ == "__main__":
    main()
