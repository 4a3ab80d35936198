"""Crash benchmark: 10,000 due reminders, five SIGKILLs of the worker's process group spread
over the burst and one restart of Redis, then: was every row sent, was any message
delivered twice, and how many repeated POSTs (the residual window) did the gateway drop?

Redis here is a private redis-server on 127.0.0.1:6390 (no persistence), started, killed
and restarted by this script; the shared Redis on 6379 is never touched. The gateway
(tests/reminders/gateway.py) stays up throughout and remembers every idempotency key.

    .venv/bin/python bench/reminders_crash.py [--rows 10000] [--concurrency 8] [--lease 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import reminders_common as rc

PEOPLE = 2000
REDIS_PORT = 6390
# Kills after these shares of the rows reached the gateway; the Redis restart between two.
KILL_AT = (0.10, 0.25, 0.40, 0.55, 0.70)
REDIS_RESTART_AT = 0.475
EVENT_TIMEOUT = 180.0
RECOVERY_TIMEOUT = 300.0


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class PrivateRedis:
    """A redis-server of our own on 127.0.0.1, without persistence: a restart loses every
    queued and unacknowledged message, which is the point. It runs in the foreground as a
    child in its own session, so killing it is killing exactly the process we started."""

    def __init__(self, group: rc.ChildGroup, port: int, run_dir: Path) -> None:
        self.group = group
        self.port = port
        self.dir = run_dir / "redis"
        self.url = f"redis://127.0.0.1:{port}/0"
        self.child: rc.Child | None = None
        self.starts = 0

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            raise SystemExit("redis-server is not installed")
        self.dir.mkdir(parents=True, exist_ok=True)
        args = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--daemonize", "no", "--dir", str(self.dir)]
        self.starts += 1
        self.child = self.group.add(
            rc.Child(f"redis{self.starts}", args, dict(os.environ), self.dir / f"redis{self.starts}.log").start()
        )
        if not rc.wait_for(lambda: port_open(self.port) or not self.child.running(), timeout=20):
            raise SystemExit(f"private redis did not start on {self.port}")
        if not self.child.running():
            raise SystemExit(f"private redis exited:\n{self.child.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing saved; wait until the port is free again."""
        if self.child is not None:
            self.child.kill()
        rc.wait_for(lambda: not port_open(self.port), timeout=20)


