"""Contended booking: many clients racing for the same few offered slots.

Rounds of 32 simultaneous POST /api/appointments/, each from a distinct service user,
aimed at 1, 2, 4 or 8 of a small pool of slots of a few workers (a unit-wide meeting type,
so permission is never why a booking is refused). After each round the winners cancel,
which frees the slots for the next round. Checks: exactly one winner per contested slot
and round, every loser answered 409, no 5xx; then SQL finds no overlapping occupying
appointments in the whole database. Also checks that a time never offered (Saturday
23:00) is refused.

    .venv/bin/python bench/bench_contention.py [--attempts 10000] [--clients 32] [--config sync:4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import common
import httpx

TZ = ZoneInfo("Europe/Oslo")
# How many distinct slots the clients of one round share; cycled round by round.
TARGETS_PER_ROUND = (1, 2, 4, 8)


def setup(workers: int, clients: int) -> dict[str, Any]:
    """Workers of the first unit (not the busiest one), their drop-in type, and service users."""
    from booking.models import MeetingType
    from people.models import User

    heavy = common.heavy_worker_id()
    unit_id = User.objects.get(pk=heavy).unit_id
    worker_ids = list(
        User.objects.filter(role="social_worker", unit_id=unit_id)
        .exclude(pk=heavy)
        .order_by("username")
        .values_list("pk", flat=True)[:workers]
    )
    types = dict(
        MeetingType.objects.filter(calendar__owner_id__in=worker_ids, name=common.DROPIN_TYPE).values_list(
            "calendar__owner_id", "pk"
        )
    )
    # Ten times as many users as clients, rotated per round, so racing users differ round to round.
    user_ids = list(
        User.objects.filter(role="service_user", unit_id=unit_id)
        .order_by("pk")
        .values_list("pk", flat=True)[: clients * 10]
    )
    tokens = common.tokens_for(user_ids)
    return {"workers": worker_ids, "types": types, "tokens": [tokens[u] for u in user_ids], "token_of": tokens}


def fetch_slots(base: str, token: str, worker_id: int, meeting_type_id: int, first: date, days: int) -> list[str]:
    last = first + timedelta(days=days - 1)
    response = httpx.get(
        f"{base}/api/workers/{worker_id}/slots/",
        params={"start": str(first), "end": str(last), "meeting_type": meeting_type_id},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    response.raise_for_status()
    return [slot["start"] for slot in response.json()]


async def post(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
    started = time.perf_counter()
    try:
        response = await client.post("/api/appointments/", json=body, headers={"Authorization": f"Token {token}"})
    except httpx.TransportError as exc:
        # No answer: the booking may or may not have happened. Status 0 marks it; the
        # round's leftovers are found in SQL and cancelled (see leftovers()).
        return 0, {"error": {"code": type(exc).__name__}}, (time.perf_counter() - started) * 1000
    elapsed = (time.perf_counter() - started) * 1000
    try:
        payload = response.json()
    except ValueError:
        payload = {"raw": response.text[:200]}
    return response.status_code, payload, elapsed


async def cancel(client: httpx.AsyncClient, token: str, appointment_id: int) -> int:
    try:
        response = await client.post(
            f"/api/appointments/{appointment_id}/cancel/",
            json={"reason": "benchmark round over"},
            headers={"Authorization": f"Token {token}"},
        )
    except httpx.TransportError:
        return 0
    return response.status_code


def leftovers(data: dict[str, Any]) -> list[tuple[str, int]]:
    """Drop-in bookings still occupying a contested calendar, with their owner's token."""
    from booking.models import Appointment

    rows = Appointment.objects.filter(
        meeting_type__name=common.DROPIN_TYPE, calendar__owner_id__in=data["workers"], status="booked"
    ).values_list("client_id", "pk")
    return [(data["token_of"][client_id], pk) for client_id, pk in rows]


