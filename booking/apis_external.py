"""HTTP layer for the calendars a worker connected (``booking.services.external``): their own
only; another worker's connection is a 404."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from booking import selectors, services
from booking.apis import _OwnCalendarApi
from booking.models import ExternalCalendar
from booking.serializers import ExternalCalendarSerializer, SyncResultSerializer
from config.errors import NotFound


def _own(request: Request, item_id: int) -> ExternalCalendar:
    item = selectors.external_calendar_of(worker=request.user, item_id=item_id)
    if item is None:
        raise NotFound(_("Calendar not found."))
    return item


class ExternalCalendarListApi(_OwnCalendarApi):
    @extend_schema(responses=ExternalCalendarSerializer(many=True), summary="Calendars the caller connected")
    def get(self, request: Request) -> Response:
        items = selectors.external_calendars_of(worker=request.user)
        return Response(ExternalCalendarSerializer(items, many=True).data)

    @extend_schema(
        request=ExternalCalendarSerializer,
        responses={201: ExternalCalendarSerializer},
        summary="Connect a calendar (ICS subscription or CalDAV); it is read at once",
    )
    def post(self, request: Request) -> Response:
        body = ExternalCalendarSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        item, result = services.external_calendar_connect(
            worker=request.user,
            kind=data["kind"],
            url=data["url"],
            username=data["username"],
            password=data["password"],
            write_back=data["write_back"],
        )
        payload = ExternalCalendarSerializer(item).data
        payload["sync"] = result.as_dict()
        return Response(payload, status=status.HTTP_201_CREATED)


class ExternalCalendarDetailApi(_OwnCalendarApi):
    @extend_schema(responses=ExternalCalendarSerializer)
    def get(self, request: Request, item_id: int) -> Response:
        return Response(ExternalCalendarSerializer(_own(request, item_id)).data)

    @extend_schema(responses={204: None}, summary="Disconnect a calendar (its busy time stops counting)")
    def delete(self, request: Request, item_id: int) -> Response:
        services.external_calendar_delete(source=_own(request, item_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExternalCalendarSyncApi(_OwnCalendarApi):
    @extend_schema(request=None, responses=SyncResultSerializer, summary="Read a connected calendar now")
    def post(self, request: Request, item_id: int) -> Response:
        result = services.external_calendar_sync(source_id=_own(request, item_id).pk)
        return Response(result.as_dict())
