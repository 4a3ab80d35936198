"""The CI guard: CPU time per request of the hot paths, in-process, against a stored baseline.

Four requests through Django's whole request path (middleware, sign-in, the view), with the
test client and the test settings (``config.settings_test``), on a small data set of its own:

* ``slots_cached``: a service user's ``GET /api/workers/{id}/slots/`` for 4 weeks with a
  token, answered from the slots cache;
* ``slots_computed_28d``: the same with the cache cleared before each request;
* ``booking``: ``POST /api/appointments/`` with a token, rolled back after each request so
  every one books the same free slot;
* ``conversation_poll``: a worker's open conversation asking ``/conversations/{id}/new/``
  (session, 204 when nothing is new).

Each is timed with ``time.process_time`` (this process's CPU: Django and the database driver,
and SQLite's work; not PostgreSQL's backend), ``ITERATIONS`` requests a batch after a
warm-up, the paths taking turns within each of ``BATCHES`` batches. Right before each batch
of each path a fixed piece of work is timed the same way (``calibration.django_work``: a pure-Python
loop and some of Django's own code); a batch's score is its CPU per
request divided by that, and a path's score the median over its batches. A busier or slower
machine slows both sides of the ratio alike, which keeps the score steady where the
milliseconds are not. The check fails when a score is more than ``LIMIT`` (30 %) above the
baseline's in ``bench/guard_baseline.json`` for the same database engine.

    .venv/bin/python bench/guard.py                    # measure and compare (exit 1 on a slowdown)
    .venv/bin/python bench/guard.py --report [--json F]  # measure and print only
    .venv/bin/python bench/guard.py --update-baseline  # on purpose: store this run as the baseline

SQLite by default, PostgreSQL when ``DATABASE_URL`` names one (a test database
``test_<name>`` is made and dropped). The normal test suite runs the same measurement
(``tests/perf/test_guard.py``). ``TRIANGEL_GUARD_SLOWDOWN_MS`` burns that many milliseconds of
CPU in every request measured here (a middleware added only while the guard measures):
a deliberate slowdown, to see the guard fail.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for _path in (str(ROOT), str(BENCH_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import calibration  # noqa: E402  (bench/ is on the path from here on)
from guard_data import make_data  # noqa: E402

BASELINE_PATH = BENCH_DIR / "guard_baseline.json"
LIMIT = 1.30  # a score more than 30 % above the baseline's fails
ITERATIONS = {"slots_cached": 12, "slots_computed_28d": 4, "booking": 5, "conversation_poll": 12}
BATCHES = 8
WARMUP = 5
SLOWDOWN_ENV = "TRIANGEL_GUARD_SLOWDOWN_MS"
SLOWDOWN_MIDDLEWARE = "guard.SlowdownMiddleware"


class SlowdownMiddleware:
    """Burns ``TRIANGEL_GUARD_SLOWDOWN_MS`` ms of CPU per request: the deliberate slowdown."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.seconds = float(os.environ.get(SLOWDOWN_ENV, "0") or 0) / 1000

    def __call__(self, request: Any) -> Any:
        until = time.process_time() + self.seconds
        while time.process_time() < until:
            pass
        return self.get_response(request)


def calibration_ms() -> float:
    """CPU milliseconds of one ``calibration.django_work`` (the garbage collector off)."""
    return calibration.django_loop_ms(rounds=1)["min"]


