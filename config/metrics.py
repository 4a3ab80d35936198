"""Request rates and latencies for Prometheus, kept light: one middleware, one histogram.

Per request it reads the clock twice and observes one histogram child looked up by the URL
pattern's route (never the path: ids and tokens would make a series per person), the method and
the status class. Measured in-process at a few microseconds a request (docs/operations.md), beside
about a millisecond of CPU for the lightest answer.

Under gunicorn each worker process counts its own requests; with ``PROMETHEUS_MULTIPROC_DIR`` set
(docs/operations.md) the client library shares them through files so one scrape sees them all.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram

REQUEST_SECONDS = Histogram(
    "triangel_http_request_duration_seconds",
    "Time to answer a request, by URL pattern, method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request: HttpRequest, static: str) -> str:
    """The URL pattern that answered (``api/appointments/<id:pk>/``), or a fixed word."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.route or match.view_name or "unnamed"
    return "static" if request.path.startswith(static) else "unmatched"


class RequestMetricsMiddleware:
    """Outermost but for the request id: times the whole answer, static files included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static = settings.STATIC_URL or "/static/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(route_of(request, self.static), method, status).observe(time.perf_counter() - started)
        return response
