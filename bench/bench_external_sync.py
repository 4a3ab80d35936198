"""Busy time from workers' own calendars: syncing 200 ICS feeds of 1,000 events each.

Every worker of the benchmark data (``generate_data.py``) gets one subscription served by a
local HTTP server (its own process, with ETag and If-None-Match as Outlook and Google answer):
1,000 events over the last and the next half year, 07:00–21:00 any day, 10 % of them weekly series (4–20
meetings each), placed clear of the worker's own Triangel meetings as a real calendar mostly
is (the few occurrences of a series that still land on one are counted: each gives the
worker a task).

1. Slots of a typical worker, 4 weeks, before any busy time exists: computed from the
   database (the cache cleared before each request) and asked through the API with the
   cache as in production: p50 / p95.
2. The first sync of all 200 calendars by ``--processes`` processes (a Celery worker's
   concurrency): wall time, busy rows written.
3. A second sync with nothing changed: wall time, rows inserted / deleted in the busy table
   (from PostgreSQL's own counters), calendar versions changed.
4. Slots as in 1, with the busy time present; then once more without it (disconnected), so
   the machine's drift during the run shows beside the change.

    .venv/bin/python bench/bench_external_sync.py [--workers 200] [--events 1000] [--processes 2]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import common

OSLO = ZoneInfo("Europe/Oslo")
PATH = "/ics/{}.ics"


def serve(files: dict[str, bytes], port: int) -> None:
    """The publishing server: one process, one thread per connection."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    httpd.serve_forever()


def feed(rng: random.Random, busy: list[tuple[datetime, datetime]], events: int, today: datetime) -> bytes:
    """One worker's calendar as Outlook publishes it (a VTIMEZONE, local times, RRULEs)."""
    import icalendar

    # The worker's meetings by local day, so a candidate is checked against its own day only.
    taken: dict[object, list[tuple[datetime, datetime]]] = {}
    for start, end in busy:
        taken.setdefault(start.astimezone(OSLO).date(), []).append((start, end))

    def clear(start: datetime, end: datetime) -> bool:
        return not any(s < end and e > start for s, e in taken.get(start.astimezone(OSLO).date(), ()))

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kommunen//Outlook 16.0//NO")
    cal.add("version", "2.0")
    made = 0
    attempts = 0
    while made < events and attempts < events * 50:
        attempts += 1
        # A published calendar holds the last half year as well as the next.
        day = today + timedelta(days=rng.randrange(-183, 180))
        # Days at work and evenings and weekends too (a course, a board meeting, the dentist).
        start = day.replace(hour=rng.randrange(7, 20), minute=rng.choice((0, 15, 30, 45)))
        end = start + timedelta(minutes=rng.choice((30, 45, 60, 90)))
        repeats = rng.randrange(4, 21) if made % 10 == 0 else 1
        # Weekly in local time: the same wall-clock hour on each side of a DST change.
        occurrences = [
            ((start + timedelta(weeks=i)).astimezone(UTC), (end + timedelta(weeks=i)).astimezone(UTC))
            for i in range(repeats)
        ]
        if not all(clear(s, e) for s, e in occurrences):
            continue
        item = icalendar.Event()
        item.add("uid", f"{rng.getrandbits(64):016x}@outlook.example")
        item.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC))
        item.add("dtstart", start)
        item.add("dtend", end)
        item.add("summary", "Internt møte")
        if repeats > 1:
            item.add("rrule", {"freq": "weekly", "count": repeats})
        cal.add_component(item)
        for occurrence in occurrences:
            taken.setdefault(occurrence[0].astimezone(OSLO).date(), []).append(occurrence)
        made += 1
    cal.add_missing_timezones()
    return cal.to_ical()


def sync_one(source_id: int) -> tuple[int, int, bool, str]:
    from booking.services import external

    result = external.external_calendar_sync(source_id=source_id)
    return result.added, len(result.clashes), result.unchanged, result.error


def process_init() -> None:
    common.django_setup()
    from django.db import connection

    connection.close()


