"""A local SMS gateway that honours idempotency keys, for crash tests and benchmarks.

It speaks the protocol ``messaging.channels.sms.HttpSmsBackend`` expects: a JSON POST
``{"to", "text", "reference"}`` with an ``Idempotency-Key`` header, answered with 2xx
``{"id": …}``. Like a real provider, the first POST with a key is delivered and gets a
new message id; a later POST with the same key gets the same id back (200) and is
counted as a repeat, never delivered again. A failed answer (503, 410 …) consumes no key.

In a test::

    with Gateway(latency=0.005) as gw:
        ...  # point SMS_HTTP_URL at gw.url
        gw.stats().delivered

As its own process (``GET /stats`` returns the counts as JSON, ``POST /reset`` clears them)::

    python -m tests.reminders.gateway --port 8025 --log sms.jsonl
"""

import argparse
import contextlib
import itertools
import json
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO, Any

SMS_PATH = "/sms"


@dataclass(frozen=True)
class Post:
    """One POST as the gateway saw it."""

    at: float
    key: str | None
    reference: str | None
    to: str
    text: str
    status: int
    outcome: str  # delivered, repeat, refused, unkeyed, bad_request
    message_id: str | None


@dataclass(frozen=True)
class Stats:
    posts: int  # every POST, whatever the answer
    delivered: int  # messages that reached a handset: unique keys plus unkeyed posts
    repeated: int  # POSTs whose key had already been delivered (deduplicated)
    refused: int  # POSTs answered with an error status
    unkeyed: int  # POSTs without any idempotency key (each one delivered)


@dataclass
class _Failure:
    status: int
    remaining: int | None  # None: for ever


