"""Generate the benchmark data set in the triangel_bench PostgreSQL database.

500,000 appointments over two years (52 weeks back, 52 weeks ahead of the anchor week)
for 200 social workers in four units; one worker (bench_w000) holds 10,000 of them.
Every worker has Mon–Fri hours 08:00–11:30 and 12:00–15:30, three caseload meeting types,
a unit-wide drop-in type (booked only by the benchmarks), summer holidays, sick days and
a few evenings of extra hours. Occupying appointments never overlap within a calendar
(the exclusion constraint is in place while loading); cancelled ones may.

Deterministic: the same --seed and --anchor give the same rows. Rows are loaded with
COPY. Running it again on a complete data set only clears what the benchmarks booked;
--reset drops and recreates the database first.

    DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=1 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/triangel_bench \
    .venv/bin/python bench/generate_data.py [--reset] [--seed 42] [--anchor 2026-11-30]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import common

TZ_NAME = "Europe/Oslo"
TZ = ZoneInfo(TZ_NAME)
PASSWORD = "triangel-bench"

WORKERS = 200
TOTAL_APPOINTMENTS = 500_000
HEAVY_APPOINTMENTS = 10_000
CASELOAD_SIZE = 40
HEAVY_CASELOAD_SIZE = 200
WEEKS_BACK = 52
WEEKS_AHEAD = 52

# Two working intervals a day with a lunch break between them.
INTERVALS = ((dtime(8, 0), dtime(11, 30)), (dtime(12, 0), dtime(15, 30)))
GRANULARITY_MIN = 5


@dataclass(frozen=True)
class TypeSpec:
    name: str
    duration: int
    buffer_after: int
    step: int
    notice: int
    horizon: int
    mode: str
    audience: str
    description: str

    @property
    def block(self) -> int:
        return self.duration + self.buffer_after


# The first three are what the generated history is made of. The drop-in type is left
# to the benchmarks. "Samtale" has a 60-day horizon so an 8-week slot query is not cut short.
TYPES = (
    TypeSpec("Samtale", 45, 15, 60, 120, 60, "in_person", "caseload", "En samtale om hvordan det går."),
    TypeSpec("Telefonsamtale", 20, 10, 30, 60, 14, "phone", "caseload", "Vi ringer deg."),
    TypeSpec("Kort oppfølging", 15, 5, 20, 60, 14, "phone", "caseload", "En kort sjekk."),
    TypeSpec(common.DROPIN_TYPE, 30, 0, 30, 120, 91, "in_person", "unit", "Åpent for alle i tjenesten."),
)
HISTORY_TYPES = TYPES[:3]
# Most workers hold long conversations; the busiest one mostly short phone follow-ups,
# which is how 10,000 appointments fit into two years of office hours.
NORMAL_MIX = (0.6, 0.3, 0.1)
HEAVY_MIX = (0.05, 0.25, 0.70)
NORMAL_CANCELLED = 0.10
HEAVY_CANCELLED = 0.25
NO_SHOW_SHARE = 0.12

FIRST_NAMES = ("Anna", "Jonas", "Maria", "Per", "Sara", "Ola", "Kari", "Lars", "Ingrid", "Emil", "Nora", "Ahmed")
LAST_NAMES = ("Berg", "Lie", "Dahl", "Moen", "Bakke", "Hansen", "Nordmann", "Johansen", "Ali", "Haugen", "Strand")
CANCEL_REASONS = ("Syk", "Fikk jobbintervju", "Glemte avtalen", "Flyttet til annen dag", "Ikke behov lenger")


@dataclass
class Ids:
    """Primary keys are set by us so rows can reference each other before they exist."""

    user: int = 0
    caseload: int = 0
    working_hours: int = 0
    meeting_type: int = 0
    override: int = 0
    api_token: int = 0

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


@dataclass
class Worker:
    user_id: int
    calendar_id: int
    unit_id: int
    type_ids: list[int]
    clients: list[int]
    total: int


def database_conninfo(dbname: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params: dict[str, Any] = conninfo_to_dict(os.environ["DATABASE_URL"])
    params["dbname"] = dbname
    return make_conninfo(**params)


def ensure_database(*, reset: bool) -> None:
    import psycopg

    with psycopg.connect(database_conninfo("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [common.BENCH_DB]).fetchone()
        if exists and reset:
            print(f"dropping database {common.BENCH_DB}")
            # FORCE ends connections to this database only (ours, from earlier runs).
            conn.execute(f'DROP DATABASE "{common.BENCH_DB}" WITH (FORCE)')
            exists = None
        if not exists:
            print(f"creating database {common.BENCH_DB}")
            conn.execute(f'CREATE DATABASE "{common.BENCH_DB}"')


def all_weekdays(first: date, last: date) -> list[date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def local(day: date, wall: dtime) -> datetime:
    return datetime.combine(day, wall, tzinfo=TZ)


def minutes_between(a: dtime, b: dtime) -> int:
    return (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)


def time_off_days(rng: random.Random, index: int, weekdays: Sequence[date]) -> tuple[set[date], list[tuple]]:
    """Three summer weeks each July (staggered per worker) and a handful of sick days."""
    off: set[date] = set()
    spans: list[tuple[date, date, str]] = []
    for year in sorted({d.year for d in weekdays}):
        first_july_monday = date(year, 7, 1) + timedelta(days=(7 - date(year, 7, 1).weekday()) % 7)
        start = first_july_monday + timedelta(weeks=index % 3)
        end = start + timedelta(days=20)
        days = [d for d in weekdays if start <= d <= end]
        if days:
            off.update(days)
            spans.append((start, end, "Sommerferie"))
    for day in rng.sample(list(weekdays), 8):
        if day not in off:
            off.add(day)
            spans.append((day, day, "Syk"))
    return off, spans


def fit_blocks(rng: random.Random, blocks: list[tuple[int, int]]) -> tuple[list[list[tuple[int, int]]], int]:
    """Share (type index, minutes) blocks between the day's intervals; what does not fit is returned as a count."""
    capacity = [minutes_between(a, b) for a, b in INTERVALS]
    used = [0] * len(INTERVALS)
    placed: list[list[tuple[int, int]]] = [[] for _ in INTERVALS]
    dropped = 0
    order = list(range(len(INTERVALS)))
    for block in blocks:
        rng.shuffle(order)
        for k in order:
            if used[k] + block[1] <= capacity[k]:
                used[k] += block[1]
                placed[k].append(block)
                break
        else:
            dropped += 1
    return placed, dropped


