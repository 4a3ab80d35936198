"""Gather the JSON files one ``bench/run_all.sh`` run wrote into one results file and print
the figures as a markdown table.

    .venv/bin/python bench/summarize.py RUN_DIR OUT_JSON

RUN_DIR holds slots.json, slots_computed.json, throughput.json, contention.json and
guard.json (any may be missing when its step failed); OUT_JSON gets all of them under one
object, with the machine record of each step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

STEPS = ("slots", "slots_computed", "throughput", "contention", "guard")


def _load(run_dir: Path) -> dict[str, Any]:
    found = {}
    for step in STEPS:
        path = run_dir / f"{step}.json"
        if path.exists():
            found[step] = json.loads(path.read_text())
    return found


def _cpu(row: dict[str, Any]) -> str:
    app, db = row["app_cpu_ms_per_request"], row["db_cpu_ms_per_request"]
    return f"{app + db:.2f} ({app:.2f} + {db:.2f})"


def _http_rows(name: str, data: dict[str, Any]) -> list[str]:
    rows = []
    for run in data.get("http", []):
        lat = run["latency_us"]
        rows.append(
            f"| {name}, 4 weeks, 20 clients, {run['server']} | {run['rps']:.0f} req/s, p50 {lat['p50'] / 1000:.1f} ms, "
            f"p95 {lat['p95'] / 1000:.1f} ms | {_cpu(run)} | {run['busy_before_pct']:.0f} % |"
        )
    single = data.get("single_client_week")
    if single:
        lat = single["latency_us"]
        rows.append(
            f"| {name}, 1 week, one client | {single['rps']:.0f} req/s, p50 {lat['p50'] / 1000:.1f} ms | "
            f"{_cpu(single)} | {single['busy_before_pct']:.0f} % |"
        )
    return rows


def _in_process_rows(data: dict[str, Any]) -> list[str]:
    rows = []
    for row in data.get("in_process", []):
        rows.append(
            f"| slots in-process, {row['range']} | {row['queries']} / {row['cold_queries']} queries "
            f"(cached / computed) | cached {row['median_cpu_ms']:.2f}, computed {row['cold_median_cpu_ms']:.2f} "
            "(app only) | — |"
        )
    return rows


def table(found: dict[str, Any]) -> str:
    lines = [
        "| what | result (medians) | CPU ms per request: total (app + PostgreSQL) | busy before |",
        "|---|---|---|---|",
    ]
    if "slots" in found:
        lines += _http_rows("slots cached", found["slots"])
        lines += _in_process_rows(found["slots"])
    if "slots_computed" in found:
        lines += _http_rows("slots computed (cache off)", found["slots_computed"])
    if "throughput" in found:
        t = found["throughput"]
        lat = t["wrk"]["latency_us"]
        lines.append(
            f"| booking, 20 clients, {t['config']}, {len(t['wrk']['runs'])} runs | {t['bookings_per_s']:.0f} "
            f"bookings/s, p50 {lat['p50'] / 1000:.1f} ms, p95 {lat['p95'] / 1000:.1f} ms; overlaps "
            f"{t['overlapping_pairs']} | {_cpu(t['wrk'])} | {t['wrk']['busy_before_pct']:.0f} % |"
        )
    if "contention" in found:
        c = found["contention"]
        statuses = {str(k): v for k, v in c["statuses"].items()}
        fives = sum(v for k, v in statuses.items() if k.startswith("5"))
        lines.append(
            f"| contention, {c['attempts']:,} attempts | {statuses.get('201', 0):,} × 201, {statuses.get('409', 0):,} "
            f"× 409, {fives} × 5xx, {c['sql']['overlapping_pairs']} overlaps: {'PASS' if c.get('ok') else 'FAIL'} "
            "| — | — |"
        )
    if "guard" in found:
        for path, row in found["guard"]["paths"].items():
            lines.append(
                f"| in-process (guard, {found['guard']['engine']}), {path} | {row['iterations']} × "
                f"{row['batches']} batches | {row['cpu_ms']:.2f} (app only, min of batches) | — |"
            )
    return "\n".join(lines)


def header(found: dict[str, Any]) -> str:
    lines = []
    for step, data in found.items():
        if "calibration" not in data:
            continue
        cal = data["calibration"]
        pg = cal.get("postgres_select1_us")
        rd = cal.get("redis_ping_us")
        lines.append(
            f"- {step}: commit {data['commit']}, {data['cpu_model']}, {data['cores']} cores, at {data['measured_at']}; "
            f"load before {data['load_before']['loadavg']} ({data['load_before']['busy_pct_1s']:.0f} % busy); "
            f"calibration: python loop {cal['python_loop_ms']['median']:.1f} ms, "
            f"SELECT 1 {'—' if pg is None else f'{pg:.0f} µs'}, PING {'—' if rd is None else f'{rd:.0f} µs'}"
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    run_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    found = _load(run_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(found, indent=2, default=str))
    print(header(found))
    print()
    print(table(found))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
