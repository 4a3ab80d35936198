"""What an open conversation's "anything new?" costs the server (issue "Write instead of
phoning": the cost per request of the live mechanism when nothing is new).

In-process, through Django's request path but without an HTTP server: 300 threads of one
worker's caseload, each with a message; the worker's page asks
``/conversations/{id}/new/?after=<last id>&live=<ticket>`` for each in turn, as 300 open pages
would every second. Prints the wall and CPU milliseconds per ask (median,
p95) for "nothing new" answered by the layer in front of Django (``web.live_poll`` through
``config.wsgi.application``: no session, no query), for "nothing new" the view's way (the
live cache off: session, person and one query), and for an ask that finds one new message.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/triangel_conv_bench \\
    .venv/bin/python bench/bench_conversation_poll.py [--asks 3000]

The database (its own, created if missing) is migrated and seeded on first use.
"""

import argparse
import os
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/triangel_conv_bench"
THREADS = 300
DUMMY = "django.core.cache.backends.dummy.DummyCache"


def _create_database(url: str) -> None:
    import psycopg

    name = url.rstrip("/").rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed() -> tuple[object, list[tuple[int, int]]]:
    from django.utils import timezone

    from conversations import services
    from conversations.models import Message
    from people.models import Caseload, Unit, User

    unit, _ = Unit.objects.get_or_create(name="Bench conversations")
    worker, _ = User.objects.get_or_create(
        username="conv_bench_worker", defaults={"role": User.Role.SOCIAL_WORKER, "unit": unit}
    )
    pairs = []
    for n in range(THREADS):
        client, created = User.objects.get_or_create(
            username=f"conv_bench_user{n}", defaults={"role": User.Role.SERVICE_USER, "unit": unit}
        )
        if created:
            Caseload.objects.create(worker=worker, client=client, started_at=timezone.now())
        thread = services.thread_for_worker(client)
        last = Message.objects.filter(thread=thread).order_by("-id").first()
        if last is None:
            last, _ = services.message_post(thread=thread, author=client, text="Hei")
        pairs.append((thread.pk, last.pk))
    return worker, pairs


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


class _Layer:
    """Asks through ``config.wsgi.application`` (the layer in front of Django, then Django) the
    way gunicorn calls it, without a server; it has the test client's ``get``."""

    def __init__(self, cookies: str) -> None:
        from django.test import RequestFactory

        from config.wsgi import application

        self.application, self.factory, self.cookies = application, RequestFactory(), cookies

    def get(self, url: str) -> object:
        answer = SimpleNamespace(status_code=0)

        def start_response(status: str, headers: list, exc_info: object = None) -> None:
            answer.status_code = int(status.split()[0])

        environ = self.factory.get(url, HTTP_COOKIE=self.cookies).environ
        b"".join(self.application(environ, start_response))
        return answer


def _measure(client: object, urls: list[str], asks: int, expect: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for i in range(asks):
        url = urls[i % len(urls)]
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
        assert response.status_code == expect, (url, response.status_code)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asks", type=int, default=3000)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    from bench.common import configure_env

    configure_env()
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    _create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from bench.common import calibration_ms, git_revision
    from web.templatetags.conversation_tags import poll_url

    call_command("migrate", verbosity=0)
    worker, pairs = _seed()
    client = Client()
    client.force_login(worker)
    from web.sign_in import SECOND_FACTOR

    session = client.session
    session[SECOND_FACTOR] = "bench"  # staff pages need a second factor shown in the session
    session.save()
    quiet = [poll_url(t, last) for t, last in pairs]
    news = [poll_url(t, last - 1) for t, last in pairs]
    whole_way = override_settings(CACHES={**settings.CACHES, "live": {"BACKEND": DUMMY}})
    layer = _Layer("; ".join(f"{k}={m.value}" for k, m in client.cookies.items()))
    _measure(client, quiet, 300, 204)  # warm: connections, templates, the plan cache, the live cache
    print(f"code: {git_revision()}  cores: {os.cpu_count()}  calibration: {calibration_ms():.1f} ms")
    cases = (
        ("nothing new, answered by the layer in front of Django (204)", layer, quiet, 204, None),
        ("nothing new, the view's way (204)", client, quiet, 204, whole_way),
        ("one new message (200)", client, news, 200, None),
    )
    for label, asker, urls, expect, overlay in cases:
        with overlay or nullcontext():
            _measure(asker, urls, 300, expect)
            walls, cpus = _measure(asker, urls, args.asks, expect)
        print(
            f"{label}: {args.asks} asks over {len(urls)} threads; "
            f"wall ms median {statistics.median(walls):.3f} p95 {_percentile(walls, 95):.3f}; "
            f"CPU ms (this process) median {statistics.median(cpus):.3f} p95 {_percentile(cpus, 95):.3f}"
        )
    quiet_cpu = statistics.median(_measure(layer, quiet, 600, 204)[1])
    print(
        f"300 open pages asking every second: 300 asks/s x {quiet_cpu:.3f} ms = "
        f"{300 * quiet_cpu / 1000:.2f} of one core in Django when nothing is new"
    )


if __name__ == "__main__":
    main()