def _requests(data: dict[str, Any]) -> dict[str, Callable[[], float]]:
    """Each hot path as a function that makes one request and returns its CPU seconds (work
    that is not the request's own, such as clearing the cache, is left out)."""
    from django.core.cache import caches
    from django.db import transaction
    from django.test import Client

    from web.sign_in import SECOND_FACTOR

    api = Client(HTTP_AUTHORIZATION=f"Token {data['token']}", HTTP_ACCEPT="application/json")
    web = Client()
    web.force_login(data["worker"])
    session = web.session
    session[SECOND_FACTOR] = "guard"  # staff pages need a second factor shown in the session
    session.save()
    body = json.dumps(data["booking_body"])

    def timed(call: Callable[[], Any], expect: int) -> float:
        started = time.process_time()
        response = call()
        used = time.process_time() - started
        if response.status_code != expect:
            raise RuntimeError(f"expected {expect}, got {response.status_code}: {response.content[:300]!r}")
        return used

    def slots_cached() -> float:
        return timed(lambda: api.get(data["slots_path"]), 200)

    def slots_computed() -> float:
        caches["slots"].clear()
        return timed(lambda: api.get(data["slots_path"]), 200)

    def booking() -> float:
        with transaction.atomic():
            used = timed(lambda: api.post("/api/appointments/", body, content_type="application/json"), 201)
            transaction.set_rollback(True)  # the same slot stays free for the next request
        return used

    def poll() -> float:
        return timed(lambda: web.get(data["poll_path"]), 204)

    return {
        "slots_cached": slots_cached,
        "slots_computed_28d": slots_computed,
        "booking": booking,
        "conversation_poll": poll,
    }


def measure(
    data: dict[str, Any], *, batches: int = BATCHES, iterations: dict[str, int] | None = None
) -> dict[str, Any]:
    """CPU ms per request of every hot path and of the calibration work (medians over the
    batches) and each path's score (see the module's docstring). Everything runs in one
    transaction that is rolled back."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import override_settings

    iterations = iterations or ITERATIONS
    slowdown_ms = float(os.environ.get(SLOWDOWN_ENV, "0") or 0)
    # Whatever the process already holds (a whole test suite's worth, or next to nothing in
    # `guard.py` on its own) is left out of the garbage collector's passes, so those cost
    # the same in both.
    gc.collect()
    gc.freeze()
    with ExitStack() as stack:
        stack.callback(gc.unfreeze)
        if slowdown_ms:
            stack.enter_context(override_settings(MIDDLEWARE=[SLOWDOWN_MIDDLEWARE, *settings.MIDDLEWARE]))
        stack.enter_context(transaction.atomic())
        requests = _requests(data)
        calibration.django_work()
        for request in requests.values():
            for _ in range(WARMUP):
                request()
        loops: list[float] = []
        per_request: dict[str, list[float]] = {name: [] for name in requests}
        ratios: dict[str, list[float]] = {name: [] for name in requests}
        for _ in range(batches):
            for name, request in requests.items():
                loop = calibration_ms()
                loops.append(loop)
                n = iterations[name]
                cpu = 1000 * sum(request() for _ in range(n)) / n
                per_request[name].append(cpu)
                ratios[name].append(cpu / loop)
        transaction.set_rollback(True)
    return {
        "engine": connection.vendor,
        "calibration_ms": statistics.median(loops),
        "slowdown_ms": slowdown_ms,
        "paths": {
            name: {
                "cpu_ms": statistics.median(values),
                "min_ms": min(values),
                "score": statistics.median(ratios[name]),
                "iterations": iterations[name],
                "batches": batches,
            }
            for name, values in per_request.items()
        },
    }


def compare(result: dict[str, Any], baseline: dict[str, Any], *, limit: float = LIMIT) -> list[str]:
    """Lines naming each path whose score is more than ``limit`` times the baseline's; empty
    when none is."""
    failures = []
    for name, row in result["paths"].items():
        base = baseline["paths"].get(name)
        if base is None:
            continue
        ratio = row["score"] / base["score"]
        if ratio > limit:
            failures.append(
                f"{name}: {row['cpu_ms']:.2f} ms CPU per request at calibration {result['calibration_ms']:.1f} ms "
                f"is {100 * (ratio - 1):.0f} % slower than the baseline's {base['cpu_ms']:.2f} ms at "
                f"{baseline['calibration_ms']:.1f} ms (limit {100 * (limit - 1):.0f} %)"
            )
    return failures


def _best_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Per path, the attempt with the lowest score."""
    best = dict(results[0])
    best["paths"] = {
        name: min((r["paths"][name] for r in results), key=lambda row: row["score"]) for name in results[0]["paths"]
    }
    best["attempts"] = len(results)
    return best