def layout(rng: random.Random, length: int, blocks: list[tuple[int, int]]) -> list[int]:
    """Offsets (minutes from the interval start) for blocks laid end to end with random gaps."""
    slack = (length - sum(b[1] for b in blocks)) // GRANULARITY_MIN
    cuts = sorted(rng.randint(0, slack) for _ in blocks)
    offsets = []
    position = 0
    previous_cut = 0
    for block, cut in zip(blocks, cuts, strict=True):
        position += (cut - previous_cut) * GRANULARITY_MIN
        previous_cut = cut
        offsets.append(position)
        position += block[1]
    return offsets


class Generator:
    def __init__(self, *, seed: int, anchor: date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.anchor = anchor
        week_start = anchor - timedelta(days=anchor.weekday())
        self.first_day = week_start - timedelta(weeks=WEEKS_BACK)
        self.last_day = week_start + timedelta(weeks=WEEKS_AHEAD) - timedelta(days=1)
        self.weekdays = all_weekdays(self.first_day, self.last_day)
        # Appointments before the anchor day are history (completed, no-show); later ones are booked.
        self.today_start = local(anchor, dtime(0))
        self.ids = Ids()
        self.rows: dict[str, list[tuple]] = {}
        self.appointments: list[list[Any]] = []

    def add(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)

    def person(self, username: str, role: str, unit_id: int, password: str, joined: datetime) -> int:
        uid = self.ids.next("user")
        first = self.rng.choice(FIRST_NAMES)
        last = self.rng.choice(LAST_NAMES)
        channel = "sms" if self.rng.random() < 0.8 else "email"
        self.add(
            "people_user",
            (
                uid,
                password,
                None,
                False,
                username,
                first,
                last,
                f"{username}@example.org",
                False,
                True,
                joined,
                role,
                channel,
                "nb",
                TZ_NAME,
                unit_id,
            ),
        )
        return uid

    def build(self) -> None:
        from django.contrib.auth.hashers import make_password

        password = make_password(PASSWORD)
        joined = self.today_start - timedelta(days=800)
        for unit_id, name in enumerate(common.UNIT_NAMES, start=1):
            self.add("people_unit", (unit_id, name, f"Storgata {unit_id}, 0155 Oslo", "", "", TZ_NAME))
            for weekday in range(5):
                self.add("people_openinghours", (unit_id * 10 + weekday, weekday, dtime(8), dtime(15, 30), unit_id))

        workers: list[Worker] = []
        normal_total, remainder = divmod(TOTAL_APPOINTMENTS - HEAVY_APPOINTMENTS, WORKERS - 1)
        for index in range(WORKERS):
            unit_id = 1 + index * len(common.UNIT_NAMES) // WORKERS
            user_id = self.person(f"{common.WORKER_PREFIX}{index:03d}", "social_worker", unit_id, password, joined)
            calendar_id = index + 1
            self.add("booking_calendar", (calendar_id, joined, user_id))
            for weekday in range(5):
                for start, end in INTERVALS:
                    wh = self.ids.next("working_hours")
                    self.add("booking_workinghours", (wh, weekday, start, end, calendar_id))
            type_ids = []
            for spec in TYPES:
                tid = self.ids.next("meeting_type")
                type_ids.append(tid)
                self.add(
                    "booking_meetingtype",
                    (
                        tid,
                        spec.name,
                        spec.description,
                        spec.duration,
                        0,
                        spec.buffer_after,
                        spec.step,
                        spec.notice,
                        spec.horizon,
                        spec.mode,
                        f"Storgata {unit_id}" if spec.mode == "in_person" else "",
                        spec.audience,
                        True,
                        calendar_id,
                    ),
                )
            total = HEAVY_APPOINTMENTS if index == 0 else normal_total + (1 if index <= remainder else 0)
            workers.append(Worker(user_id, calendar_id, unit_id, type_ids, [], total))

        user_index = 0
        for worker in workers:
            size = HEAVY_CASELOAD_SIZE if worker.total == HEAVY_APPOINTMENTS else CASELOAD_SIZE
            for _ in range(size):
                uid = self.person(
                    f"{common.USER_PREFIX}{user_index:05d}", "service_user", worker.unit_id, password, joined
                )
                user_index += 1
                worker.clients.append(uid)
                started = self.today_start - timedelta(days=self.rng.randint(400, 760))
                # Some users were handed over from another worker: the ended row is history.
                if self.rng.random() < 0.1:
                    other = self.rng.choice(workers)
                    if other.user_id != worker.user_id:
                        earlier = started - timedelta(days=self.rng.randint(30, 300))
                        self.add("people_caseload", (self.ids.next("caseload"), earlier, started, uid, other.user_id))
                self.add("people_caseload", (self.ids.next("caseload"), started, None, uid, worker.user_id))
                # A sign-in to the API, so the token table is as large as in use. Its secret is
                # known to nobody (the benchmarks issue their own tokens): a hash of the seed.
                key_hash = hashlib.sha256(f"{self.seed}:{uid}".encode()).hexdigest()
                expires = self.today_start + timedelta(days=30)
                self.add(
                    "people_apitoken", (self.ids.next("api_token"), key_hash, "bench", self.today_start, expires, uid)
                )

        for index, worker in enumerate(workers):
            self.calendar_history(index, worker)
        self.finish_appointments()

    def calendar_history(self, index: int, worker: Worker) -> None:
        rng = self.rng
        off, spans = time_off_days(rng, index, self.weekdays)
        for first, last, note in spans:
            self.add(
                "booking_calendaroverride",
                (
                    self.ids.next("override"),
                    "time_off",
                    local(first, dtime(0)),
                    local(last + timedelta(days=1), dtime(0)),
                    note,
                    worker.calendar_id,
                ),
            )
        # An evening of extra hours on the first Thursday of each month ahead.
        day = self.anchor
        while day <= self.last_day:
            if day.weekday() == 3 and day.day <= 7 and day not in off:
                self.add(
                    "booking_calendaroverride",
                    (
                        self.ids.next("override"),
                        "extra",
                        local(day, dtime(16)),
                        local(day, dtime(18)),
                        "Kveldsåpent",
                        worker.calendar_id,
                    ),
                )
            day += timedelta(days=1)

        heavy = worker.total == HEAVY_APPOINTMENTS
        mix = HEAVY_MIX if heavy else NORMAL_MIX
        cancelled_share = HEAVY_CANCELLED if heavy else NORMAL_CANCELLED
        working = [d for d in self.weekdays if d not in off]
        occupying = round(worker.total * (1 - cancelled_share))
        per_day = Counter(rng.choices(range(len(working)), k=occupying))
        placed = 0
        for day_index in sorted(per_day):
            day = working[day_index]
            kinds = rng.choices(range(len(HISTORY_TYPES)), weights=mix, k=per_day[day_index])
            blocks = [(k, HISTORY_TYPES[k].block) for k in kinds]
            by_interval, _dropped = fit_blocks(rng, blocks)
            for (start, end), interval_blocks in zip(INTERVALS, by_interval, strict=True):
                if not interval_blocks:
                    continue
                rng.shuffle(interval_blocks)
                base = local(day, start)
                for (kind, _minutes), offset in zip(
                    interval_blocks, layout(rng, minutes_between(start, end), interval_blocks), strict=True
                ):
                    self.appointment(worker, kind, base + timedelta(minutes=offset), cancelled=False)
                    placed += 1
        # Blocks that did not fit and the planned cancellations: cancelled appointments may
        # sit anywhere in working hours, overlapping others, as after a cancel and rebook.
        for _ in range(worker.total - placed):
            day = rng.choice(self.weekdays)
            kind = rng.choices(range(len(HISTORY_TYPES)), weights=mix)[0]
            start, end = rng.choice(INTERVALS)
            room = (minutes_between(start, end) - HISTORY_TYPES[kind].block) // GRANULARITY_MIN
            begin = local(day, start) + timedelta(minutes=rng.randint(0, room) * GRANULARITY_MIN)
            self.appointment(worker, kind, begin, cancelled=True)

    def appointment(self, worker: Worker, kind: int, start: datetime, *, cancelled: bool) -> None:
        rng = self.rng
        spec = HISTORY_TYPES[kind]
        end = start + timedelta(minutes=spec.duration)
        blocked_end = end + timedelta(minutes=spec.buffer_after)
        client = rng.choice(worker.clients)
        booked_by = client if rng.random() < 0.6 else worker.user_id
        created = start - timedelta(days=rng.randint(1, 28), minutes=rng.randint(0, 600))
        if created >= self.today_start:
            created = self.today_start - timedelta(minutes=rng.randint(1, 20_000))
        if cancelled:
            status = "cancelled"
            latest = min(start, self.today_start)
            changed = created + (latest - created) * rng.random() if latest > created else created
        elif start < self.today_start:
            status = "no_show" if rng.random() < NO_SHOW_SHARE else "completed"
            changed = end + timedelta(minutes=rng.randint(1, 240))
        else:
            status = "booked"
            changed = created
        reason = rng.choice(CANCEL_REASONS) if cancelled else ""
        self.appointments.append(
            [
                uuid.UUID(int=rng.getrandbits(128), version=4),
                start,
                end,
                start,
                blocked_end,
                status,
                reason,
                0 if status == "booked" else 1,
                created,
                changed,
                booked_by,
                client,
                worker.calendar_id,
                worker.type_ids[kind],
                worker.user_id,
            ]
        )

    def finish_appointments(self) -> None:
        """Number appointments in booking order, as a live system would have, and add their history."""
        self.appointments.sort(key=lambda row: (row[8], row[0]))
        rows = []
        events = []
        event_id = 0
        for appointment_id, row in enumerate(self.appointments, start=1):
            *fields, worker_user = row
            # Every generated meeting is in one calendar, so it is the service user's own copy.
            rows.append((appointment_id, *fields, True))
            status, reason, created, changed, booked_by, client = row[5], row[6], row[8], row[9], row[10], row[11]
            event_id += 1
            events.append((event_id, "booked", created, None, None, "", booked_by, appointment_id))
            if status != "booked":
                actor = worker_user if status != "cancelled" or self.rng.random() < 0.5 else client
                event_id += 1
                events.append((event_id, status, changed, None, None, reason, actor, appointment_id))
        self.rows["booking_appointment"] = rows
        self.rows["booking_appointmentevent"] = events
        self.appointments = []


COLUMNS = {
    "people_unit": ("id", "name", "address", "directions", "phone", "timezone"),
    "people_openinghours": ("id", "weekday", "start", "end", "unit_id"),
    "people_user": (
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "role",
        "preferred_channel",
        "language",
        "timezone",
        "unit_id",
    ),
    "people_caseload": ("id", "started_at", "ended_at", "client_id", "worker_id"),
    "people_apitoken": ("id", "key_hash", "label", "created_at", "expires_at", "user_id"),
    "booking_calendar": ("id", "created_at", "owner_id"),
    "booking_workinghours": ("id", "weekday", "start", "end", "calendar_id"),
    "booking_meetingtype": (
        "id",
        "name",
        "description",
        "duration_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "slot_step_minutes",
        "min_notice_minutes",
        "horizon_days",
        "mode",
        "place",
        "audience",
        "is_active",
        "calendar_id",
    ),
    "booking_calendaroverride": ("id", "kind", "start", "end", "note", "calendar_id"),
    "booking_appointment": (
        "id",
        "uid",
        "start",
        "end",
        "blocked_start",
        "blocked_end",
        "status",
        "cancel_reason",
        "sequence",
        "created_at",
        "updated_at",
        "booked_by_id",
        "client_id",
        "calendar_id",
        "meeting_type_id",
        "client_copy",
    ),
    "booking_appointmentevent": (
        "id",
        "action",
        "at",
        "previous_start",
        "previous_end",
        "note",
        "actor_id",
        "appointment_id",
    ),
}


def copy_rows(cursor: Any, table: str, rows: Iterable[tuple]) -> int:
    columns = ", ".join(f'"{c}"' for c in COLUMNS[table])
    count = 0
    with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load(generator: Generator) -> None:
    from django.db import connection, transaction

    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor:
            # Foreign keys are deferred triggers; checking 1.3 million rows at commit took
            # longer than the load itself. The rows reference each other by construction
            # and check_references() verifies them afterwards. Unique and exclusion
            # constraints are indexes and stay enforced.
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in COLUMNS:
                started = time.monotonic()
                count = copy_rows(cursor, table, generator.rows.get(table, []))
                print(f"  {table:28} {count:>9,} rows  {time.monotonic() - started:6.1f} s")
            for table in COLUMNS:
                if "id" in COLUMNS[table]:
                    # Later inserts through the ORM must not collide with our explicit keys.
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
                    )
    check_references()
    ensure_calendar_versions()
    with connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute("VACUUM ANALYZE")
        print(f"  vacuum analyze {time.monotonic() - started:.1f} s")


