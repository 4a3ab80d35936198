"""What writing the access log costs per request.

The pages and API calls a social worker uses most, on the benchmark data set (``bench_w000``
and its caseload of 200), each asked for in-process with Django's test client, alternately
with the access log's middleware and without it (without it nothing is gathered either: the
selectors' ``audited`` querysets only note inside a request the middleware began). Reports,
per request, the median and p95 time both ways, the difference of the medians, the SQL
queries both ways and the rows the log got. The rows written here are deleted at the end.

    .venv/bin/python bench/bench_access_log.py [--rounds 15] [--block 20]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date, timedelta

import common


def clients(worker_id: int, without: list[str]) -> tuple[object, object]:
    """Two test clients signed in as the worker: one with the access log, one without."""
    from django.test import Client, override_settings

    token = common.tokens_for([worker_id])[worker_id]
    made = []
    for middleware in (None, without):
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
        from people.models import User

        client.force_login(User.objects.get(pk=worker_id))
        # A test client builds its middleware chain at its first request, from the settings of
        # that moment: the second one keeps the chain without the access log.
        if middleware is None:
            client.get("/health/")
        else:
            with override_settings(MIDDLEWARE=middleware):
                client.get("/health/")
        made.append(client)
    return made[0], made[1]


def timed(get: Callable[[], object], n: int) -> list[float]:
    seconds = []
    for _ in range(n):
        started = time.perf_counter()
        response = get()
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"unexpected {response.status_code}: {response.content[:200]!r}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--block", type=int, default=20, help="requests per block; blocks alternate with/without")
    args = parser.parse_args()

    common.django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.models import AccessEntry
    from care.models import PlanEntry
    from people.models import Caseload
    from reminders.models import ReminderPlan

    # The worker's week is a page: with DEBUG off its stylesheet link needs the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    common.print_environment()
    worker = common.heavy_worker_id()
    client_id = Caseload.objects.filter(worker_id=worker, ended_at__isnull=True).values_list("client_id", flat=True)[0]
    # One person's reminders and plan, so those requests show something (and are noted); they
    # are deleted at the end.
    plan = ReminderPlan.objects.create(
        owner_id=client_id,
        created_by_id=worker,
        kind="routine",
        title="Gå tur",
        rrule="FREQ=DAILY;BYHOUR=12;BYMINUTE=0",
        starts_on=date.today(),
        channels=["sms"],
    )
    entry = PlanEntry.objects.create(
        client_id=client_id, kind="goal", text="Sove bedre", created_by_id=worker, updated_by_id=worker
    )
    without = [m for m in settings.MIDDLEWARE if m != "audit.middleware.AccessLogMiddleware"]
    on, off = clients(worker, without)
    monday = date.today() - timedelta(days=date.today().weekday())
    requests = {
        "GET /api/appointments/ (worker, caseload of 200)": "/api/appointments/?from=" + monday.isoformat(),
        "GET /calendar/ (the worker's week page)": f"/calendar/?week={monday.isoformat()}",
        "GET /api/reminder-plans/?user= (one person's reminders)": f"/api/reminder-plans/?user={client_id}",
        "GET /api/plans/{id}/ (one person's plan)": f"/api/plans/{client_id}/",
    }
    written_before = AccessEntry.objects.count()
    first_new = (AccessEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    print(f"busy before measuring: {common.wait_for_quiet():.0%}")
    print(f"{args.rounds} rounds of {args.block} requests with and {args.block} without, alternating\n")
    print(f"{'request':58} {'with log':>16} {'without':>16} {'extra':>9} {'queries':>9} {'rows/req':>8}")
    for name, path in requests.items():
        with_log: list[float] = []
        without_log: list[float] = []
        for _ in range(3):  # warm both: caches, connections, templates
            on.get(path), off.get(path)
        before = AccessEntry.objects.count()
        for _ in range(args.rounds):
            with_log += timed(lambda path=path: on.get(path), args.block)
            without_log += timed(lambda path=path: off.get(path), args.block)
        rows = (AccessEntry.objects.count() - before) / (args.rounds * args.block)
        with CaptureQueriesContext(connection) as q_on:
            on.get(path)
        with CaptureQueriesContext(connection) as q_off:
            off.get(path)
        m_on, m_off = common.median(with_log) * 1000, common.median(without_log) * 1000
        p_on, p_off = common.percentile(with_log, 95) * 1000, common.percentile(without_log, 95) * 1000
        print(
            f"{name:58} {m_on:6.2f} ms p95 {p_on:5.1f} {m_off:6.2f} ms p95 {p_off:5.1f} "
            f"{m_on - m_off:+7.2f} ms {len(q_on):4d}/{len(q_off):<4d} {rows:8.2f}"
        )
    print(f"\nload average after: {common.load_average()}")
    plan.delete()
    entry.delete()
    # Only the rows this run wrote; the log is append-only except for its purge, so they go as
    # the purge removes rows (the trigger lets a transaction that says so delete).
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL triangel.access_log_purge = 'on'")
        deleted, _ = AccessEntry.objects.filter(id__gte=first_new).delete()
    print(f"deleted the {deleted} access log rows this run wrote ({written_before} were there before)")


if __name__ == "__main__":
    main()