def sync_all(ids: list[int], processes: int) -> tuple[float, list[tuple[int, int, bool, str]]]:
    from django.db import connection

    connection.close()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes, initializer=process_init) as pool:
        results = pool.map(sync_one, ids, chunksize=1)
    return time.perf_counter() - started, results


def table_counters() -> tuple[int, int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE relname = 'booking_externalbusy'"
        )
        return cursor.fetchone()


def wait_for_counters(before: tuple[int, int, int]) -> tuple[int, int, int]:
    # The statistics collector reports a little after the commit.
    time.sleep(1.5)
    return table_counters()


def versions() -> dict[int, str]:
    from booking.models import CalendarVersion

    return dict(CalendarVersion.objects.values_list("calendar_id", "token"))


def slots_latency(repeats: int) -> dict[str, tuple[float, float]]:
    """Slots of a typical worker (``bench_w001``; the busiest has no free time left in the
    next weeks), 4 weeks: ``computed`` from the database each time (the slots cache cleared),
    and ``api``: GET /api/workers/{id}/slots/ through Django (test client, in process) with
    the cache as in production. (p50, p95) in ms of each, and the number of free times."""
    from django.core.cache import caches
    from django.test import Client

    from booking import slots
    from booking.models import MeetingType
    from people.models import Caseload, User

    worker_id = User.objects.get(username=f"{common.WORKER_PREFIX}001").pk
    meeting_type = MeetingType.objects.select_related("calendar__owner").get(
        calendar__owner_id=worker_id, name=common.CASELOAD_TYPE
    )
    # A service user of the worker's caseload asks, as in bench_slots.py.
    client_id = (
        Caseload.objects.filter(worker_id=worker_id, ended_at__isnull=True)
        .order_by("client_id")
        .values_list("client_id", flat=True)
        .first()
    )
    actor = User.objects.get(pk=client_id)
    first = datetime.now(OSLO).date() + timedelta(days=1)
    last = first + timedelta(days=27)
    computed, api = [], []
    count = 0
    for _ in range(repeats):
        caches["slots"].clear()
        started = time.perf_counter()
        count = len(slots.slots_for(meeting_type=meeting_type, actor=actor, first_day=first, last_day=last))
        computed.append((time.perf_counter() - started) * 1000)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {common.tokens_for([client_id])[client_id]}")
    path = f"/api/workers/{worker_id}/slots/?start={first}&end={last}&meeting_type={meeting_type.pk}"
    assert client.get(path).status_code == 200
    for _ in range(repeats):
        started = time.perf_counter()
        client.get(path)
        api.append((time.perf_counter() - started) * 1000)
    return {
        "computed": (common.median(computed), common.percentile(computed, 95)),
        "api": (common.median(api), common.percentile(api, 95)),
        "count": count,
    }


