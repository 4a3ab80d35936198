"""Sustained booking throughput, uncontested.

Offered slots of the unit-wide drop-in type are fetched from the slots API for every
worker but the busiest one (up to 13 weeks ahead), then wrk posts them for 60 s from 20
connections: each request a different slot, consecutive requests on different workers,
each booked by a service user of the worker's unit, so almost every booking succeeds.
Reports bookings/s (201s per second) and latency; then checks in SQL that the rows are
there and that no occupying appointments overlap.

    .venv/bin/python bench/bench_throughput.py [--duration 60] [--clients 20] [--config sync:4]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import common
import httpx

TZ = ZoneInfo("Europe/Oslo")
HORIZON_DAYS = 91  # the drop-in type's booking horizon
MAX_RANGE_DAYS = 56  # the slots API's longest range per request
WRK_THREADS = 2


def setup() -> dict[str, Any]:
    from booking.models import MeetingType
    from people.models import User

    heavy = common.heavy_worker_id()
    workers = list(
        User.objects.filter(role="social_worker", username__startswith=common.WORKER_PREFIX)
        .exclude(pk=heavy)
        .order_by("username")
        .values_list("pk", "unit_id")
    )
    types = dict(
        MeetingType.objects.filter(
            name=common.DROPIN_TYPE, calendar__owner_id__in=[w for w, _u in workers]
        ).values_list("calendar__owner_id", "pk")
    )
    users_by_unit: dict[int, list[int]] = defaultdict(list)
    for pk, unit_id in (
        User.objects.filter(role="service_user", username__startswith=common.USER_PREFIX)
        .order_by("pk")
        .values_list("pk", "unit_id")
    ):
        users_by_unit[unit_id].append(pk)
    tokens = common.tokens_for([pk for pks in users_by_unit.values() for pk in pks])
    return {"workers": workers, "types": types, "users_by_unit": users_by_unit, "tokens": tokens}


def fetch_all_slots(base: str, data: dict[str, Any], first: date) -> dict[int, list[str]]:
    """Every offered drop-in slot of every worker, through the slots API (4 threads)."""
    ranges = []
    day = first
    last = datetime.now(TZ).date() + timedelta(days=HORIZON_DAYS)
    while day <= last:
        end = min(last, day + timedelta(days=MAX_RANGE_DAYS - 1))
        ranges.append((day, end))
        day = end + timedelta(days=1)

    def fetch(worker: tuple[int, int]) -> tuple[int, list[str]]:
        worker_id, unit_id = worker
        token = data["tokens"][data["users_by_unit"][unit_id][0]]
        starts: list[str] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60) as client:
            for start, end in ranges:
                response = client.get(
                    f"/api/workers/{worker_id}/slots/",
                    params={"start": str(start), "end": str(end), "meeting_type": data["types"][worker_id]},
                )
                response.raise_for_status()
                starts += [slot["start"] for slot in response.json()]
        return worker_id, starts

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(fetch, data["workers"]))


def plan_requests(data: dict[str, Any], slots: dict[int, list[str]], limit: int) -> list[tuple[str, str]]:
    """(token, body) pairs: round-robin over workers, earliest slots first, users rotated per unit."""
    unit_of = dict(data["workers"])
    next_user: dict[int, int] = defaultdict(int)
    planned = []
    depth = max(len(v) for v in slots.values())
    for i in range(depth):
        for worker_id, _unit in data["workers"]:
            if i >= len(slots[worker_id]):
                continue
            unit_id = unit_of[worker_id]
            users = data["users_by_unit"][unit_id]
            user = users[next_user[unit_id] % len(users)]
            next_user[unit_id] += 1
            body = json.dumps(
                {"worker": worker_id, "meeting_type": data["types"][worker_id], "start": slots[worker_id][i]}
            )
            planned.append((data["tokens"][user], body))
            if len(planned) >= limit:
                return planned
    return planned


def write_thread_files(requests: list[tuple[str, str]], prefix: Path) -> None:
    """One file per wrk thread; thread t takes every t-th request so threads never share a slot."""
    for t in range(WRK_THREADS):
        lines = [f"{token}\t{body}\n" for token, body in requests[t::WRK_THREADS]]
        Path(f"{prefix}.{t + 1}").write_text("".join(lines))


def booked_count() -> int:
    from booking.models import Appointment

    return Appointment.objects.filter(meeting_type__name=common.DROPIN_TYPE, status="booked").count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20, help="seconds of each measured run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs (medians reported)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--config", default="sync:4", help="gunicorn shape, e.g. sync:4 or gthread:2x4")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not 5 <= args.duration <= 600 or not 1 <= args.clients <= 256 or not 1 <= args.runs <= 10:
        raise SystemExit("--duration must be 5..600 s, --clients 1..256 and --runs 1..10")

    common.django_setup()
    common.print_environment()
    config = common.ServerConfig.parse(args.config)
    print(f"server: {config.label}, DEBUG=0; load: wrk, {WRK_THREADS} threads, {args.clients} connections")
    removed = common.delete_benchmark_bookings()
    print(f"removed {removed:,} bookings left by earlier benchmark runs")
    data = setup()
    first = datetime.now(TZ).date() + timedelta(days=1)

    with common.running_server(config) as server:
        started = time.monotonic()
        slots = fetch_all_slots(server.base_url, data, first)
        total_slots = sum(len(v) for v in slots.values())
        print(
            f"fetched {total_slots:,} offered slots of {len(slots)} workers in {time.monotonic() - started:.1f} s "
            f"({len(slots) * 2} slots requests)"
        )
        # Far more requests than even 1,000 bookings/s would use, so wrk never runs dry.
        planned = plan_requests(data, slots, limit=total_slots)
        warm_count = min(len(planned) // 10, 2_000)
        warm, measured = planned[:warm_count], planned[warm_count:]
        lua = common.BENCH_DIR / "lua" / "book.lua"
        with tempfile.TemporaryDirectory(prefix="triangel-bench-") as tmp:
            env = {"BENCH_LUA_DIR": str(common.BENCH_DIR / "lua")}
            write_thread_files(warm, Path(tmp) / "warm")
            common.run_wrk(
                url=server.base_url,
                script=lua,
                connections=args.clients,
                threads=WRK_THREADS,
                duration_s=args.warmup,
                env={**env, "BENCH_DATA": str(Path(tmp) / "warm")},
            )
            # Requests wrk left in flight when the warm-up ended still complete on the server.
            time.sleep(2)
            before = booked_count()
            runs = []
            # Disjoint slices of the plan, one per run: no slot is asked for twice.
            share = len(measured) // args.runs
            for n in range(args.runs):
                write_thread_files(measured[n * share : (n + 1) * share], Path(tmp) / f"run{n}")
                quiet = common.wait_for_quiet()
                busy0, total0 = common.machine_busy_jiffies()
                meter = common.CpuMeter(server)
                meter.start()
                result = common.run_wrk(
                    url=server.base_url,
                    script=lua,
                    connections=args.clients,
                    threads=WRK_THREADS,
                    duration_s=args.duration,
                    env={**env, "BENCH_DATA": str(Path(tmp) / f"run{n}")},
                )
                busy1, total1 = common.machine_busy_jiffies()
                used = meter.stop()
                seconds = result["duration_us"] / 1e6
                result["busy_before_pct"] = 100 * quiet
                result["machine_busy_pct"] = 100 * (busy1 - busy0) / max(1, total1 - total0)
                result["bookings_per_s"] = result["statuses"].get("201", 0) / seconds
                result["app_cpu_ms_per_request"] = 1000 * used["app"] / max(1, result["requests"])
                result["db_cpu_ms_per_request"] = 1000 * used["db"] / max(1, result["requests"])
                runs.append(result)
                print(
                    f"run {n + 1}: {result['bookings_per_s']:.1f} bookings/s, p95 "
                    f"{result['latency_us']['p95'] / 1000:.1f} ms, CPU per booking app "
                    f"{result['app_cpu_ms_per_request']:.2f} + PostgreSQL {result['db_cpu_ms_per_request']:.2f} ms; "
                    f"machine {result['busy_before_pct']:.0f}% busy before, {result['machine_busy_pct']:.0f}% during"
                )
                # Requests in flight when wrk stopped finish before the next window counts CPU.
                time.sleep(1)
        after = booked_count()

    result = common.median_of_runs(runs)
    seconds = sum(run["duration_us"] for run in runs) / 1e6
    statuses: dict[int, int] = defaultdict(int)
    for run in runs:
        for code, n in run["statuses"].items():
            statuses[int(code)] += n
    created = statuses.get(201, 0)
    lat = result["latency_us"]
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    overlaps = common.overlapping_pairs()
    print(f"\nplanned {len(measured):,} bookings in {args.runs} runs of {args.duration} s (medians below)")
    print(f"{sum(r['requests'] for r in runs):,} requests in {seconds:.1f} s; statuses {dict(statuses)}")
    print(
        f"bookings/s: {result['bookings_per_s']:.1f}  (target >= 200)\n"
        f"latency: p50 {lat['p50'] / 1000:.1f} ms, p95 {lat['p95'] / 1000:.1f} ms (target < 100), "
        f"p99 {lat['p99'] / 1000:.1f} ms, max {lat['max'] / 1000:.1f} ms"
    )
    app_ms = result["app_cpu_ms_per_request"]
    db_ms = result["db_cpu_ms_per_request"]
    cores = os.cpu_count() or 1
    print(
        f"CPU per booking: app {app_ms:.2f} ms + PostgreSQL {db_ms:.2f} ms; {cores} cores / {app_ms + db_ms:.1f} ms "
        f"= at most {1000 * cores / (app_ms + db_ms):.0f} bookings/s on an idle machine"
    )
    print(
        f"SQL: booked rows added {after - before:,} (201s seen: {created:,}; up to {args.clients} per run more were "
        f"in flight when wrk stopped); overlapping occupying pairs: {overlaps}"
    )
    # wrk stops with up to one request per connection in flight; the server still books those.
    in_flight_ok = created <= after - before <= created + args.clients * args.runs
    ok = overlaps == 0 and server_errors == 0 and in_flight_ok
    print(
        f"\nRESULT: {'PASS' if ok else 'FAIL'} (correctness); targets: "
        f"{'met' if result['bookings_per_s'] >= 200 and lat['p95'] < 100_000 else 'missed'}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            **common.RUN,
            "config": config.label,
            "bookings_per_s": result["bookings_per_s"],
            "wrk": result,
            "rows_added": after - before,
            "overlapping_pairs": overlaps,
            "cpu_ms_per_request": {"app": app_ms, "db": db_ms},
            "ok": ok,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
