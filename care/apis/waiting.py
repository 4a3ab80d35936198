"""Waiting list API: join, leave, and answer an offered time."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import URLPattern, path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from booking.serializers import AppointmentSerializer
from care.models import WaitingEntry, WaitingOffer
from care.selectors import waiting as selectors
from care.services import waiting as services
from config import fields
from config.schema import errors


def _local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat()


class EntrySerializer(serializers.ModelSerializer):
    meeting_type_name = serializers.CharField(source="meeting_type.name", read_only=True)
    worker = serializers.IntegerField(source="meeting_type.calendar.owner_id", read_only=True)

    class Meta:
        model = WaitingEntry
        fields = ["id", "meeting_type", "meeting_type_name", "worker", "user", "status", "joined_at"]


class OfferSerializer(serializers.ModelSerializer):
    entry = serializers.IntegerField(source="entry_id", read_only=True)
    meeting_type = serializers.IntegerField(source="entry.meeting_type_id", read_only=True)
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    appointment = serializers.SerializerMethodField()

    class Meta:
        model = WaitingOffer
        fields = ["id", "entry", "meeting_type", "start", "end", "expires_at", "status", "appointment"]

    def _tz(self, offer: WaitingOffer) -> ZoneInfo:
        return ZoneInfo(offer.entry.meeting_type.calendar.owner.timezone)

    # Date-times with the worker's offset, and the meeting booked: documented as what they are.
    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start(self, offer: WaitingOffer) -> str:
        return _local(offer.start, self._tz(offer))

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_end(self, offer: WaitingOffer) -> str:
        return _local(offer.end, self._tz(offer))

    @extend_schema_field(AppointmentSerializer(allow_null=True))
    def get_appointment(self, offer: WaitingOffer) -> dict | None:
        return AppointmentSerializer(offer.appointment).data if offer.appointment_id else None


class JoinSerializer(serializers.Serializer):
    meeting_type = fields.IdField()


class WaitingListApi(APIView):
    @extend_schema(responses=EntrySerializer(many=True), summary="Waiting-list entries the caller may see")
    def get(self, request: Request) -> Response:
        entries = selectors.entries_visible_to(user=request.user).order_by("joined_at", "id")[:500]
        return Response(EntrySerializer(entries, many=True).data)

    @extend_schema(
        request=JoinSerializer,
        responses={201: EntrySerializer, **errors(404, 409)},
        summary="Join the waiting list for a meeting type with no free time in the window (409 if there is one)",
    )
    def post(self, request: Request) -> Response:
        body = JoinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.waiting_entry_join(user=request.user, meeting_type_id=body.validated_data["meeting_type"])
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class WaitingLeaveApi(APIView):
    @extend_schema(request=None, responses=EntrySerializer, summary="Leave the waiting list")
    def post(self, request: Request, entry_id: int) -> Response:
        entry = services.waiting_entry_leave(user=request.user, entry_id=entry_id)
        return Response(EntrySerializer(entry).data)


class OfferListApi(APIView):
    @extend_schema(responses=OfferSerializer(many=True), summary="The caller's open offer (at most one)")
    def get(self, request: Request) -> Response:
        offers = selectors.offers_open_for(user=request.user, now=timezone.now())
        return Response(OfferSerializer(offers, many=True).data)


class OfferAcceptApi(APIView):
    @extend_schema(
        request=None,
        responses={201: OfferSerializer, **errors(400, 409)},
        summary="Take the offered time (409 if taken meanwhile)",
    )
    def post(self, request: Request, offer_id: int) -> Response:
        offer = services.waiting_offer_accept(user=request.user, offer_id=offer_id)
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)


class OfferDeclineApi(APIView):
    @extend_schema(
        request=None,
        responses={200: OfferSerializer, **errors(400)},
        summary="Turn the offered time down (keeps your place)",
    )
    def post(self, request: Request, offer_id: int) -> Response:
        offer = services.waiting_offer_decline(user=request.user, offer_id=offer_id)
        return Response(OfferSerializer(offer).data)


urlpatterns: list[URLPattern] = [
    path("waiting-list/", WaitingListApi.as_view(), name="waiting-list"),
    path("waiting-list/<id:entry_id>/leave/", WaitingLeaveApi.as_view(), name="waiting-list-leave"),
    path("waiting-list/offers/", OfferListApi.as_view(), name="waiting-offers"),
    path("waiting-list/offers/<id:offer_id>/accept/", OfferAcceptApi.as_view(), name="waiting-offer-accept"),
    path("waiting-list/offers/<id:offer_id>/decline/", OfferDeclineApi.as_view(), name="waiting-offer-decline"),
]
