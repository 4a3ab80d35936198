"""Helpers shared by the reminders tests: builders, a dispatcher run, signed webhooks and a
stub SMS gateway on 127.0.0.1 (the outermost boundary, so the real HTTP backend runs)."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from messaging import dispatch as dispatcher
from messaging import sending
from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind, ReminderPlan

OSLO = ZoneInfo("Europe/Oslo")
WEBHOOK_SECRET = "test-webhook-secret"
_seq = count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, tz: ZoneInfo = OSLO) -> datetime:
    """An aware local time in Oslo (or ``tz``)."""
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def make_plan(owner: User, **fields) -> ReminderPlan:
    """A plan row without materialising it (tests that want delivery rows call the service)."""
    defaults = {
        "created_by": owner,
        "kind": ReminderPlan.Kind.MEDICATION,
        "title": "Metadon",
        "dose": "80 mg",
        "rrule": "FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0",
        "starts_on": date(2026, 1, 1),
        "channels": ["sms"],
    }
    defaults.update(fields)
    return ReminderPlan.objects.create(owner=owner, **defaults)


def make_delivery(recipient: User, **fields) -> Delivery:
    """A delivery row as the services would write it, due now unless told otherwise."""
    now = timezone.now()
    due_at = fields.pop("due_at", now)
    values = {
        "kind": MessageKind.ROUTINE,
        "channel": "sms",
        "occurrence_at": due_at,
        "due_at": due_at,
        "expires_at": due_at + timedelta(hours=1),
        "dedupe_key": f"test:{next(_seq)}",
        "context": {"title": "Gå tur"},
    }
    # What a row is about, named as reminders names it (messaging.models.Delivery.about).
    for about in ("plan", "appointment"):
        cause = fields.pop(about, None)
        if cause is not None:
            values.update(about=about, about_id=cause.pk)
    values.update(fields)
    return Delivery.objects.create(recipient=recipient, **values)


def dispatch(now: datetime | None = None, limit: int = 500) -> tuple[list[int], dict[str, int]]:
    """One dispatcher pass as the Celery tasks do it: claim the due rows, then send them."""
    token, ids = dispatcher.deliveries_claim(limit=limit, now=now)
    counts = sending.deliveries_send(ids=ids, claim_token=token, now=now)
    return ids, counts


def sent_sms(path: Path) -> list[dict]:
    """The messages the ``file`` SMS backend wrote."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def signature(raw: bytes, secret: str = WEBHOOK_SECRET, timestamp: str = "") -> str:
    """As the gateway signs: hex HMAC-SHA256 of ``<timestamp>.<body>`` (written out here, so the
    test does not check the code with itself)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()


def post_signed(
    client,
    path: str,
    payload: dict,
    secret: str = WEBHOOK_SECRET,
    sign: str | None = None,
    timestamp: int | None = None,
):
    """POST a JSON webhook body signed like the gateway signs it (or with ``sign`` as given),
    stamped now unless ``timestamp`` says otherwise."""
    raw = json.dumps(payload).encode()
    stamp = str(int(timezone.now().timestamp()) if timestamp is None else timestamp)
    headers = {"HTTP_X_TRIANGEL_TIMESTAMP": stamp}
    if sign != "":
        headers["HTTP_X_TRIANGEL_SIGNATURE"] = sign or signature(raw, secret, stamp)
    return client.post(path, data=raw, content_type="application/json", **headers)


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]  # lower-case names
    body: dict


class StubSmsGateway:
    """An HTTP SMS gateway on 127.0.0.1 in a thread.

    Answers ``status`` (or ``by_number[to]``) and records every request. HTTP/1.0, so each
    request has its own connection and nothing is left open between tests.
    """

    def __init__(self, status: int = 200, by_number: dict[str, int] | None = None) -> None:
        self.status = status
        self.by_number = dict(by_number or {})
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()

    def __enter__(self) -> "StubSmsGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with gateway._lock:
                    gateway.requests.append(
                        SeenRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    number = len(gateway.requests)
                status = gateway.by_number.get(body.get("to"), gateway.status)
                payload = json.dumps({"id": f"gw-{number}"} if status < 300 else {"error": "refused"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output clean

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def local_time(value: datetime, tz: ZoneInfo = OSLO) -> time:
    return value.astimezone(tz).time()