async def race(
    base: str, *, data: dict[str, Any], pool: list[dict[str, Any]], clients: int, attempts: int, max_seconds: float
) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    latencies: list[float] = []
    per_slot_wins: Counter[tuple[int, str]] = Counter()
    per_slot_rounds: Counter[tuple[int, str]] = Counter()
    bad_rounds: list[str] = []
    cancel_failures = 0
    tokens = data["tokens"]
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    started = time.monotonic()
    rounds = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        while sum(statuses.values()) < attempts and time.monotonic() - started < max_seconds:
            k = TARGETS_PER_ROUND[rounds % len(TARGETS_PER_ROUND)]
            first = (rounds * 3) % len(pool)
            targets = [pool[(first + j) % len(pool)] for j in range(k)]
            batch = []
            for i in range(clients):
                target = targets[i % k]
                token = tokens[(rounds * clients + i) % len(tokens)]
                body = {"worker": target["worker"], "meeting_type": target["meeting_type"], "start": target["start"]}
                batch.append((token, target, body))
            results = await asyncio.gather(*(post(client, token, body) for token, _target, body in batch))
            winners: list[tuple[str, int]] = []
            wins_this_round: Counter[tuple[int, str]] = Counter()
            for (token, target, _body), (status, payload, elapsed) in zip(batch, results, strict=True):
                statuses[status] += 1
                latencies.append(elapsed)
                key = (target["worker"], target["start"])
                if status == 201:
                    wins_this_round[key] += 1
                    winners.append((token, payload["id"]))
                else:
                    codes[payload.get("error", {}).get("code", "?")] += 1
            for target in targets:
                key = (target["worker"], target["start"])
                per_slot_rounds[key] += 1
                per_slot_wins[key] += wins_this_round[key]
                if wins_this_round[key] != 1:
                    bad_rounds.append(f"round {rounds}: {wins_this_round[key]} winners for {key}")
            cancelled = await asyncio.gather(*(cancel(client, token, pk) for token, pk in winners))
            failed = sum(1 for status in cancelled if status != 200)
            cancel_failures += failed
            unclear = any(status == 0 for status, _payload, _elapsed in results)
            if failed or unclear:
                # A lost answer or a failed cancel would leave a slot taken for every later
                # round; the database says what is still booked.
                stray = await asyncio.to_thread(leftovers, data)
                await asyncio.gather(*(cancel(client, token, pk) for token, pk in stray))
            rounds += 1
    elapsed_s = time.monotonic() - started
    return {
        "rounds": rounds,
        "attempts": sum(statuses.values()),
        "seconds": elapsed_s,
        "statuses": dict(statuses),
        "loser_codes": dict(codes),
        "latency_ms": {
            "p50": common.percentile(latencies, 50),
            "p95": common.percentile(latencies, 95),
            "p99": common.percentile(latencies, 99),
        },
        "bad_rounds": bad_rounds,
        "cancel_failures": cancel_failures,
        "per_slot": {f"{w} {s}": [per_slot_rounds[(w, s)], per_slot_wins[(w, s)]] for (w, s) in per_slot_rounds},
    }


def never_offered_probe(base: str, data: dict[str, Any], first: date) -> tuple[int, str]:
    """Book Saturday 23:00, a time outside every working hour, and return the answer."""
    saturday = first + timedelta(days=(5 - first.weekday()) % 7 or 7)
    start = datetime.combine(saturday, datetime.min.time(), tzinfo=TZ).replace(hour=23)
    worker = data["workers"][0]
    response = httpx.post(
        f"{base}/api/appointments/",
        json={"worker": worker, "meeting_type": data["types"][worker], "start": start.isoformat()},
        headers={"Authorization": f"Token {data['tokens'][0]}"},
        timeout=30,
    )
    return response.status_code, response.json().get("error", {}).get("code", "")


