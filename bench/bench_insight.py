"""The unit's picture on the benchmark data: server time of ``/unit/insight/`` for a
coordinator of a bench unit (median of several runs, and the SQL queries per page).

    .venv/bin/python bench/bench_insight.py [--runs 9] [--by week|month]

In-process with Django's test client (the whole request path, no HTTP server), DEBUG off.
Needs generate_data.py's data; makes one coordinator in the first bench unit if there is none.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--by", choices=["week", "month"], default=None, help="both when left out")
    args = parser.parse_args()
    common.django_setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from booking.models import Appointment
    from people.models import Unit, User
    from web.sign_in import SECOND_FACTOR

    unit = Unit.objects.get(name=common.UNIT_NAMES[0])
    coordinator, _ = User.objects.get_or_create(
        username="bench_insight_coordinator", defaults={"role": User.Role.COORDINATOR, "unit": unit}
    )
    from django.core.management import call_command

    # A page: with DEBUG off its stylesheet link needs the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    common.print_environment()
    total = Appointment.objects.count()
    in_unit = Appointment.objects.filter(calendar__owner__unit=unit).count()
    print(f"appointments: {total} in all, {in_unit} in {unit.name}")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(coordinator)
    session = client.session
    # Staff pages want a second factor shown at sign-in; what it costs is not measured here.
    session[SECOND_FACTOR] = "bench"
    session.save()

    for by, query in _queries(args.by):
        busy = common.wait_for_quiet()
        client.get("/unit/insight/", query)  # warm: connections, templates, translations
        with CaptureQueriesContext(connection) as queries:
            answer = client.get("/unit/insight/", query)
        # captured_queries reads the live log, which the next request's start clears: count it now.
        query_count = len(queries.captured_queries)
        if answer.status_code != 200:
            raise SystemExit(f"/unit/insight/ answered {answer.status_code}")
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get("/unit/insight/", query)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{by:>13}: median {statistics.median(times):6.1f} ms  best {min(times):6.1f}  worst {max(times):6.1f}"
            f"  ({args.runs} runs)  queries {query_count}  page {len(answer.content) // 1024} KiB"
            f"  busy before {busy:.0%}"
        )


def _queries(by: str | None) -> list[tuple[str, dict[str, str]]]:
    options = [
        ("12 weeks", {"by": "week"}),
        ("12 months", {"by": "month"}),
        ("2 years/week", {"by": "week", "from": "", "to": ""}),
    ]
    from datetime import date, timedelta

    today = date.today()
    options[2][1].update({"from": (today - timedelta(days=730)).isoformat(), "to": today.isoformat()})
    return [o for o in options if by is None or o[1]["by"] == by]


if __name__ == "__main__":
    main()
