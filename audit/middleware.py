"""Writes what a request noted in the access log (``audit.log``), in one INSERT, as it ends."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from audit import log, services


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = log.begin(path=request.path, method=request.method or "GET")
        try:
            return self.get_response(request)
        finally:
            # Also when the view failed: what it had read by then was seen by someone.
            services.access_rows_write(log.end(token, at=timezone.now()))
