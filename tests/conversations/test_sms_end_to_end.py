"""End to end through a real Celery worker and the SMS gateway stand-in: a worker writes, the
person gets the notice SMS after their delay, answers by SMS through the signed webhook, and
the answer is in the conversation (and the person is told it was sent)."""

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from conversations import services
from conversations.models import Message
from messaging.models import Delivery
from reminders import services as reminders
from reminders.models import MessageKind
from tests.messaging.test_crash import WorkerProcess, _wait_for, _wait_for_worker_connections_to_close, _worker_env
from tests.reminders.gateway import Gateway
from tests.reminders.support import WEBHOOK_SECRET, post_signed

# A Redis database of its own, so no other run's tasks interfere.
REDIS_URL = os.environ.get("TRIANGEL_CONVERSATIONS_REDIS_URL", "redis://127.0.0.1:6379/9")
NOTICE = "Du har en ny melding i Triangel. Svar på denne SMS-en for å skrive tilbake."
CLIENT_NUMBER = "+4740000001"


@pytest.fixture
def broker() -> Iterator[None]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")
    client.flushdb()
    yield
    client.flushdb()
    client.close()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_quiet_hours")
def test_a_worker_writes_the_person_is_told_by_sms_and_answers_by_sms(
    world, api, settings, tmp_path: Path, broker: None
) -> None:
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET
    reminders.preferences_update(person=world.client, changes={"conversation_notice_minutes": 1})
    thread = services.thread_for_worker(world.client)
    # Written 50 s ago: the one-minute delay ends a few seconds into the test.
    written = timezone.now() - timedelta(seconds=50)
    services.message_post(thread=thread, author=world.worker, text="Hei Anna! Går det bra?", now=written)
    [notice] = Delivery.objects.filter(recipient=world.client, kind=MessageKind.CONVERSATION)
    assert notice.due_at == written + timedelta(minutes=1)

    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with Gateway(log_path=tmp_path / "gateway.jsonl") as gateway:
        env = _worker_env(var_dir, gateway.url)
        env.update({"REDIS_URL": REDIS_URL, "CELERY_BROKER_URL": REDIS_URL, "SMS_WEBHOOK_SECRET": WEBHOOK_SECRET})
        worker = WorkerProcess("conversations", env, tmp_path / "worker.log")
        try:
            worker.start()

            def texts_to_client() -> list[str]:
                return [p.text for p in gateway.posts() if p.to == CLIENT_NUMBER and p.outcome == "delivered"]

            assert _wait_for(lambda: NOTICE in texts_to_client(), 60, interval=0.2), worker.tail()
            notice.refresh_from_db()
            assert notice.status == Delivery.Status.SENT
            assert notice.sent_at >= notice.due_at

            response = post_signed(
                api.anonymous(),
                "/api/sms/inbound/",
                {"from": CLIENT_NUMBER, "text": "Ja, takk! Vi ses på torsdag.", "message_id": "gw-e2e-1"},
            )
            assert response.status_code == 204
            assert _wait_for(lambda: "Meldingen din er sendt." in texts_to_client(), 30, interval=0.2), worker.tail()
            # Nothing more to the person: one notice, one answer.
            time.sleep(2)
            assert texts_to_client() == [NOTICE, "Meldingen din er sendt."]
        finally:
            worker.stop()
            _wait_for_worker_connections_to_close()

    assert [(m.author, m.text, m.via) for m in Message.objects.filter(thread=thread)] == [
        (world.worker, "Hei Anna! Går det bra?", "web"),
        (world.client, "Ja, takk! Vi ses på torsdag.", "sms"),
    ]
