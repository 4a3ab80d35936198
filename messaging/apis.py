"""HTTP layer of the outbox: the SMS gateway's delivery reports, the shared check of its
signed webhooks, and the health check."""

import hashlib
import hmac
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotFound
from config.schema import errors
from messaging import reports
from messaging.models import DispatchState

# How far a webhook's timestamp may be from our clock: a captured request replayed later fails.
SIGNATURE_WINDOW_SECONDS = 300


def signature_of(*, secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256, keyed with the secret, of ``<timestamp>.<raw body>``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _signature_ok(request: HttpRequest) -> bool:
    """The gateway puts Unix seconds in X-Triangel-Timestamp and ``signature_of`` them and the
    body in X-Triangel-Signature; a timestamp more than five minutes off is refused."""
    secret = settings.SMS_WEBHOOK_SECRET
    timestamp = request.headers.get("X-Triangel-Timestamp", "")
    if not secret or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        return False
    expected = signature_of(secret=secret, timestamp=timestamp, body=request.body)
    return hmac.compare_digest(expected, request.headers.get("X-Triangel-Signature", ""))


# A webhook of the SMS gateway: no session or token, a signed body instead. A request without
# a valid signature gets 404, as if there were nothing here. (A comment, not a docstring: the
# API schema would show it on every webhook.)
class WebhookApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        # Read the raw body before DRF parses it, so the signature covers exactly what was sent.
        body = request._request.body
        super().initial(request, *args, **kwargs)
        if not body or not _signature_ok(request._request):
            raise NotFound(_("Not found."))


class StatusReportSerializer(serializers.Serializer):
    message_id = serializers.CharField(max_length=100)
    status = serializers.CharField(max_length=30)
    permanent = serializers.BooleanField(default=False)


class SmsStatusApi(WebhookApi):
    @extend_schema(
        request=StatusReportSerializer,
        responses={204: None, **errors(404)},
        summary="Delivery report from the gateway (404 without a valid signature)",
    )
    def post(self, request: Request) -> Response:
        body = StatusReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reports.sms_status(
            provider_message_id=body.validated_data["message_id"],
            status=body.validated_data["status"],
            permanent=body.validated_data["permanent"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def health(request: HttpRequest) -> JsonResponse:
    """Database, broker and the time of the last dispatch sweep. 503 if a part is down."""
    result: dict[str, object] = {}
    ok = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result["database"] = "ok"
        state = DispatchState.objects.filter(name="dispatch").first()
        result["last_dispatch"] = state.last_run_at.isoformat() if state else None
    except Exception as exc:
        ok = False
        result["database"] = f"down: {type(exc).__name__}"
    try:
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        result["broker"] = "ok"
    except Exception as exc:
        ok = False
        result["broker"] = f"down: {type(exc).__name__}"
    result["time"] = timezone.now().isoformat()
    result["status"] = "ok" if ok else "degraded"
    return JsonResponse(result, status=200 if ok else 503)
