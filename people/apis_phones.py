"""HTTP layer for the caller's own phone numbers: the spare number (``/api/me/spare-number/``)
and "I lost my phone" (``/api/me/phone-lost/``)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotFound
from config.schema import errors
from people import services
from people.models import PhoneNumber


class SpareNumberSerializer(serializers.Serializer):
    """A spare number (a family member's phone, say): it never signs in and never answers for
    the person; only meeting reminders they chose go to it, while their main number is lost."""

    number = serializers.CharField(max_length=32, help_text="Norwegian unless +country code")


class SpareNumberApi(APIView):
    @extend_schema(responses={200: SpareNumberSerializer, **errors(404)}, summary="The caller's spare number")
    def get(self, request: Request) -> Response:
        spare = PhoneNumber.objects.filter(user=request.user, is_spare=True).first()
        if spare is None:
            raise NotFound(_("No spare number."))
        return Response({"number": str(spare.number)})

    @extend_schema(
        request=SpareNumberSerializer,
        responses={200: SpareNumberSerializer, **errors(400)},
        summary="Set the caller's spare number (replaces any before)",
    )
    def put(self, request: Request) -> Response:
        body = SpareNumberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        spare = services.phone_number_spare_set(user=request.user, raw=body.validated_data["number"])
        return Response({"number": str(spare.number)})

    @extend_schema(responses={204: None, **errors(404)}, summary="The caller has no spare number any more")
    def delete(self, request: Request) -> Response:
        if not services.phone_number_spare_remove(user=request.user):
            raise NotFound(_("No spare number."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhoneLostApi(APIView):
    @extend_schema(
        request=None,
        responses={200: inline_serializer("PhoneLost", {"numbers_stopped": serializers.IntegerField()})},
        summary="I lost my phone: the main number stops being used until a new one is set",
    )
    def post(self, request: Request) -> Response:
        stopped = services.phone_number_mark_lost(actor=request.user, client=request.user)
        return Response({"numbers_stopped": stopped})
