"""A request id in every log line: taken from the proxy's ``X-Request-ID`` when it is a plain
token, else made here; sent back in the answer, and carried into the Celery tasks the request
queues, so one id finds a request's lines in the web server's and the worker's logs."""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from logging import Filter, LogRecord
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# The task message header the id travels in (before_task_publish → task_prerun).
TASK_HEADER = "triangel_request_id"
# Only a short token is taken over: a header is the client's input, and it lands in every log line.
_TOKEN = re.compile(r"[A-Za-z0-9._-]{8,64}")

current: ContextVar[str] = ContextVar("request_id", default="-")


def accepted(value: str | None) -> str:
    """The id to use for an incoming header value: the value when it is a plain token, else a new one."""
    if value and _TOKEN.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost: every line logged while a request is handled carries its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        request_finished.connect(request_finished_clear_id, dispatch_uid="triangel-request-id")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted(request.headers.get(HEADER))
        # Not reset on the way out: Django logs a 4xx or 5xx after the middleware has returned.
        # The id is cleared when the answer is closed (request_finished), and every request sets
        # its own anyway.
        current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def request_finished_clear_id(**_kwargs: Any) -> None:
    """Django's request_finished: lines logged after the answer went out carry no id."""
    current.set("-")


class RequestIdFilter(Filter):
    """Adds ``request_id`` to every record (``-`` outside a request or task)."""

    def filter(self, record: LogRecord) -> bool:
        record.request_id = current.get()
        return True


def task_publish_add_id(headers: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """Celery's before_task_publish: the queuing request's id rides in the message's headers."""
    request_id = current.get()
    if headers is not None and request_id != "-":
        headers[TASK_HEADER] = request_id


def task_prerun_set_id(task: Any = None, **_kwargs: Any) -> None:
    """Celery's task_prerun: the task's log lines carry the id of the request that queued it."""
    request_id = getattr(getattr(task, "request", None), TASK_HEADER, None)
    current.set(request_id if isinstance(request_id, str) and _TOKEN.fullmatch(request_id) else "-")
