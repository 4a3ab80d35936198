"""/metrics: who may scrape it, and what an operator reads there (a real scrape, parsed)."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from booking.models import ExternalCalendar
from care.models import HelpRequest
from messaging.models import Delivery
from tests.reminders.support import make_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outbox_counted_anew() -> None:
    from django.core.cache import caches

    caches["default"].clear()


REDIS_URL = os.environ.get("TRIANGEL_METRICS_REDIS_URL", "redis://127.0.0.1:6379/11")


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_an_address_not_allowed_gets_a_404(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_a_request_through_a_proxy_is_not_let_in_by_its_address(client):
    # Behind nginx on the same machine every request comes from 127.0.0.1.
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 404


def test_an_allowed_address_may_scrape(client, settings):
    settings.METRICS_ALLOWED_IPS = frozenset({"192.0.2.7"})
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_the_bearer_token_lets_a_scraper_in_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "a-long-random-scrape-token"
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer a-long-random-scrape-token")
    assert ok.status_code == 200
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer a-long-random-scrape-toke")
    assert wrong.status_code == 404


def test_the_scrape_shows_the_outbox_by_status_and_channel_and_its_oldest_due(client, world):
    now = timezone.now()
    make_delivery(world.client, due_at=now - timedelta(minutes=7))
    make_delivery(world.client, due_at=now + timedelta(hours=1))
    make_delivery(world.client, channel="email", status=Delivery.Status.FAILED, attempts=5)
    samples = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert samples[("triangel_deliveries_total", (("channel", "sms"), ("status", "scheduled")))] == 2
    assert samples[("triangel_deliveries_total", (("channel", "email"), ("status", "failed")))] == 1
    assert 7 * 60 <= samples[("triangel_deliveries_oldest_due_seconds", ())] < 8 * 60


def test_nothing_due_is_an_oldest_age_of_zero(client, world):
    make_delivery(world.client, due_at=timezone.now() + timedelta(hours=1))
    assert scrape(client, REMOTE_ADDR="127.0.0.1")[("triangel_deliveries_oldest_due_seconds", ())] == 0


def test_the_scrape_shows_help_requests_waiting_and_past_their_escalation(client, world):
    now = timezone.now()
    HelpRequest.objects.create(
        user=world.client,
        unit=world.unit,
        status=HelpRequest.Status.ALERTING,
        created_at=now - timedelta(minutes=20),
        due_at=now - timedelta(minutes=3),
    )
    HelpRequest.objects.create(
        user=world.other_client,
        unit=world.unit,
        status=HelpRequest.Status.ALERTING,
        created_at=now - timedelta(minutes=40),
        due_at=None,  # the whole chain was alerted; nobody answered
    )
    samples = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert samples[("triangel_help_requests_waiting", (("status", "alerting"),))] == 2
    assert samples[("triangel_help_requests_waiting", (("status", "waiting"),))] == 0
    assert 40 * 60 <= samples[("triangel_help_requests_oldest_waiting_seconds", (("status", "alerting"),))] < 41 * 60
    assert 3 * 60 <= samples[("triangel_help_requests_escalation_overdue_seconds", ())] < 4 * 60
    assert samples[("triangel_help_requests_unanswered_after_escalation", ())] == 1


def test_the_scrape_counts_external_calendars_failing(client, world):
    ExternalCalendar.objects.create(calendar=world.calendar, kind="ics", url="https://example.org/a.ics")
    ExternalCalendar.objects.create(
        calendar=world.other_calendar,
        kind="ics",
        url="https://example.org/b.ics",
        last_error="auth",
        failing_since=timezone.now() - timedelta(hours=2),
    )
    samples = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert samples[("triangel_external_calendars", ())] == 2
    assert samples[("triangel_external_calendars_failing", ())] == 1


def test_the_scrape_shows_the_length_of_the_celery_queue_in_redis(client, settings):
    queue = f"triangel-test-{uuid.uuid4().hex}"
    broker = redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    try:
        broker.rpush(queue, "a", "b", "c")
    except redis.ConnectionError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL}: {exc}")
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.METRICS_CELERY_QUEUES = [queue]
    try:
        samples = scrape(client, REMOTE_ADDR="127.0.0.1")
    finally:
        broker.delete(queue)
        broker.close()
    assert samples[("triangel_celery_queue_length", (("queue", queue),))] == 3


def test_the_scrape_shows_request_rates_and_latencies_by_route(client, world):
    client.force_login(world.client)
    before = scrape(client, REMOTE_ADDR="127.0.0.1")
    key = (
        "triangel_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "api/me/"), ("status", "2xx")),
    )
    assert client.get("/api/me/").status_code == 200
    client.get(f"/api/appointments/{10**9}/")
    after = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert after[key] == before.get(key, 0) + 1
    # The route is the URL pattern, never the path: no series per id.
    assert not any(str(10**9) in dict(labels).get("route", "") for _name, labels in after)


def test_with_a_multiprocess_directory_one_scrape_sees_every_process(tmp_path):
    # As gunicorn's workers do with PROMETHEUS_MULTIPROC_DIR: two processes answer requests,
    # a third scrapes and sees both.
    ask = (
        "import django; django.setup();"
        "from django.test import Client; from django.test.utils import setup_test_environment;"
        "setup_test_environment(); Client().get('/health/')"
    )
    # The requests' part of a scrape (the Triangel figures need a database, tested above).
    scrape_code = (
        "import django; django.setup(); from prometheus_client import generate_latest;"
        "from ops.views import process_registry; print(generate_latest(process_registry()).decode())"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    env.pop("DATABASE_URL", None)  # the health check's answer does not matter here, only that it was counted
    for _ in range(2):
        subprocess.run([sys.executable, "-c", ask], cwd=root, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-c", scrape_code], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout
    counts = [
        sample.value
        for family in text_string_to_metric_families(out)
        for sample in family.samples
        if sample.name == "triangel_http_request_duration_seconds_count" and sample.labels["route"] == "health/"
    ]
    assert sum(counts) == 2


def test_the_outbox_is_counted_at_most_every_few_minutes(client, world, settings):
    settings.METRICS_OUTBOX_SECONDS = 300
    make_delivery(world.client, due_at=timezone.now() - timedelta(minutes=1))
    key = ("triangel_deliveries_total", (("channel", "sms"), ("status", "scheduled")))
    assert scrape(client, REMOTE_ADDR="127.0.0.1")[key] == 1
    make_delivery(world.client, due_at=timezone.now())
    again = scrape(client, REMOTE_ADDR="127.0.0.1")
    assert again[key] == 1  # the count of the scrape before
    assert again[("triangel_deliveries_oldest_due_seconds", ())] >= 60  # read fresh every time
