"""HTTP layer for people: signing in to the API, and what Triangel holds about a person (export
and erasure). (Who the caller is, ``/api/me/``, is in ``booking.apis``: it carries the calendar
feed link, which belongs to booking.)"""

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, PermissionDenied, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import log as access_log
from config.errors import ApplicationError, NotFound
from config.schema import errors
from people import limits, selectors, services
from people import second_factor as factor
from people.models import ApiToken, User

# --- Signing in to the API: tokens ------------------------------------------------------------


class CredentialsSerializer(serializers.Serializer):
    """What a person signs in with."""

    username = serializers.CharField(max_length=150)
    # Never trimmed: spaces may be part of a password.
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Staff: the code from their authenticator app, or a recovery code",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token …`; shown only this once")
    expires_at = serializers.DateTimeField()


class SignInSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="Whether this is the token of this request")

    class Meta:
        model = ApiToken
        fields = ["id", "label", "created_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        return token.pk == self.context["current_id"]


class SignInPaused(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy(
        "Signing in is paused: the sign-in attempts cannot be checked just now. Try again in a minute."
    )
    default_code = "sign_in_paused"


def _check_credentials(request: Request, data: dict[str, Any]) -> User:
    """The person signing in with ``data`` (a valid CredentialsSerializer's), or an error.

    A wrong detail (an unknown name, a wrong password, an inactive person) is the same 400, so
    the answer does not tell which names exist. Staff also give ``otp``. Failures count against
    the account and the client address (``people.limits``): over a limit the answer is 429 with
    ``Retry-After``, the right password included. Every check of who signs in to the API
    belongs here."""
    username = data["username"].strip()
    try:
        limits.address_limit(
            request=request, group="api_token", rate=f"{settings.SIGN_IN_PAGE_LIMITS['api_token']}/15m"
        )
        limits.account_check(account=username, request=request)
        user = authenticate(request=request, username=username, password=data["password"])
        if user is None:
            limits.account_failed(account=username, request=request)
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]}, code="authorization"
            )
        if factor.needs_second_factor(user):
            _check_second_factor(request, user, username, data.get("otp") or "")
        limits.account_succeeded(account=username)
    except limits.Limited as exc:
        raise Throttled(wait=exc.retry_after) from exc
    except limits.LimitsUnavailable as exc:
        raise SignInPaused() from exc
    return user


def _check_second_factor(request: Request, user: User, username: str, code: str) -> None:
    if not factor.has_second_factor(user):
        raise PermissionDenied(
            _("Set up your authenticator app first: sign in once on the web with your password."),
            code="second_factor_not_set_up",
        )
    if not code.strip():
        raise serializers.ValidationError(
            {"otp": [_("Staff give the code from their authenticator app.")]}, code="otp_required"
        )
    if factor.verify(user=user, code=code) is None:
        limits.account_failed(account=username, request=request)
        raise serializers.ValidationError({"otp": [_("That code is wrong or already used.")]}, code="otp_wrong")


def _current_token_id(request: Request) -> int | None:
    """The id of the token this request signed in with; None when it came with the web session."""
    return request.auth.pk if isinstance(request.auth, ApiToken) else None


class TokenApi(APIView):
    """Username and password in, a new API token out."""

    # Signing in needs no sign-in: a stale token sent along is not refused, and a web session
    # does not make the form need a CSRF token.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=CredentialsSerializer,
        responses={200: TokenSerializer, **errors(403, 429, 503)},
        summary=str(_("Get an API token")),
    )
    def post(self, request: Request) -> Response:
        body = CredentialsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = _check_credentials(request, body.validated_data)
        token, secret = services.api_token_issue(user=user, label=request.headers.get("User-Agent", ""))
        return Response(TokenSerializer({"token": secret, "expires_at": token.expires_at}).data)


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None, **errors(400)}, summary="End the token of this request")
    def post(self, request: Request) -> Response:
        token_id = _current_token_id(request)
        if token_id is None:
            # Answering 204 would let a program believe it signed out while the session goes on.
            raise ApplicationError(
                _("This request did not use an API token. To sign out on the web, use the web page's Sign out."),
                code="not_token",
            )
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListApi(APIView):
    @extend_schema(responses=SignInSerializer(many=True), summary="The caller's API sign-ins that still work")
    def get(self, request: Request) -> Response:
        tokens = selectors.api_tokens_of(user=request.user)
        context = {"current_id": _current_token_id(request)}
        return Response(SignInSerializer(tokens, many=True, context=context).data)


class TokenDetailApi(APIView):
    @extend_schema(responses={204: None}, summary="End one of the caller's API sign-ins")
    def delete(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- What Triangel holds about a person: export and erasure -----------------------------------


class EraseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class MyExportApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Everything Triangel holds about the caller")
    def get(self, request: Request) -> Response:
        return Response(selectors.records_of(person=request.user))


class PersonExportApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Everything Triangel holds about a person of the unit")
    def get(self, request: Request, person_id: int) -> Response:
        person = selectors.person_for_records(viewer=request.user, person_id=person_id)
        if person is None:
            raise NotFound(_("Not found."))
        access_log.saw(viewer=request.user, what="export", subjects=[(person.pk, None)])
        return Response(selectors.records_of(person=person))


class PersonEraseApi(APIView):
    @extend_schema(
        request=EraseSerializer,
        responses={
            200: inline_serializer("Erased", {"person": serializers.IntegerField(), "at": serializers.DateTimeField()}),
            **errors(409),
        },
        summary="Erase a person of the unit (they cannot sign in; no name, number or words are kept)",
    )
    def post(self, request: Request, person_id: int) -> Response:
        body = EraseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        erasure = services.person_erase(actor=request.user, person_id=person_id, reason=body.validated_data["reason"])
        return Response({"person": erasure.person_id, "at": erasure.at.isoformat()})
