"""HTTP layer for people: signing in to the API, and what Triangel holds about a person (export
and erasure). (Who the caller is, ``/api/me/``, is in ``booking.apis``: it carries the calendar
feed link, which belongs to booking.)"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from audit import log as access_log
from config.errors import NotFound
from config.schema import errors
from people import selectors, services


class TokenApi(ObtainAuthToken):
    """Username and password in, API token out."""

    # The API's own parsers (a bound on nesting), not the ones DRF's token view names.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        summary=str(_("Get an API token")),
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)


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