def check(
    data: dict[str, Any], baseline: dict[str, Any], *, attempts: int = 3, batches: int = BATCHES
) -> tuple[dict[str, Any], list[str]]:
    """Measure and compare; when a path looks slower, measure again (up to ``attempts`` in all)
    and keep each path's best attempt: a neighbour's burst of work rarely lasts through three
    measurements, a real slowdown does. Returns the best result and its failures."""
    results = [measure(data, batches=batches)]
    failures = compare(results[0], baseline)
    while failures and len(results) < attempts:
        results.append(measure(data, batches=batches))
        failures = compare(_best_of(results), baseline)
    return _best_of(results), failures


def baseline_from(data: dict[str, Any], *, runs: int = 3) -> dict[str, Any]:
    """A baseline: per path the median of ``runs`` measurements (a typical run, not a lucky
    one, so the check's best of three does not fail on noise)."""
    results = [measure(data) for _ in range(runs)]
    baseline = dict(results[0])
    baseline["calibration_ms"] = statistics.median(r["calibration_ms"] for r in results)
    baseline["paths"] = {}
    for name in results[0]["paths"]:
        rows = sorted((r["paths"][name] for r in results), key=lambda row: row["score"])
        baseline["paths"][name] = rows[len(rows) // 2]
    baseline["runs"] = runs
    return baseline


def report(result: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    lines = [
        f"engine {result['engine']}, calibration {result['calibration_ms']:.1f} ms"
        + (f", deliberate slowdown {result['slowdown_ms']:g} ms per request" if result["slowdown_ms"] else "")
    ]
    for name, row in result["paths"].items():
        base = (baseline or {}).get("paths", {}).get(name)
        versus = f"  {100 * (row['score'] / base['score'] - 1):+.0f} % vs baseline" if base else ""
        lines.append(
            f"  {name:20} {row['cpu_ms']:7.2f} ms CPU (cheapest batch {row['min_ms']:.2f}; "
            f"score {row['score']:.4f}){versus}"
        )
    return lines


def load_baseline(engine: str) -> dict[str, Any] | None:
    if not BASELINE_PATH.exists():
        return None
    return json.loads(BASELINE_PATH.read_text()).get(engine)


def store_baseline(result: dict[str, Any], machine: dict[str, Any]) -> None:
    stored = json.loads(BASELINE_PATH.read_text()) if BASELINE_PATH.exists() else {}
    stored[result["engine"]] = {**result, "machine": machine}
    BASELINE_PATH.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")


def _in_test_database(work: Callable[[dict[str, Any]], Any]) -> Any:
    """Set Django up with the test settings, make a test database and the data, run ``work``
    with the data, drop the database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment(debug=False)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # In one transaction, rolled back, as in a test of the suite.
        with transaction.atomic():
            outcome = work(make_data())
            transaction.set_rollback(True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--update-baseline", action="store_true", help="store this run as the engine's baseline")
    what.add_argument("--report", action="store_true", help="measure and print; compare with nothing")
    parser.add_argument("--json", type=Path, help="also write the result (with the machine record) here")
    args = parser.parse_args()

    # The round trip to the server's own database: the guard's test database does not exist yet.
    database_url = os.environ.get("DATABASE_URL", "")
    machine = calibration.record(database_url=database_url.rsplit("/", 1)[0] + "/postgres" if database_url else None)
    for line in calibration.describe(machine):
        print(line)
    if args.update_baseline:
        result = _in_test_database(baseline_from)
        store_baseline(result, machine)
        print("\n".join(report(result, None)))
        print(f"baseline for {result['engine']} (median of {result['runs']} runs) written to {BASELINE_PATH}")
        return
    if args.report:
        result = _in_test_database(measure)
        failures: list[str] = []
        print("\n".join(report(result, None)))
    else:
        import django

        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
        django.setup()
        from django.db import connection

        baseline = load_baseline(connection.vendor)
        if baseline is None:
            raise SystemExit(f"no baseline for {connection.vendor}: run bench/guard.py --update-baseline")
        result, failures = _in_test_database(lambda data: check(data, baseline))
        print("\n".join(report(result, baseline)))
        for line in failures:
            print(f"SLOWER: {line}")
        print("RESULT: " + ("FAIL" if failures else "PASS"))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**machine, **result}, indent=2))
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