def ensure_calendar_versions() -> None:
    """Give every calendar a fresh version token.

    The replica role of the load also skips the triggers that write these rows
    (booking.migration_ops); a calendar without one is never answered from the slots cache.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO booking_calendarversion (calendar_id, token) "
            "SELECT id, md5(random()::text || clock_timestamp()::text) FROM booking_calendar "
            "ON CONFLICT (calendar_id) DO UPDATE SET token = EXCLUDED.token"
        )


REFERENCES = (
    ("booking_appointment", "calendar_id", "booking_calendar"),
    ("booking_appointment", "meeting_type_id", "booking_meetingtype"),
    ("booking_appointment", "client_id", "people_user"),
    ("booking_appointment", "booked_by_id", "people_user"),
    ("booking_appointmentevent", "appointment_id", "booking_appointment"),
    ("booking_appointmentevent", "actor_id", "people_user"),
    ("people_caseload", "client_id", "people_user"),
    ("people_caseload", "worker_id", "people_user"),
    ("people_apitoken", "user_id", "people_user"),
    ("booking_calendar", "owner_id", "people_user"),
    ("booking_meetingtype", "calendar_id", "booking_calendar"),
    ("booking_workinghours", "calendar_id", "booking_calendar"),
    ("booking_calendaroverride", "calendar_id", "booking_calendar"),
    ("people_user", "unit_id", "people_unit"),
)


def check_references() -> None:
    """What the skipped foreign-key triggers would have checked, in one anti-join each."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, column, target in REFERENCES:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" t WHERE t."{column}" IS NOT NULL '
                f'AND NOT EXISTS (SELECT 1 FROM "{target}" r WHERE r.id = t."{column}")'
            )
            dangling = cursor.fetchone()[0]
            if dangling:
                raise SystemExit(f"{dangling} rows of {table}.{column} point at no {target} row")


