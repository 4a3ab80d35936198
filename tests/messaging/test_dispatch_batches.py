"""Sending in batches: sent rows are marked together, still only by the holder of the
current claim; a dispatcher claims no more than can be sent within a lease; the HTTP
backend keeps its connection open and survives the gateway closing it."""

import json
import socket
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging import dispatch, sending
from messaging import tasks as messaging_tasks
from messaging.channels import Message, sms
from messaging.models import Delivery
from tests.reminders.gateway import Gateway
from tests.reminders.support import make_delivery, sent_sms

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def _sent_marks(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("UPDATE messaging_delivery SET status") and "provider_id" in q["sql"]
    ]


def test_a_batch_is_marked_sent_in_one_statement_per_group_of_rows(world, sms_file, settings):
    settings.REMINDERS_MARK_SENT_EVERY = 2
    rows = [make_delivery(world.client) for _ in range(5)]
    token, ids = dispatch.deliveries_claim(limit=10)

    with CaptureQueriesContext(connection) as queries:
        counts = sending.deliveries_send(ids=ids, claim_token=token)

    assert counts["sent"] == 5
    assert len(_sent_marks(queries)) == 3  # 2 + 2 + the last one
    phone = world.client.phone_numbers.get()
    for row in rows:
        row.refresh_from_db()
        assert row.status == Delivery.Status.SENT
        assert row.provider_message_id == f"file-{row.idempotency_key}"
        assert row.sent_to == str(phone.number)
        assert row.sent_at is not None
        assert row.claim_token is not None  # the run's own token, not the claim's
    assert sorted(m["idempotency_key"] for m in sent_sms(sms_file)) == sorted(str(r.idempotency_key) for r in rows)


def test_a_stale_run_never_marks_rows_a_newer_claim_holds(world, sms_file, settings, monkeypatch):
    """The first run stalls past its lease while posting the batch; the sweeper returns the
    rows and a new claim takes them. The first run's batched marks must not touch them, and
    the new claim posts them again under the same idempotency keys."""
    settings.REMINDERS_MARK_SENT_EVERY = 50
    rows = [make_delivery(world.client) for _ in range(3)]
    old_token, ids = dispatch.deliveries_claim(limit=10)
    newer: dict[str, object] = {}
    original = sms.FileSmsBackend.send

    def send_then_lose_the_lease(self, message):
        provider_id = original(self, message)
        if message.idempotency_key == str(rows[-1].idempotency_key) and not newer:
            later = timezone.now() + timedelta(seconds=settings.REMINDERS_LEASE_SECONDS + 1)
            assert dispatch.deliveries_sweep(now=later) == 3
            newer["claim"] = dispatch.deliveries_claim(limit=10, now=later)
        return provider_id

    monkeypatch.setattr(sms.FileSmsBackend, "send", send_then_lose_the_lease)
    sending.deliveries_send(ids=ids, claim_token=old_token)

    new_token, new_ids = newer["claim"]
    assert sorted(new_ids) == sorted(ids)
    for row in Delivery.objects.filter(pk__in=ids):
        assert row.status == Delivery.Status.SENDING
        assert str(row.claim_token) == new_token
        assert row.provider_message_id == ""
        assert row.sent_at is None

    assert sending.deliveries_send(ids=new_ids, claim_token=new_token)["sent"] == 3
    keys = [m["idempotency_key"] for m in sent_sms(sms_file)]
    assert sorted(keys) == sorted(2 * [str(r.idempotency_key) for r in rows])  # the provider drops the copies
    assert Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT).count() == 3


def test_marks_of_a_stale_token_change_nothing_even_after_the_row_was_sent(world, sms_file):
    row = make_delivery(world.client)
    old_token, _ids = dispatch.deliveries_claim(limit=10)
    later = timezone.now() + timedelta(seconds=121)
    dispatch.deliveries_sweep(now=later)
    new_token, new_ids = dispatch.deliveries_claim(limit=10, now=later)
    sending.deliveries_send(ids=new_ids, claim_token=new_token)
    row.refresh_from_db()
    before = (row.status, row.provider_message_id, row.sent_at, row.updated_at)

    assert sending.mark_sent([(row.pk, "+4740000001", "stale-id")], old_token) == 0

    row.refresh_from_db()
    assert (row.status, row.provider_message_id, row.sent_at, row.updated_at) == before


