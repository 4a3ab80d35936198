"""Materialising a day's plan occurrences for 10,000 people with three plans each
(medication, money, routine) through reminders.services.plans_materialize_all.

The plans use realistic RRULEs in Europe/Oslo, started on different days over the past
year (the expansion walks from each plan's start), with money items that include paydays
(moved off weekends and holidays) and routines inside quiet hours (moved to the edge).

Run 1 creates the rows. Run 2 with the same clock must create none and load no plan.
Run 3 clears every plan's materialised_until marker (as if a crash lost them) and expands
everything again: the dedupe keys must still keep it at zero new rows.

    .venv/bin/python bench/reminders_materialize.py [--people 10000] [--horizon-hours 24]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

import reminders_common as rc

PREFIX = "rm_u"
SEED = 20261130

# (RRULE, dose) — once, twice or three times a day; a weekly depot injection.
MEDICATION = (
    ("FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0", "80 mg"),
    ("FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0;BYSECOND=0", "1 tablett"),
    ("FREQ=DAILY;BYHOUR=9,14,21;BYMINUTE=30;BYSECOND=0", "2 tabletter"),
    ("FREQ=WEEKLY;BYDAY=WE;BYHOUR=11;BYMINUTE=0;BYSECOND=0", "depot"),
)
# (RRULE, money kind, amount)
MONEY = (
    ("FREQ=MONTHLY;BYMONTHDAY=20;BYHOUR=9;BYMINUTE=0;BYSECOND=0", "payday", None),
    ("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=10;BYMINUTE=0;BYSECOND=0", "bill", "8500"),
    ("FREQ=MONTHLY;BYMONTHDAY=15;BYHOUR=18;BYMINUTE=0;BYSECOND=0", "bill", "640"),
    ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=10;BYMINUTE=0;BYSECOND=0", "budget", None),
    ("FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=30;BYSECOND=0", "budget", None),
)
# Titles and RRULEs of routines; 22:30 falls inside the default quiet hours.
ROUTINE = (
    ("Stå opp", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=7;BYMINUTE=30;BYSECOND=0"),
    ("Gå tur", "FREQ=DAILY;BYHOUR=12;BYMINUTE=0;BYSECOND=0"),
    ("Gruppe", "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=13;BYMINUTE=0;BYSECOND=0"),
    ("Legg deg", "FREQ=DAILY;BYHOUR=22;BYMINUTE=30;BYSECOND=0"),
    ("Handle mat", "FREQ=WEEKLY;BYDAY=SA;BYHOUR=11;BYMINUTE=0;BYSECOND=0"),
)


def ensure_people_and_plans(count: int) -> dict[str, int]:
    """Users rm_u00000…, their three plans, preferences for some; created once, kept."""
    from django.contrib.auth.hashers import make_password

    from people.models import User
    from reminders.models import ReminderPlan, ReminderPreferences

    existing = set(User.objects.filter(username__startswith=PREFIX).values_list("username", flat=True))
    wanted = [f"{PREFIX}{i:05d}" for i in range(count)]
    missing = [name for name in wanted if name not in existing]
    if missing:
        password = make_password(None)
        User.objects.bulk_create(
            [User(username=name, password=password, role=User.Role.SERVICE_USER) for name in missing],
            batch_size=2000,
        )
    users = dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))
    have_plans = set(
        ReminderPlan.objects.filter(owner_id__in=users.values()).values_list("owner_id", flat=True).distinct()
    )
    rng = random.Random(SEED)
    today = date.today()
    plans: list[ReminderPlan] = []
    prefs: list[ReminderPreferences] = []
    for name in wanted:
        owner = users[name]
        index = int(name[len(PREFIX) :])
        # Draw for every user, so a partly created set gives the same plans as a fresh one.
        med = rng.choice(MEDICATION)
        money = rng.choice(MONEY)
        routine = rng.choice(ROUTINE)
        starts = [today - timedelta(days=rng.randint(0, 365)) for _ in range(3)]
        channels = ["sms", "email"] if rng.random() < 0.1 else ["sms"]
        if owner in have_plans:
            continue
        common = {"owner_id": owner, "created_by_id": owner, "channels": channels}
        plans += [
            ReminderPlan(kind="medication", title="Medisin", rrule=med[0], dose=med[1], starts_on=starts[0], **common),
            ReminderPlan(
                kind="money",
                title={"payday": "Lønn/trygd", "bill": "Regning", "budget": "Ukebudsjett"}[money[1]],
                rrule=money[0],
                money_kind=money[1],
                amount=money[2],
                starts_on=starts[1],
                **common,
            ),
            ReminderPlan(kind="routine", title=routine[0], rrule=routine[1], starts_on=starts[2], **common),
        ]
        # A third of the people have set their own preferences: later quiet hours, a summary.
        if index % 3 == 0:
            prefs.append(
                ReminderPreferences(
                    user_id=owner,
                    quiet_start=dtime(23, 0),
                    quiet_end=dtime(7, 0),
                    morning_summary=index % 9 == 0,
                )
            )
    ReminderPlan.objects.bulk_create(plans, batch_size=2000)
    ReminderPreferences.objects.bulk_create(prefs, batch_size=2000, ignore_conflicts=True)
    return users


def plan_rows(owner_ids: list[int]) -> int:
    from messaging.models import Delivery

    return Delivery.objects.filter(about="plan", recipient_id__in=owner_ids).count()


def reset(owner_ids: list[int]) -> None:
    """Remove the plans' delivery rows and markers, so run 1 starts from nothing."""
    from django.db import connection

    from reminders.models import ReminderPlan

    rc.reset_deliveries()
    ReminderPlan.objects.filter(owner_id__in=owner_ids).update(materialized_until=None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE messaging_delivery")
        cursor.execute("VACUUM ANALYZE reminders_reminderplan")


def timed_run(label: str, now: datetime, owner_ids: list[int]) -> dict[str, Any]:
    from django.db import connection

    from reminders import services

    busy = rc.settle()
    before = plan_rows(owner_ids)
    counter = StatementCounter()
    with connection.execute_wrapper(counter):
        wall = time.perf_counter()
        cpu = time.process_time()
        returned = services.plans_materialize_all(now=now)
        elapsed = time.perf_counter() - wall
        cpu_s = time.process_time() - cpu
    after = plan_rows(owner_ids)
    result = {
        "run": label,
        "seconds": round(elapsed, 2),
        "process_cpu_s": round(cpu_s, 2),
        "rows_created": after - before,
        "returned": returned,
        "rows_total": after,
        "sql_statements": counter.count,
        "machine_busy_before": busy,
    }
    print("  ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    return result


class StatementCounter:
    """Counts the SQL statements this process sends (a cheap execute wrapper)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--horizon-hours", type=int, default=24, help="REMINDERS_HORIZON_HOURS: a day")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for other benchmarks to finish")
    args = parser.parse_args()

    rc.setup({"REMINDERS_HORIZON_HOURS": str(args.horizon_hours)})
    from django.conf import settings
    from django.utils import timezone

    users = ensure_people_and_plans(args.people)
    owner_ids = list(users.values())
    from reminders.models import ReminderPlan

    plan_count = ReminderPlan.objects.filter(owner_id__in=owner_ids, is_active=True).count()
    if not args.no_wait:
        rc.wait_for_other_benchmarks()
    rc.print_header(
        "reminders materialise",
        {
            "people": len(owner_ids),
            "active plans": plan_count,
            "REMINDERS_HORIZON_HOURS": settings.REMINDERS_HORIZON_HOURS,
            "time zone": "Europe/Oslo",
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    rc.flush_redis(rc.REDIS_URL)
    reset(owner_ids)
    now = timezone.now()
    print(f"clock for all runs: {now.isoformat(timespec='seconds')}")
    timed_run("1 first", now, owner_ids)
    timed_run("2 again, same clock", now, owner_ids)
    ReminderPlan.objects.filter(owner_id__in=owner_ids).update(materialized_until=None)
    timed_run("3 markers cleared", now, owner_ids)
    # A row due within seconds asks for a dispatch on commit; nothing should stay queued.
    rc.flush_redis(rc.REDIS_URL)


if __name__ == "__main__":
    main()