def existing_state() -> tuple[bool, int]:
    """Whether the bench data set is there, and how many generated appointments it has."""
    from booking.models import Appointment
    from people.models import User

    if not User.objects.filter(username=common.HEAVY_WORKER).exists():
        if User.objects.exists():
            raise SystemExit(f"{common.BENCH_DB} holds other data; run with --reset")
        return False, 0
    return True, Appointment.objects.exclude(meeting_type__name=common.DROPIN_TYPE).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the triangel_bench database first")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--anchor", type=date.fromisoformat, default=None, help="the 'today' the data is built around (YYYY-MM-DD)"
    )
    args = parser.parse_args()

    common.configure_env()
    ensure_database(reset=args.reset)
    common.django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    common.print_environment()

    present, count = existing_state()
    if present:
        if count != TOTAL_APPOINTMENTS:
            raise SystemExit(f"found {count:,} generated appointments, expected {TOTAL_APPOINTMENTS:,}; use --reset")
        deleted = common.delete_benchmark_bookings()
        ensure_calendar_versions()
        print(f"data set already present ({count:,} appointments); removed {deleted:,} benchmark bookings")
        return

    anchor = args.anchor or datetime.now(TZ).date()
    started = time.monotonic()
    generator = Generator(seed=args.seed, anchor=anchor)
    generator.build()
    appointments = generator.rows["booking_appointment"]
    print(
        f"generated {len(appointments):,} appointments "
        f"({generator.first_day} … {generator.last_day}, anchor {anchor}, seed {args.seed}) "
        f"in {time.monotonic() - started:.1f} s"
    )
    statuses = Counter(row[6] for row in appointments)
    print("  statuses: " + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
    loading = time.monotonic()
    load(generator)
    print(f"loaded in {time.monotonic() - loading:.1f} s; total {time.monotonic() - started:.1f} s")

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.username, count(*) FROM booking_appointment a JOIN booking_calendar c ON c.id = a.calendar_id "
            "JOIN people_user u ON u.id = c.owner_id GROUP BY u.username ORDER BY count(*) DESC LIMIT 2"
        )
        print("  busiest calendars: " + ", ".join(f"{u} {n:,}" for u, n in cursor.fetchall()))
    print(f"  overlapping occupying pairs: {common.overlapping_pairs()}")


if __name__ == "__main__":
    main()
