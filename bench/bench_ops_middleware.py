"""CPU per request of the two middleware /metrics and the logs add (config.metrics,
config.request_id), measured in-process: each wraps a view that answers at once, timed with
time.process_time() over many requests, against the same request without them.

    .venv/bin/python bench/bench_ops_middleware.py
"""

import os
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from config.metrics import RequestMetricsMiddleware  # noqa: E402
from config.request_id import RequestIdMiddleware  # noqa: E402

N = 200_000


def answer(request):
    request.resolver_match = MATCH
    return HttpResponse(b"")


MATCH = resolve("/api/me/")


def per_request(handler, request) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(N):
            handler(request)
        best = min(best, (time.process_time() - started) / N)
    return best


def main() -> None:
    request = RequestFactory().get("/api/me/", HTTP_X_REQUEST_ID="3f2a9c1e-bench-0001")
    bare = per_request(answer, request)
    metrics = per_request(RequestMetricsMiddleware(answer), request)
    both = per_request(RequestIdMiddleware(RequestMetricsMiddleware(answer)), request)
    print(f"requests per round: {N:,}; best of 5 rounds; CPU time (time.process_time)")
    print(f"view alone:               {bare * 1e6:6.2f} µs")
    print(f"+ metrics middleware:     {(metrics - bare) * 1e6:6.2f} µs")
    print(f"+ request id middleware:  {(both - metrics) * 1e6:6.2f} µs")
    print(f"both together:            {(both - bare) * 1e6:6.2f} µs a request")


if __name__ == "__main__":
    main()
