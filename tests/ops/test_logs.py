"""Logs an operator can index: JSON lines with the request id, and nothing about a person."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from config import request_id
from config.logs import JsonFormatter
from config.sentry import scrub

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log() -> io.StringIO:
    """Everything logged during the test, as LOG_FORMAT=json writes it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(request_id.RequestIdFilter())
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)
    yield out
    for logger in loggers:
        logger.removeHandler(handler)


def test_log_lines_of_requests_carry_the_request_id_and_no_personal_data(client, api, world, json_log):
    person = world.client
    person.email = "anna.nordmann@example.org"
    person.save(update_fields=["email"])
    answers = [
        # Signing in with the person's phone number and e-mail address, and a wrong password.
        client.post("/login/", {"phone": "40000001"}),
        client.post("/login/email/", {"email": person.email}),
        api.anonymous().post("/api/auth/token/", {"username": person.username, "password": "wrong"}, format="json"),
        # Someone else's meeting, and a page that does not exist.
        api.as_(person).get(f"/api/people/{world.other_client.pk}/export/"),
        client.get("/no-such-page/?phone=40000001"),
    ]
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines, "the requests logged nothing to check"
    ids = {answer["X-Request-ID"] for answer in answers}
    assert {line["request_id"] for line in lines} <= ids
    text = json_log.getvalue()
    for personal in ("40000001", "+4740000001", "anna.nordmann", "Anna", "Nordmann", person.username):
        assert personal not in text


def test_a_plain_request_id_from_the_proxy_is_kept_and_anything_else_replaced(client):
    kept = client.get("/health/", HTTP_X_REQUEST_ID="3f2a9c1e-proxy-0001")
    assert kept["X-Request-ID"] == "3f2a9c1e-proxy-0001"
    replaced = client.get("/health/", HTTP_X_REQUEST_ID="<script>40000001</script>")
    assert replaced["X-Request-ID"] != "<script>40000001</script>"
    assert len(replaced["X-Request-ID"]) == 32


def test_a_task_logs_with_the_id_of_the_request_that_queued_it():
    token = request_id.current.set("3f2a9c1e-request-42")
    headers: dict = {}
    try:
        request_id.task_publish_add_id(headers=headers)
    finally:
        request_id.current.reset(token)
    assert headers == {request_id.TASK_HEADER: "3f2a9c1e-request-42"}
    # In the worker: the header arrives as an attribute of the task's request.
    task = SimpleNamespace(request=SimpleNamespace(**headers))
    request_id.task_prerun_set_id(task=task)
    assert request_id.current.get() == "3f2a9c1e-request-42"
    request_id.task_prerun_set_id(task=SimpleNamespace(request=SimpleNamespace()))
    assert request_id.current.get() == "-"


def test_log_format_json_writes_one_json_object_a_line():
    code = (
        "import django, logging; django.setup();logging.getLogger('triangel.check').warning('dispatch late by %s s', 7)"
    )
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["message"] == "dispatch late by 7 s"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "triangel.check"
    assert entry["request_id"] == "-"


def test_an_error_report_carries_no_personal_data():
    event = {
        "user": {"id": 7, "email": "anna@example.org"},
        "breadcrumbs": {"values": [{"message": "SMS to +4740000001"}]},
        "request": {
            "method": "POST",
            "url": "https://triangel.example.no/login/?phone=40000001",
            "data": {"phone": "40000001"},
            "cookies": {"sessionid": "secret"},
            "headers": {"Authorization": "Bearer secret"},
            "query_string": "phone=40000001",
        },
        "exception": {"values": [{"stacktrace": {"frames": [{"function": "f", "vars": {"phone": "40000001"}}]}}]},
    }
    scrubbed = scrub(event)
    assert scrubbed["request"] == {"method": "POST", "url": "https://triangel.example.no/login/"}
    assert "40000001" not in json.dumps(scrubbed)
    assert "anna" not in json.dumps(scrubbed)
