"""Where the time of one request goes, layer by layer, through the whole middleware stack.

Runs the hot requests in this process through Django's WSGI handler (what gunicorn calls),
on the benchmark database, and splits the CPU time of each request (``time.thread_time``,
so waiting for PostgreSQL is not counted) into: the WSGI handler itself (request and
response objects, URL resolving), each middleware's own share (its time minus the layers
inside it), the view (with, inside it, DRF's authentication, the database driver's Python
time and JSON rendering), and the PostgreSQL backend's CPU for the same requests (from
``/proc``). Prints one table: CPU µs per request per layer, per request kind.

    .venv/bin/python bench/profile_layers.py [--requests 400] [--rounds 5]

The request kinds: a cached 4-week slots request (token), a computed 28-day slots request
(the slots cache emptied before each), a booking (token, a different free drop-in slot each
time, deleted afterwards), and the conversation page's "anything new?" answered 204
(session). Each figure is the median over ``--rounds`` rounds of ``--requests`` requests.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import common

clock = time.thread_time_ns
# Exclusive CPU ns per layer, summed over the requests of the current round.
spent: dict[str, int] = defaultdict(int)


def _timed_class(path: str, real: type) -> type:
    """A stand-in for the middleware ``real`` that records its own CPU time (its time minus the
    layer inside it), hooks included, and otherwise behaves exactly like it."""

    class Timed:
        sync_capable = True
        async_capable = False

        def __init__(self, get_response: Callable) -> None:
            self._next = get_response
            self._inside = 0
            self._mw = real(self._call_next)
            branch = getattr(self._mw, "token_chain", None)  # TokenApiBranch: its other way in
            if branch is not None:
                branch.get_response = self._measured(branch.get_response)
            for hook in ("process_view", "process_exception", "process_template_response"):
                if hasattr(self._mw, hook):
                    setattr(self, hook, self._hooked(getattr(self._mw, hook)))

        def _call_next(self, request: Any) -> Any:
            started = clock()
            try:
                return self._next(request)
            finally:
                self._inside += clock() - started

        def _measured(self, inner: Callable) -> Callable:
            def run(request: Any) -> Any:
                started = clock()
                try:
                    return inner(request)
                finally:
                    self._inside += clock() - started

            return run

        def _hooked(self, hook: Callable) -> Callable:
            def run(*args: Any, **kwargs: Any) -> Any:
                started = clock()
                try:
                    return hook(*args, **kwargs)
                finally:
                    spent[path] += clock() - started
                    # The hook ran inside the view's time of the innermost layer: move it out.
                    spent["view"] -= clock() - started

            return run

        def __call__(self, request: Any) -> Any:
            before_inside = self._inside
            started = clock()
            try:
                return self._mw(request)
            finally:
                spent[path] += (clock() - started) - (self._inside - before_inside)

    Timed.__name__ = f"Timed{real.__name__}"
    return Timed


@contextmanager
def _patched(obj: Any, name: str, label: str) -> Iterator[None]:
    """Count ``obj.name``'s CPU time under ``label`` (a part of a layer, shown indented)."""
    original = getattr(obj, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += clock() - started

    setattr(obj, name, wrapper)
    try:
        yield
    finally:
        setattr(obj, name, original)


def _handler() -> Any:
    """Django's WSGI handler with every middleware timed, and the view's time recorded."""
    from django.conf import settings
    from django.core.handlers import base
    from django.core.handlers.wsgi import WSGIHandler
    from django.utils.module_loading import import_string

    from config import middleware

    timed = {*settings.MIDDLEWARE, *getattr(settings, "TOKEN_API_MIDDLEWARE", [])}

    def timed_import(path: str) -> Any:
        real = import_string(path)
        return _timed_class(path.rsplit(".", 1)[-1], real) if path in timed else real

    original_get_response = base.BaseHandler._get_response

    def view_timed(self: Any, request: Any) -> Any:
        started = clock()
        try:
            return original_get_response(self, request)
        finally:
            spent["view"] += clock() - started

    base.import_string = middleware.import_string = timed_import
    base.BaseHandler._get_response = view_timed
    try:
        return WSGIHandler()
    finally:
        base.import_string = middleware.import_string = import_string


def _environ(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> dict[str, Any]:
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1",
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _call(handler: Any, environ: dict[str, Any]) -> int:
    statuses: list[str] = []
    result = handler(environ, lambda status, _headers, *_a: statuses.append(status))
    b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return int(statuses[0].split()[0])


def _backend_cpu_ns() -> int:
    from django.db import connection

    connection.ensure_connection()
    with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 10_000_000  # clock ticks (100 Hz) to ns


def _kinds(args: argparse.Namespace) -> dict[str, Callable[[int], tuple[dict, Callable | None]]]:
    """Each kind: a function of the request number giving the WSGI environ and what to do
    before it, outside the measured time."""
    import bench_slots
    import bench_throughput
    from django.conf import settings
    from django.core.cache import caches

    info = bench_slots.subject()
    first = date.today() + timedelta(days=1)
    four_weeks = bench_slots.slots_path(info["worker_id"], info["meeting_type_id"], first, 28)
    token = {"Authorization": f"Token {info['token']}", "Accept": "application/json"}
    wanted = set(args.kinds.split(","))
    kinds: dict[str, Callable[[int], tuple[dict, Callable | None]]] = {}
    if "cached" in wanted:
        kinds["slots, cached (4 weeks)"] = lambda _n: (_environ("GET", four_weeks, token), None)
    if "computed" in wanted:
        kinds["slots, computed (28 days)"] = lambda _n: (_environ("GET", four_weeks, token), caches["slots"].clear)
    if "booking" in wanted:
        bookings = _booking_bodies(bench_throughput.setup(), first, args.requests * (args.rounds + 1) + 60)
        counter = iter(range(len(bookings)))
        kinds["booking"] = lambda _n: (_environ("POST", "/api/appointments/", *bookings[next(counter)]), None)
    if "poll" in wanted:
        poll_path, session_key = _poll_subject(info["client_id"])
        cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}", "HX-Request": "true"}
        kinds["conversation poll, 204"] = lambda _n: (_environ("GET", poll_path, cookie), None)
    return kinds


def _booking_bodies(data: dict[str, Any], first: date, count: int) -> list[tuple[dict[str, str], bytes]]:
    """(headers, body) of ``count`` bookings of different free drop-in slots."""
    import bench_throughput
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    slots: dict[int, list[str]] = {}
    for worker_id, unit_id in data["workers"][:40]:
        user_token = data["tokens"][data["users_by_unit"][unit_id][0]]
        answer = client.get(
            f"/api/workers/{worker_id}/slots/",
            {"start": str(first), "end": str(first + timedelta(days=55)), "meeting_type": data["types"][worker_id]},
            HTTP_AUTHORIZATION=f"Token {user_token}",
        )
        slots[worker_id] = [slot["start"] for slot in answer.json()]
    planned = bench_throughput.plan_requests({**data, "workers": data["workers"][:40]}, slots, count)
    if len(planned) < count:
        raise SystemExit(f"only {len(planned)} free drop-in slots for {count} bookings")
    return [({"Authorization": f"Token {tok}", "Accept": "application/json"}, body.encode()) for tok, body in planned]


def _poll_subject(client_id: int) -> tuple[str, str]:
    """The service user's thread with their worker, and a signed-in session of theirs."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from conversations import selectors, services
    from people.models import User
    from web.templatetags.conversation_tags import poll_url

    user = User.objects.get(pk=client_id)
    thread = services.thread_for_worker(user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return poll_url(thread.pk, selectors.last_message_id(thread.pk)), session.session_key


def _round(handler: Any, make: Callable, requests: int) -> dict[str, float]:
    spent.clear()
    total = 0
    backend_before = _backend_cpu_ns()
    for n in range(requests):
        environ, before = make(n)
        if before is not None:
            before()
        started = clock()
        status = _call(handler, environ)
        total += clock() - started
        if status >= 400:
            raise SystemExit(f"{environ['PATH_INFO']} answered {status}")
    result = {label: ns / requests / 1000 for label, ns in spent.items()}
    result["total in Python"] = total / requests / 1000
    result["PostgreSQL backend"] = (_backend_cpu_ns() - backend_before) / requests / 1000
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kinds", default="cached,computed,booking,poll", help="which request kinds, comma-separated")
    args = parser.parse_args()
    common.django_setup()
    from django.conf import settings
    from django.db import connection
    from rest_framework.renderers import JSONRenderer
    from rest_framework.views import APIView

    booking = "booking" in args.kinds.split(",")
    if booking:
        common.delete_benchmark_bookings()
    kinds = _kinds(args)
    handler = _handler()
    common.print_environment()
    print(f"calibration: {common.calibration_ms():.1f} ms (fixed Python work, best of 5; lower is faster)")
    print(f"middleware: {len(settings.MIDDLEWARE)}; {args.rounds} rounds of {args.requests} requests per kind")

    def driver(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = clock()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["  database driver (Python, all layers)"] += clock() - started

    table: dict[str, dict[str, float]] = {}
    with (
        _patched(APIView, "perform_authentication", "  API authentication"),
        _patched(JSONRenderer, "render", "  JSON rendering"),
        connection.execute_wrapper(driver),
    ):
        for kind, make in kinds.items():
            for _warm in range(3):
                _round(handler, make, 20)
            rounds = [_round(handler, make, args.requests) for _r in range(args.rounds)]
            labels = {label for r in rounds for label in r}
            table[kind] = {label: statistics.median(r.get(label, 0.0) for r in rounds) for label in labels}
    if booking:
        common.delete_benchmark_bookings()
    _print(table)
    print(json.dumps({"revision": common.git_revision(), "cpu_us_per_request": table}))


def _print(table: dict[str, dict[str, float]]) -> None:
    kinds = list(table)
    layers = [m.rsplit(".", 1)[-1] for m in _middleware()]
    order = ["WSGI handler", *layers, "view", "  API authentication", "  database driver (Python, all layers)"]
    order += ["  JSON rendering", "total in Python", "PostgreSQL backend"]
    for values in table.values():
        inside = sum(values.get(layer, 0.0) for layer in [*layers, "view"])
        values["WSGI handler"] = values["total in Python"] - inside
    print()
    print("| CPU µs per request | " + " | ".join(kinds) + " |")
    print("|---|" + "---:|" * len(kinds))
    for label in order:
        cells = [f"{table[k].get(label, 0.0):,.0f}" for k in kinds]
        print(f"| {label.replace('  ', '· ')} | " + " | ".join(cells) + " |")


def _middleware() -> list[str]:
    from django.conf import settings

    extra = [p for p in getattr(settings, "TOKEN_API_MIDDLEWARE", []) if p not in settings.MIDDLEWARE]
    return [*settings.MIDDLEWARE, *extra]


if __name__ == "__main__":
    main()