@dataclass
class GatewayState:
    """Everything the gateway remembers. All access goes through ``lock``: the server
    answers each connection on its own thread."""

    latency: float = 0.0
    log: IO[str] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: dict[str, str] = field(default_factory=dict)  # idempotency key → message id
    posts: list[Post] = field(default_factory=list)
    failures: dict[str, _Failure] = field(default_factory=dict)
    _counter: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    def fail_number(self, number: str, status: int = 503, times: int | None = None) -> None:
        """Answer ``status`` for POSTs to ``number``: ``times`` times, or always when None."""
        with self.lock:
            self.failures[number] = _Failure(status=status, remaining=times)

    def reset(self) -> None:
        with self.lock:
            self.ids.clear()
            self.posts.clear()
            self.failures.clear()

    def stats(self) -> Stats:
        with self.lock:
            outcomes = [post.outcome for post in self.posts]
        unkeyed = outcomes.count("unkeyed")
        return Stats(
            posts=len(outcomes),
            delivered=outcomes.count("delivered") + unkeyed,
            repeated=outcomes.count("repeat"),
            refused=outcomes.count("refused") + outcomes.count("bad_request"),
            unkeyed=unkeyed,
        )

    def delivered_ids(self) -> dict[str, str]:
        """Idempotency key → message id, for every keyed message delivered."""
        with self.lock:
            return dict(self.ids)

    def all_posts(self) -> list[Post]:
        with self.lock:
            return list(self.posts)

    def handle(self, key: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        """Decide the answer to one POST and record it. Returns (status, JSON body)."""
        valid = isinstance(body, dict) and isinstance(body.get("to"), str) and isinstance(body.get("text"), str)
        to = body.get("to", "") if valid else ""
        text = body.get("text", "") if valid else ""
        reference = body.get("reference") if valid else None
        key = key or (reference if isinstance(reference, str) and reference else None)
        with self.lock:
            message_id: str | None = None
            failure = self.failures.get(to)
            if not valid:
                status, outcome = 400, "bad_request"
            elif failure is not None and failure.remaining != 0:
                status, outcome = failure.status, "refused"
                if failure.remaining is not None:
                    failure.remaining -= 1
            elif key is None:
                status, outcome, message_id = 200, "unkeyed", self._new_id()
            elif key in self.ids:
                status, outcome, message_id = 200, "repeat", self.ids[key]
            else:
                message_id = self._new_id()
                self.ids[key] = message_id
                status, outcome = 201, "delivered"
            post = Post(
                at=time.time(),
                key=key,
                reference=reference if isinstance(reference, str) else None,
                to=to,
                text=text,
                status=status,
                outcome=outcome,
                message_id=message_id,
            )
            self.posts.append(post)
            if self.log is not None:
                self.log.write(json.dumps(asdict(post), ensure_ascii=False) + "\n")
                self.log.flush()
        answer: dict[str, Any] = {"id": message_id} if message_id else {"error": outcome, "status": status}
        return status, answer

    def _new_id(self) -> str:
        return f"gw-{next(self._counter)}"


class _Handler(BaseHTTPRequestHandler):
    # Answer headers and body without waiting for the client's delayed ACK (Nagle): a real
    # provider answers at once, and ~40 ms per message would hide everything else.
    disable_nagle_algorithm = True
    # Keep-alive, as a real provider offers: the backend pools its connections.
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            # The sender died mid-request (the crash tests kill it): a provider never sees a
            # half-sent message, so neither answer nor record it.
            self.close_connection = True
            return
        if self.path.rstrip("/") == "/reset":
            self.server.state.reset()
            self._answer(200, {"reset": True})
            return
        if self.path.rstrip("/") != SMS_PATH:
            self._answer(404, {"error": "not found"})
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        status, answer = self.server.state.handle(self.headers.get("Idempotency-Key"), body)
        if self.server.state.latency:
            # Provider processing time, outside the lock so requests overlap as they would.
            time.sleep(self.server.state.latency)
        self._answer(status, answer)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/stats":
            self._answer(200, asdict(self.server.state.stats()))
        else:
            self._answer(404, {"error": "not found"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # Thousands of requests per run; the JSON log and the counters are the record.
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many workers connect at once after a restart; the default backlog of 5 refuses some.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], state: GatewayState) -> None:
        self.state = state
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: tuple[str, int]) -> None:
        # A client killed mid-request (the point of a crash test) resets its connection.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Gateway:
    """The gateway on 127.0.0.1, served from a background thread."""

    def __init__(self, port: int = 0, latency: float = 0.0, log_path: Path | str | None = None) -> None:
        self._log = Path(log_path).open("a", encoding="utf-8") if log_path else None  # noqa: SIM115
        self.state = GatewayState(latency=latency, log=self._log)
        self._server = _Server(("127.0.0.1", port), self.state)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{SMS_PATH}"

    def start(self) -> "Gateway":
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()
        if self._log is not None:
            with self.state.lock:
                self._log.close()
                self.state.log = None
            self._log = None

    def __enter__(self) -> "Gateway":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # Shortcuts to the state.
    def stats(self) -> Stats:
        return self.state.stats()

    def delivered_ids(self) -> dict[str, str]:
        return self.state.delivered_ids()

    def posts(self) -> list[Post]:
        return self.state.all_posts()

    def fail_number(self, number: str, status: int = 503, times: int | None = None) -> None:
        self.state.fail_number(number, status, times)


def _parse_failure(value: str) -> tuple[str, int, int | None]:
    parts = value.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("use NUMBER:STATUS or NUMBER:STATUS:TIMES")
    try:
        return parts[0], int(parts[1]), int(parts[2]) if len(parts) == 3 else None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Local SMS gateway that honours idempotency keys.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on start)")
    parser.add_argument("--log", type=Path, help="append one JSON line per POST to this file")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each answer takes")
    parser.add_argument(
        "--fail",
        type=_parse_failure,
        action="append",
        default=[],
        metavar="NUMBER:STATUS[:TIMES]",
        help="answer STATUS (e.g. 503, 410) for this number, TIMES times or always",
    )
    args = parser.parse_args(argv)

    gateway = Gateway(port=args.port, latency=args.latency, log_path=args.log)
    for number, status, times in args.fail:
        gateway.fail_number(number, status, times)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    gateway.start()
    print(f"listening on {gateway.url}", flush=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        gateway.stop()
        with contextlib.suppress(BrokenPipeError):
            print(json.dumps(asdict(gateway.stats())), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