def test_rows_posted_before_an_unexpected_error_are_still_marked_sent(world, sms_file, settings, monkeypatch):
    settings.REMINDERS_MARK_SENT_EVERY = 50
    rows = [make_delivery(world.client) for _ in range(3)]
    token, ids = dispatch.deliveries_claim(limit=10)
    original = sms.FileSmsBackend.send

    def fail_on_the_third(self, message):
        if message.idempotency_key == str(rows[2].idempotency_key):
            raise RuntimeError("bug")
        return original(self, message)

    monkeypatch.setattr(sms.FileSmsBackend, "send", fail_on_the_third)
    with pytest.raises(RuntimeError):
        sending.deliveries_send(ids=ids, claim_token=token)

    statuses = {r.pk: r.status for r in Delivery.objects.filter(pk__in=ids)}
    assert statuses == {rows[0].pk: "sent", rows[1].pk: "sent", rows[2].pk: "sending"}


def test_dispatch_claims_no_more_than_can_be_sent_within_a_lease(world, settings, monkeypatch):
    settings.REMINDERS_CLAIM_BATCH = 4
    settings.REMINDERS_SEND_BATCH = 3
    settings.REMINDERS_SEND_RATE = 2
    settings.REMINDERS_LEASE_SECONDS = 10  # 2/s × 5 s: 10 rows in flight at most
    now = timezone.now()
    for i in range(25):
        make_delivery(world.client, due_at=now - timedelta(seconds=i))
    queued: list[list[int]] = []
    monkeypatch.setattr(messaging_tasks.send_deliveries, "delay", lambda ids, token: queued.append(ids))

    assert messaging_tasks.dispatch_due() == 10
    assert [len(ids) for ids in queued] == [3, 1, 3, 1, 2]  # claims of 4, 4 and the 2 left of the room
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).count() == 10
    assert messaging_tasks.dispatch_due() == 0  # full until some are sent

    Delivery.objects.filter(pk__in=queued[0]).update(status=Delivery.Status.SENT)
    assert messaging_tasks.dispatch_due() == 3


def test_a_dispatch_ends_once_everything_due_is_claimed(world, settings, monkeypatch):
    """Rows falling due while a dispatch runs are left to the next tick, not claimed one by
    one as they come (a claim and a send task each)."""
    settings.REMINDERS_CLAIM_BATCH = 10
    for _ in range(3):
        make_delivery(world.client, due_at=timezone.now() - timedelta(seconds=1))
    claims: list[int] = []
    original = dispatch.deliveries_claim

    def claim_and_another_falls_due(*, limit: int) -> tuple[str, list[int]]:
        token, ids = original(limit=limit)
        claims.append(len(ids))
        make_delivery(world.client, due_at=timezone.now() - timedelta(seconds=1))
        return token, ids

    monkeypatch.setattr(dispatch, "deliveries_claim", claim_and_another_falls_due)
    monkeypatch.setattr(messaging_tasks.send_deliveries, "delay", lambda ids, token: None)

    assert messaging_tasks.dispatch_due() == 3
    assert claims == [3]


# --- The HTTP backend's connection -----------------------------------------------------------


def _message(key: str) -> Message:
    return Message(to="+4740000001", text="Hei", subject="", idempotency_key=key)


def test_the_http_backend_keeps_its_connection_open_between_messages(settings):
    with Gateway() as gateway:
        settings.SMS_HTTP_URL = gateway.url
        backend = sms.HttpSmsBackend()
        ids = [backend.send(_message(f"key-{i}")) for i in range(3)]
        conns = sms.HttpSmsBackend._local.connections
        sock = next(iter(conns.values())).sock
        assert backend.send(_message("key-3")) == "gw-4"
        assert next(iter(conns.values())).sock is sock
        conns.clear()
    assert ids == ["gw-1", "gw-2", "gw-3"]
    assert gateway.stats().delivered == 4


def test_the_http_backend_posts_again_on_a_new_connection_when_the_gateway_closed_the_old_one(settings):
    """A kept-alive connection the gateway closed while idle: the next message goes out on a
    new connection, not as a temporary error."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    seen: list[dict] = []

    def serve() -> None:
        for n in range(2):
            conn, _ = server.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        line.split(b":")[1]
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                )
                while len(body) < length:
                    body += conn.recv(65536)
                seen.append(json.loads(body))
                answer = json.dumps({"id": f"id-{n}"}).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(answer)).encode()
                    + b"\r\n\r\n"
                    + answer
                )
                # Keep-alive was offered (HTTP/1.1, no Connection: close), then closed while idle.

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        settings.SMS_HTTP_URL = f"http://127.0.0.1:{port}/sms"
        backend = sms.HttpSmsBackend()
        assert backend.send(_message("first")) == "id-0"
        thread.join(timeout=0.2)  # let the server close its end
        assert backend.send(_message("second")) == "id-1"
    finally:
        sms.HttpSmsBackend._local.__dict__.get("connections", {}).clear()
        server.close()
        thread.join(timeout=5)
    assert [body["reference"] for body in seen] == ["first", "second"]
