"""CPU per delivery of ``messaging.sending.deliveries_send``, in-process, without Celery.

The worker's CPU per message decides how many messages one process can send, and it hardly
changes when a neighbour loads the machine (the wall-clock figures do). This script claims
due rows and sends them with ``--threads`` threads calling ``deliveries_send`` on batches of
``--send-batch``, against the benchmark gateway in its own process, and prints the process
CPU (user + system) per delivery and the rate. ``--profile`` writes a cProfile of one
thread's run (sorted by cumulative time) next to the logs.

    .venv/bin/python bench/reminders_send_cpu.py [--rows 5000] [--threads 1] [--send-batch 200]
        [--profile]

It uses a database of its own, ``triangel_bench_reminders_cpu``, so it can run beside the
other reminders benchmarks, and no broker.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import threading
import time
from datetime import timedelta

import reminders_common as rc

rc.DB_NAME = "triangel_bench_reminders_cpu"
rc.DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{rc.DB_NAME}"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--send-batch", type=int, default=200)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the first thread")
    args = parser.parse_args()

    rc.setup({"SMS_BACKEND": "http", "LOG_LEVEL": "WARNING"})
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from messaging import dispatch, sending

    people = rc.ensure_people(args.people)
    run_dir = rc.run_dir_for("send-cpu")
    print(f"== reminders send CPU  (rows={args.rows} threads={args.threads} send_batch={args.send_batch})")
    for line in rc.environment_lines():
        print(line)
    with rc.children() as group:
        gateway = rc.start_gateway(group, run_dir)
        settings.SMS_HTTP_URL = gateway.url
        settings.SMS_HTTP_TOKEN = ""
        rc.reset_deliveries()
        rc.insert_due_rows(people, [timezone.now() - timedelta(seconds=1)] * args.rows, tag="cpu")
        batches: list[tuple[str, list[int]]] = []
        while True:
            token, ids = dispatch.deliveries_claim(limit=args.send_batch)
            if not ids:
                break
            batches.append((token, ids))
        lock = threading.Lock()
        totals: dict[str, int] = {}

        def work(first: bool) -> None:
            profiler = cProfile.Profile() if (first and args.profile) else None
            while True:
                with lock:
                    if not batches:
                        break
                    token, ids = batches.pop()
                if profiler:
                    profiler.enable()
                counts = sending.deliveries_send(ids=ids, claim_token=token)
                if profiler:
                    profiler.disable()
                with lock:
                    for key, value in counts.items():
                        totals[key] = totals.get(key, 0) + value
            connection.close()
            if profiler:
                out = run_dir / "send-cpu.prof.txt"
                with out.open("w") as handle:
                    pstats.Stats(profiler, stream=handle).sort_stats("cumulative").print_stats(60)
                print(f"profile: {out}")

        busy = rc.settle()
        cpu0, wall0, gw0 = _cpu(), time.monotonic(), gateway.child.cpu_seconds()
        threads = [threading.Thread(target=work, args=(i == 0,)) for i in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu, wall = _cpu() - cpu0, time.monotonic() - wall0
        gw_cpu = gateway.child.cpu_seconds() - gw0
        sent = totals.get("sent", 0)
        print(f"machine busy before: {busy}  counts: {rc.fmt_counts(totals)}  db: {rc.fmt_counts(rc.status_counts())}")
        print(
            f"sent {sent} in {wall:.2f} s = {sent / wall:.0f}/s; process CPU {cpu:.2f} s = "
            f"{1000 * cpu / max(sent, 1):.2f} ms per delivery; gateway CPU {1000 * gw_cpu / max(sent, 1):.2f} ms"
        )
        gateway.child.stop()
    return 0 if totals.get("sent", 0) == args.rows else 1


if __name__ == "__main__":
    sys.exit(main())
