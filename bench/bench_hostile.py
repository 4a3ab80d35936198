"""What the hostile requests of tests/test_hostile_input.py cost now.

Each is sent in-process with Django's test client as a service user of the benchmark data
set, 20 times after 3 of warm-up; reports the status and the median and largest time. The
refusals must be 4xx and cheap: a recurrence rule that never happens was accepted after
15.8 s of CPU before its budget existed; the target is a 400 within 100 ms.

    .venv/bin/python bench/bench_hostile.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import time

import common

RULES = {
    "rule: 30 February": "FREQ=DAILY;BYHOUR=8;BYMONTH=2;BYMONTHDAY=30",
    "rule: 31 April, yearly": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31;BYHOUR=8;BYMINUTE=0",
    "rule: 5th Monday of February on the 1st": "FREQ=MONTHLY;BYDAY=5MO;BYMONTH=2;BYMONTHDAY=1;BYHOUR=8",
    "rule: 12 hours x 60 seconds": "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0;BYSECOND="
    + ",".join(map(str, range(60))),
    "rule: every minute for 12 minutes": "FREQ=DAILY;BYHOUR=8;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11",
    "rule: 29 February (accepted)": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=8;BYMINUTE=0",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    common.django_setup()
    from django.test import Client

    from booking.models import MeetingType
    from people.models import User
    from reminders.models import ReminderPlan

    common.print_environment()
    person = User.objects.filter(role="service_user", username__startswith=common.USER_PREFIX).order_by("pk").first()
    token = common.tokens_for([person.pk])[person.pk]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    worker = common.heavy_worker_id()
    meeting_type = MeetingType.objects.filter(calendar__owner_id=worker, name=common.CASELOAD_TYPE).first()
    plans_before = set(ReminderPlan.objects.filter(owner=person).values_list("pk", flat=True))

    def post(path: str, body: object) -> object:
        raw = body if isinstance(body, str) else json.dumps(body)
        return client.post(path, data=raw, content_type="application/json")

    cases = {
        name: (lambda rule=rule: post("/api/reminder-plans/", {"kind": "routine", "title": "Tur", "rrule": rule}))
        for name, rule in RULES.items()
    }
    cases.update(
        {
            "book at 9999-12-31T23:00+01:00": lambda: post(
                "/api/appointments/",
                {"worker": worker, "meeting_type": meeting_type.pk, "start": "9999-12-31T23:00:00+01:00"},
            ),
            "slots from 9999-12-30": lambda: client.get(
                f"/api/workers/{worker}/slots/",
                {"meeting_type": meeting_type.pk, "start": "9999-12-30", "end": "9999-12-31"},
            ),
            "JSON nested 1,000 deep": lambda: post("/api/reminder-plans/", "[" * 1000 + "]" * 1000),
            "JSON nested 100,000 deep": lambda: post("/api/reminder-plans/", "[" * 100_000 + "]" * 100_000),
        }
    )
    print(f"busy before measuring: {common.wait_for_quiet():.0%}")
    print(f"{'request':44} {'status':>6} {'median':>10} {'max':>10}")
    for name, send in cases.items():
        for _ in range(3):
            send()
        seconds, statuses = [], set()
        for _ in range(args.repeat):
            started = time.perf_counter()
            statuses.add(send().status_code)
            seconds.append(time.perf_counter() - started)
        status = ",".join(map(str, sorted(statuses)))
        print(f"{name:44} {status:>6} {common.median(seconds) * 1000:8.2f} ms {max(seconds) * 1000:8.2f} ms")
    ReminderPlan.objects.filter(owner=person).exclude(pk__in=plans_before).delete()
    print(f"load average after: {common.load_average()}")


if __name__ == "__main__":
    main()
