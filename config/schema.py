"""The API's OpenAPI schema: the one error shape (``config.errors``) in every operation's answers.

``AutoSchema`` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds the error answers an operation gives
by its kind alone: 400 when it reads a body or query parameters (a page number aside), 401 when
it reads credentials (a token that is not valid is refused before anything else), 404 when its
path names an object or it answers in pages (a page past the last), 415 when it reads a body
(one sent as anything but JSON). What every operation of a view answers (a 404 for a
role the view is not for) the view names in ``error_codes``; what only some operations answer
(a 409 when the time was taken meanwhile, a 422 for a rule of the service) each one lists with
``errors(…)`` in its ``extend_schema(responses=…)``.
"""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ComponentRegistry
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What went wrong, for programs: invalid, not_found, slot_taken, …")
    message = serializers.CharField(help_text="What went wrong, for people, in the caller's language")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For input errors: what is wrong with each field (non_field_errors: with the whole)",
    )


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API. Some add keys of their own beside ``code`` and ``message``
    (a 409 for a time that was taken offers ``alternatives``)."""

    error = ErrorDetailSerializer()


DESCRIPTIONS = {
    400: "The request is not valid: `fields` says what to change",
    401: "Not signed in, or the token is not valid",
    403: "Not for the caller's role",
    404: "Not found, or not the caller's to see",
    415: "The body is not JSON",
    409: "In conflict with how things are now (taken meanwhile, already done)",
    422: "Understood, but a rule of the service does not allow it",
    429: "Too many attempts: `Retry-After` says how many seconds to wait",
    503: "Signing in is paused for a moment (the limits cannot be checked); try again after `Retry-After`",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error answers of one operation beyond the ones of its kind, for ``extend_schema(responses=…)``:
    ``responses={201: AppointmentSerializer, **errors(409, 422)}``."""
    return {code: OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code]) for code in codes}


class AutoSchema(openapi.AutoSchema):
    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: ComponentRegistry
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        paginator = self._get_paginator() if self.method == "GET" and self._is_list_view() else None
        page = {getattr(paginator, "page_query_param", "page")} if paginator is not None else set()
        query = {p["name"] for p in parameters if p["in"] == "query"} - page
        codes = []
        if "requestBody" in operation or query:
            codes.append(400)
        if self.view.authentication_classes:
            codes.append(401)
        if paginator is not None or any(p["in"] == "path" for p in parameters):
            codes.append(404)
        if "requestBody" in operation:
            codes.append(415)
        # What a view answers to every operation (a 404 for a role the view is not for, say).
        codes.extend(getattr(self.view, "error_codes", ()))
        answers = operation["responses"]
        for code in codes:
            if str(code) not in answers:
                answers[str(code)] = {
                    "content": {
                        "application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
                    },
                    "description": DESCRIPTIONS[code],
                }
        return operation