@dataclass
class Event:
    what: str  # "kill" or "redis"
    share: float
    at: float = 0.0  # seconds since the worker first started
    posts_before: int = 0  # gateway POSTs logged when it happened
    delivered_before: int = 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.utils import timezone

    from messaging.models import Delivery

    if port_open(REDIS_PORT):
        raise SystemExit(f"127.0.0.1:{REDIS_PORT} is in use; the crash run needs a private Redis there")
    people = rc.ensure_people(PEOPLE)
    rc.reset_deliveries()
    now = timezone.now() - timedelta(seconds=1)
    rc.insert_due_rows(people, [now] * args.rows, tag="crash")
    run_dir = rc.run_dir_for("crash")
    events = sorted(
        [Event("kill", share) for share in KILL_AT] + [Event("redis", REDIS_RESTART_AT)], key=lambda e: e.share
    )
    config = rc.WorkerConfig(
        concurrency=args.concurrency,
        claim_batch=args.claim_batch,
        send_batch=args.send_batch,
        dispatch_every=1,
        lease_seconds=args.lease,
        broker_url=f"redis://127.0.0.1:{REDIS_PORT}/0",
    )
    rc.print_header(
        "reminders crash",
        {
            "rows": args.rows,
            "people": PEOPLE,
            "kills (SIGKILL of the worker's process group) at delivered share": ",".join(map(str, KILL_AT)),
            "redis restart at": REDIS_RESTART_AT,
            **config.label(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        redis_url=rc.REDIS_URL,
    )
    print(f"machine busy before: {rc.settle()}")
    workers: list[rc.Child] = []
    with rc.children() as group:
        redis = PrivateRedis(group, REDIS_PORT, run_dir)
        redis.start()
        gateway = rc.start_gateway(group, run_dir)

        def new_worker() -> rc.Child:
            worker = rc.worker_child(f"crash{len(workers)}", config, gateway.url, run_dir)
            workers.append(group.add(worker.start()))
            return worker

        started = time.monotonic()
        worker = new_worker()
        restarts: list[tuple[float, int]] = []  # (seconds in, gateway posts then)

        def supervise() -> None:
            # As systemd or supervisord would: a worker that exits on its own is started again
            # (rows live in PostgreSQL; a restarted worker finds them after their lease). Each
            # restart is reported, so a worker that exits is never hidden.
            nonlocal worker
            if not worker.running():
                restarts.append((round(time.monotonic() - started, 2), gateway.stats()["posts"]))
                print(f"{restarts[-1][0]:7.2f} s  the worker exited on its own; started again:", flush=True)
                print(worker.tail(), flush=True)
                worker = new_worker()

        for event in events:
            target = int(event.share * args.rows)
            reached = False
            deadline = time.monotonic() + EVENT_TIMEOUT
            while not reached and time.monotonic() < deadline:
                reached = (
                    rc.wait_for(
                        lambda t=target, w=worker: gateway.delivered() >= t or not w.running(),
                        max(0.1, deadline - time.monotonic()),
                        interval=0.05,
                    )
                    and gateway.delivered() >= target
                )
                supervise()
            if not reached:
                raise SystemExit(f"only {gateway.delivered()} delivered after {EVENT_TIMEOUT:.0f} s:\n{worker.tail()}")
            stats = gateway.stats()
            event.at = round(time.monotonic() - started, 2)
            event.posts_before = stats["posts"]
            event.delivered_before = stats["delivered"]
            if event.what == "kill":
                worker.kill()
                # A killed worker must not post anything more.
                time.sleep(0.3)
                event.posts_before = gateway.stats()["posts"]
                worker = new_worker()
            else:
                redis.kill()
                time.sleep(1.0)
                redis.start()
            print(
                f"{event.at:7.2f} s  {event.what:5s} at {event.delivered_before} delivered "
                f"({event.posts_before} posts)",
                flush=True,
            )
        last_event = time.monotonic()

        def all_sent() -> bool:
            supervise()
            return not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()

        done = rc.wait_for(all_sent, RECOVERY_TIMEOUT, interval=0.5)
        finished = time.monotonic()
        counts = rc.status_counts()
        worker.stop()
        posts = gateway.posts()
        gateway.child.stop()
        logs = [w.log_path.read_text(errors="replace") for w in workers]
    return verify(
        args=args,
        run_dir=run_dir,
        events=events,
        posts=posts,
        counts=counts,
        done=done,
        total_s=finished - started,
        restarts=restarts,
        recovery_s=finished - last_event,
        logs=logs,
    )


def verify(
    *,
    args: argparse.Namespace,
    run_dir: Path,
    events: list[Event],
    posts: list[dict[str, Any]],
    counts: dict[str, int],
    done: bool,
    total_s: float,
    recovery_s: float,
    logs: list[str],
    restarts: list[tuple[float, int]],
) -> dict[str, Any]:
    from messaging.models import Delivery

    rows = {str(k): v for k, v in Delivery.objects.values_list("idempotency_key", "provider_message_id")}
    delivered = Counter(p["key"] for p in posts if p["outcome"] == "delivered")
    gateway_ids = {p["key"]: p["message_id"] for p in posts if p["outcome"] == "delivered"}
    first_post: dict[str, int] = {}
    repeats_crash = repeats_other = 0
    # A worker that exited on its own and was started again is a crash like a kill.
    cut_points = [e.posts_before for e in events] + [posts_at for _at, posts_at in restarts]
    for index, post in enumerate(posts):
        key = post["key"]
        if post["outcome"] != "repeat":
            first_post.setdefault(key, index)
            continue
        # A repeat is the crash window only if the key's first POST came before an event and
        # this one after it; any other repeat would be two live tasks posting one row.
        first = first_post.get(key, index)
        if any(first < cut <= index for cut in cut_points):
            repeats_crash += 1
        else:
            repeats_other += 1
    returned = sum(
        int(m.group(1)) for log in logs for m in re.finditer(r"returned (\d+) deliveries whose lease expired", log)
    )
    result = {
        "rows": args.rows,
        "worker_exits_restarted": [at for at, _posts in restarts],
        "all_sent_in_time": done,
        "db_status": counts,
        "lost": args.rows - counts.get("sent", 0),
        "keys_never_delivered": len(set(rows) - set(delivered)),
        "keys_delivered_twice": sum(1 for n in delivered.values() if n > 1),
        "unknown_keys": len(set(delivered) - set(rows)),
        "posts": len(posts),
        "repeated_posts": repeats_crash + repeats_other,
        "repeats_after_a_kill": repeats_crash,
        "repeats_other": repeats_other,
        # A worker killed while writing a request leaves a truncated body: answered 400, not sent.
        "truncated_by_kill": sum(1 for p in posts if p["outcome"] == "bad_request"),
        "refused": sum(1 for p in posts if p["outcome"] == "refused"),
        "rows_with_wrong_provider_id": sum(1 for k, v in rows.items() if gateway_ids.get(k) != v),
        "rows_returned_by_sweeper": returned,
        "total_s": round(total_s, 1),
        "after_last_event_s": round(recovery_s, 1),
        "events": [e.__dict__ for e in events],
        "run_dir": str(run_dir),
    }
    keys = [k for k in result if k not in ("events", "run_dir")]
    print("  ".join(f"{k}={result[k]}" for k in keys), flush=True)
    print("RESULT " + json.dumps(result, default=str), flush=True)
    ok = (
        done
        and result["lost"] == 0
        and result["keys_never_delivered"] == 0
        and result["keys_delivered_twice"] == 0
        and result["unknown_keys"] == 0
        and result["rows_with_wrong_provider_id"] == 0
    )
    print("PASS" if ok else "FAIL", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--claim-batch", type=int, default=2000)
    parser.add_argument("--send-batch", type=int, default=200)
    parser.add_argument("--lease", type=int, default=5, help="REMINDERS_LEASE_SECONDS: short, so recovery is quick")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for other benchmarks to finish")
    args = parser.parse_args()
    rc.setup()
    if not args.no_wait:
        rc.wait_for_other_benchmarks()
    result = run(args)
    rc.reset_deliveries()
    raise SystemExit(0 if result["lost"] == 0 and result["keys_delivered_twice"] == 0 else 1)


if __name__ == "__main__":
    main()
