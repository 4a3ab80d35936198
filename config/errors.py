"""One error shape for the whole API.

Every error response body is::

    {"error": {"code": "slot_taken", "message": "…", "fields": {"start": ["…"]}, …extra}}

``fields`` is present for input errors; services may add extra keys (e.g.
``alternatives`` on a 409). Other people's objects are always 404, never 403.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A rule of the service was broken. Raised by services, rendered by the API."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, list[str]] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields
        self.extra = extra


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Unprocessable(ApplicationError):
    status_code = 422
    code = "unprocessable"


def error_body(code: str, message: str, fields: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def _flatten_fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten_fields(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[key] = [str(v) if not isinstance(v, dict) else str(next(iter(v.values()), "")) for v in value]
            else:
                out[key] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(
            error_body("invalid", _("Some of the information is not valid."), fields),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404 | DjangoPermissionDenied):
        exc = exceptions.NotFound()

    response = exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django log it and answer 500
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # The API reads JSON only (forms are for the web pages): say what to send instead.
        message = _("Send the request body as JSON, with the header Content-Type: application/json.")
        response.data = error_body("unsupported_media_type", message)
    elif isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        response.data = error_body("invalid", _("Some of the information is not valid."), fields)
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = error_body(str(code), str(detail))
    return response


def not_found_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not request.path.startswith("/api/"):
        # A person following an old link in the web app gets a page, not the API's error body.
        return render(request, "web/404.html", status=404)
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


def server_error_500(request: HttpRequest) -> HttpResponse:
    """The API's error shape under /api/; plain text elsewhere, since the error may come
    from the templates themselves."""
    message = _("Something went wrong on our side. Please try again.")
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", message), status=500)
    return HttpResponse(message, status=500, content_type="text/plain; charset=utf-8")