def verify_in_sql(data: dict[str, Any]) -> dict[str, Any]:
    from booking.models import Appointment

    started = time.monotonic()
    overlaps_all = common.overlapping_pairs()
    check_s = time.monotonic() - started
    dropin = Appointment.objects.filter(meeting_type__name=common.DROPIN_TYPE, calendar__owner_id__in=data["workers"])
    by_status = dict(Counter(dropin.values_list("status", flat=True)))
    return {"overlapping_pairs": overlaps_all, "check_seconds": check_s, "benchmark_rows_by_status": by_status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="calendars whose slots are contested")
    parser.add_argument("--slots-per-worker", type=int, default=3)
    parser.add_argument("--config", default="sync:4", help="gunicorn shape, e.g. sync:4 or gthread:2x4")
    parser.add_argument("--max-seconds", type=float, default=900, help="stop the rounds after this long")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not 1 <= args.attempts <= 200_000 or not 2 <= args.clients <= 256:
        raise SystemExit("--attempts must be 1..200000 and --clients 2..256")

    common.django_setup()
    common.print_environment()
    config = common.ServerConfig.parse(args.config)
    print(f"server: {config.label}, DEBUG=0; clients: {args.clients} (httpx asyncio)")
    removed = common.delete_benchmark_bookings()
    print(f"removed {removed:,} bookings left by earlier benchmark runs")
    data = setup(args.workers, args.clients)
    # Slots from two days ahead: clear of the minimum notice for the whole run.
    first = datetime.now(TZ).date() + timedelta(days=2)
    rng = random.Random(args.seed)

    with common.running_server(config) as server:
        pool = []
        for worker in data["workers"]:
            offered = fetch_slots(server.base_url, data["tokens"][0], worker, data["types"][worker], first, 28)
            if len(offered) < args.slots_per_worker:
                raise SystemExit(f"worker {worker} offers only {len(offered)} slots")
            for start in sorted(rng.sample(offered, args.slots_per_worker)):
                pool.append({"worker": worker, "meeting_type": data["types"][worker], "start": start})
        print(f"contested slots: {len(pool)} over {len(data['workers'])} workers, {len(data['tokens'])} users")
        probe = never_offered_probe(server.base_url, data, first)
        print(f"machine {100 * common.wait_for_quiet():.0f}% busy before the rounds")
        result = asyncio.run(
            race(
                server.base_url,
                data=data,
                pool=pool,
                clients=args.clients,
                attempts=args.attempts,
                max_seconds=args.max_seconds,
            )
        )
    sql = verify_in_sql(data)

    statuses = result["statuses"]
    wins = statuses.get(201, 0)
    conflicts = statuses.get(409, 0)
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    others = {code: n for code, n in statuses.items() if code not in (201, 409)}
    slot_rounds = sum(r for r, _w in result["per_slot"].values())
    lat = result["latency_ms"]
    print(
        f"\n{result['attempts']:,} attempts in {result['rounds']} rounds, {result['seconds']:.1f} s "
        f"({result['attempts'] / result['seconds']:.0f} attempts/s)"
    )
    print(f"  201 created: {wins:,}  (contested slot-rounds: {slot_rounds:,}; exactly one winner expected in each)")
    print(f"  409 conflict: {conflicts:,}  codes: {result['loser_codes']}")
    print(f"  5xx: {server_errors}  other statuses: {others or 'none'}")
    print(f"  rounds without exactly one winner per slot: {len(result['bad_rounds'])} {result['bad_rounds'][:5]}")
    print(f"  winners' cancellations that failed: {result['cancel_failures']}")
    print(f"  latency of attempts: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, p99 {lat['p99']:.1f} ms")
    print(f"  Saturday 23:00 (never offered): HTTP {probe[0]} {probe[1]}")
    print(
        f"  SQL: overlapping occupying pairs in the whole database: {sql['overlapping_pairs']} "
        f"({sql['check_seconds']:.1f} s); benchmark rows: {sql['benchmark_rows_by_status']}"
    )
    losers_ok = conflicts == result["attempts"] - wins
    ok = (
        sql["overlapping_pairs"] == 0
        and not result["bad_rounds"]
        and server_errors == 0
        and losers_ok
        and wins == slot_rounds
        and probe[0] == 400
    )
    print(f"\nRESULT: {'PASS' if ok else 'FAIL'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {**common.RUN, "config": config.label, **result, "sql": sql, "ok": ok}
        payload["never_offered_probe"] = probe
        args.json.write_text(json.dumps(payload, indent=2, default=str))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
