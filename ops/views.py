"""``/metrics``: the Prometheus exposition, for the monitoring system only."""

import hmac
import os

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from ops.metrics import TriangelCollector


def allowed(request: HttpRequest) -> bool:
    """The right bearer token when one is configured, or a direct request from an allowed address.

    A request that came through a reverse proxy (it carries X-Forwarded-For) is never let in by
    address: behind a proxy on the same machine every request comes from 127.0.0.1.
    """
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    if "X-Forwarded-For" in request.headers:
        return False
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


def process_registry() -> CollectorRegistry:
    # Under gunicorn with PROMETHEUS_MULTIPROC_DIR every worker's requests are read from the
    # shared files; else this process's own (a single process, or a test).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Anyone else gets the same 404 as for a page that does not exist."""
    if not allowed(request):
        raise Http404
    own = CollectorRegistry(auto_describe=False)
    own.register(TriangelCollector())
    body = generate_latest(process_registry()) + generate_latest(own)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