def report(label: str, figures: dict) -> None:
    computed, api = figures["computed"], figures["api"]
    print(
        f"slots {label}: computed p50 {computed[0]:.2f} ms p95 {computed[1]:.2f} ms; "
        f"API with the cache p50 {api[0]:.2f} ms p95 {api[1]:.2f} ms ({figures['count']} free times)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    os.environ.setdefault("EXTERNAL_CALENDAR_ALLOW_PRIVATE", "1")
    common.django_setup()
    from django.db import connection

    from booking.models import Appointment, Calendar, ExternalBusy, ExternalCalendar
    from reminders.models import FollowUpTask

    print("Busy time from workers' own calendars (ICS)")
    common.print_environment()
    ExternalCalendar.objects.filter(calendar__owner__username__startswith=common.WORKER_PREFIX).delete()
    FollowUpTask.objects.filter(kind=FollowUpTask.Kind.CALENDAR_CLASH).delete()

    # 1. Slots before.
    print(f"load before slots: {common.load_average()}")
    before = slots_latency(args.repeats)
    report(f"without busy time ({args.repeats}×)", before)

    # The feeds, and the server that publishes them.
    rng = random.Random(args.seed)
    calendars = list(
        Calendar.objects.filter(owner__username__startswith=common.WORKER_PREFIX)
        .select_related("owner")
        .order_by("owner__username")[: args.workers]
    )
    today = datetime.now(OSLO).replace(hour=0, minute=0, second=0, microsecond=0)
    files: dict[str, bytes] = {}
    started = time.perf_counter()
    for calendar in calendars:
        busy = list(
            Appointment.objects.filter(
                calendar=calendar,
                status__in=common.OCCUPYING,
                start__gte=today - timedelta(days=184),
                start__lt=today + timedelta(days=181),
            ).values_list("start", "end")
        )
        files[PATH.format(calendar.pk)] = feed(rng, busy, args.events, today)
    sizes = sorted(len(b) for b in files.values())
    print(
        f"feeds: {len(files)} × {args.events} events (10 % weekly series), "
        f"median {sizes[len(sizes) // 2] / 1024:.0f} KiB, "
        f"made in {time.perf_counter() - started:.1f} s"
    )
    port = common.free_port()
    server = multiprocessing.get_context("fork").Process(target=serve, args=(files, port), daemon=True)
    server.start()
    time.sleep(0.5)
    sources = ExternalCalendar.objects.bulk_create(
        [ExternalCalendar(calendar=c, kind="ics", url=f"http://127.0.0.1:{port}{PATH.format(c.pk)}") for c in calendars]
    )
    ids = [s.pk for s in sources]
    try:
        # 2. First sync.
        print(f"load before first sync: {common.load_average()}")
        counters = table_counters()
        seconds, results = sync_all(ids, args.processes)
        after = wait_for_counters(counters)
        errors = [r[3] for r in results if r[3]]
        rows = ExternalBusy.objects.count()
        clashes = sum(r[1] for r in results)
        print(
            f"first sync: {seconds:.1f} s for {len(ids)} calendars with {args.processes} processes "
            f"({seconds / len(ids) * 1000:.0f} ms per calendar and process-second share); "
            f"{rows} busy rows ({after[0] - counters[0]} inserted); {clashes} meetings clashing; errors: {len(errors)}"
        )
        # 3. Second sync, nothing changed.
        tokens = versions()
        counters = table_counters()
        print(f"load before second sync: {common.load_average()}")
        seconds, results = sync_all(ids, args.processes)
        after = wait_for_counters(counters)
        unchanged = sum(1 for r in results if r[2])
        changed_versions = sum(1 for k, v in versions().items() if tokens.get(k) != v)
        print(
            f"second sync (nothing changed): {seconds:.2f} s; {unchanged}/{len(ids)} answered 304; "
            f"busy rows inserted {after[0] - counters[0]}, updated {after[1] - counters[1]}, "
            f"deleted {after[2] - counters[2]}; "
            f"calendar versions changed: {changed_versions}"
        )
        # 4. Slots with busy time present.
        connection.close()
        typical = f"{common.WORKER_PREFIX}001"
        print(
            f"busy rows of {typical}: {ExternalBusy.objects.filter(calendar__owner__username=typical).count()}; "
            f"load before slots: {common.load_average()}"
        )
        with_busy = slots_latency(args.repeats)
        report(f"with busy time ({args.repeats}×)", with_busy)
        # The same without busy time again, so drift of the machine during the run shows.
        ExternalCalendar.objects.filter(pk__in=ids).delete()
        after = slots_latency(args.repeats)
        report(f"without busy time again ({args.repeats}×)", after)
        for name in ("computed", "api"):
            baseline = (before[name][1] + after[name][1]) / 2
            print(f"p95 change with busy time, {name}: {100 * (with_busy[name][1] - baseline) / baseline:+.1f} %")
    finally:
        server.terminate()
        ExternalCalendar.objects.filter(pk__in=ids).delete()
        FollowUpTask.objects.filter(kind=FollowUpTask.Kind.CALENDAR_CLASH).delete()
    print(f"calibration after: {common.calibration_ms():.1f} ms")


if __name__ == "__main__":
    main()
