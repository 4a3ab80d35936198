"""Servers the external-calendar tests read from (imported by tests/conftest.py).

``ics_server``: a small HTTP server on 127.0.0.1 serving .ics files the test puts there, with
ETag and If-None-Match as Outlook's and Google's publishing servers answer, and a log of the
requests it got. ``radicale``: a real CalDAV server (Radicale) in a process of its own on a
free port, with one user; ``caldav_calendar`` makes a fresh calendar there for each test.
"""

import hashlib
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import caldav
import httpx
import pytest

from tests.oidc.fixtures import free_port

STARTUP_SECONDS = 30
RADICALE_USER = "kari"
RADICALE_PASSWORD = "hemmelig-passord"


@dataclass
class IcsServer:
    port: int
    files: dict[str, bytes] = field(default_factory=dict)
    # (path, status) of every request, in order.
    requests: list[tuple[str, int]] = field(default_factory=list)
    # Paths answered only after this many seconds (a server that hangs).
    slow: dict[str, float] = field(default_factory=dict)
    # Paths that send no ETag (a server without conditional requests).
    no_etag: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def put(self, path: str, text: str | bytes) -> str:
        self.files[path] = text.encode() if isinstance(text, str) else text
        return self.url(path)

    def statuses(self, path: str) -> list[int]:
        return [status for p, status in self.requests if p == path]


def _handler(server: IcsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in server.slow:
                time.sleep(server.slow[path])
            body = server.files.get(path)
            if body is None:
                self._answer(path, 404, b"not found")
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if path not in server.no_etag and self.headers.get("If-None-Match") == etag:
                self._answer(path, 304, b"")
                return
            headers = {} if path in server.no_etag else {"ETag": etag}
            self._answer(path, 200, body, {"Content-Type": "text/calendar; charset=utf-8", **headers})

        def _answer(self, path: str, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            server.requests.append((path, status))
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def _ics_http() -> Iterator[IcsServer]:
    state = IcsServer(port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()


@pytest.fixture
def ics_server(_ics_http: IcsServer, settings: object) -> IcsServer:
    """The ICS server, emptied for this test; private addresses allowed (it is on 127.0.0.1)."""
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = True
    _ics_http.files.clear()
    _ics_http.requests.clear()
    _ics_http.slow.clear()
    _ics_http.no_etag.clear()
    return _ics_http


@dataclass
class Radicale:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, password: str = RADICALE_PASSWORD) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.base, username=RADICALE_USER, password=password, enable_rfc6764=False)


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    root = tmp_path_factory.mktemp("radicale")
    (root / "users").write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
    port = free_port()
    config = root / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {root / 'users'}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {root / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    log = root / "radicale.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(config)], stdout=output, stderr=subprocess.STDOUT
        )
    server = Radicale(port=port, process=process, log=log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Radicale did not start:\n{log.read_text()}")
        try:
            httpx.get(server.base + "/.web/", timeout=2)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def caldav_calendar(radicale: Radicale, settings: object) -> caldav.Calendar:
    """A new, empty calendar of the Radicale user for this test."""
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = True
    principal = radicale.client().principal()
    return principal.make_calendar(name="Arbeid", cal_id=f"work-{uuid.uuid4().hex[:10]}")
