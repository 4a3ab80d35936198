"""HTTP layer for booking: one small view per operation; rules live in services."""

from datetime import datetime

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking import selectors, services
from booking.ical import feed_calendar
from booking.models import Appointment
from booking.serializers import (
    AppointmentCreateSerializer,
    AppointmentDetailSerializer,
    AppointmentSerializer,
    CancelSerializer,
    MeetingTypeSerializer,
    OverrideSerializer,
    RescheduleSerializer,
    SlotQuerySerializer,
    SlotSerializer,
    WorkerSerializer,
    WorkingHoursSerializer,
    WorkingWeekSerializer,
    appointment_payload,
)
from booking.slots import beyond_horizon, slots_offered
from config import fields
from config.errors import ApplicationError, NotFound
from config.schema import errors
from people.models import User


class WorkerListApi(APIView):
    @extend_schema(responses=WorkerSerializer(many=True), summary="Calendars the caller may book with")
    def get(self, request: Request) -> Response:
        workers = selectors.workers_bookable_by(user=request.user)
        return Response(WorkerSerializer(workers, many=True).data)


class WorkerMeetingTypesApi(APIView):
    @extend_schema(responses=MeetingTypeSerializer(many=True), summary="Meeting types of one calendar")
    def get(self, request: Request, worker_id: int) -> Response:
        types = selectors.meeting_types_bookable_by(user=request.user).filter(calendar__owner_id=worker_id)
        if not types.exists() and not selectors.workers_bookable_by(user=request.user).filter(pk=worker_id).exists():
            raise NotFound(_("Calendar not found."))
        return Response(MeetingTypeSerializer(types.order_by("name"), many=True).data)


class WorkerSlotsApi(APIView):
    @extend_schema(
        parameters=[SlotQuerySerializer],
        responses=SlotSerializer(many=True),
        summary="Free times for a meeting type (local days start..end, inclusive)",
    )
    def get(self, request: Request, worker_id: int) -> Response:
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        meeting_type = selectors.meeting_type_for_booking(
            user=request.user, worker_id=worker_id, meeting_type_id=query.validated_data["meeting_type"]
        )
        if meeting_type is None:
            raise NotFound(_("That meeting type is not available to you."))
        beyond_horizon(meeting_type=meeting_type, actor=request.user, first_day=query.validated_data["start"])
        slots = slots_offered(
            meeting_type=meeting_type,
            actor=request.user,
            first_day=query.validated_data["start"],
            last_day=query.validated_data["end"],
        )
        return Response(slots)


class AppointmentListCreateApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="Only appointments ending after this date (YYYY-MM-DD)"),
            OpenApiParameter("status", str, description="booked, cancelled, completed or no_show"),
        ],
        responses=AppointmentSerializer(many=True),
        summary="The caller's appointments (a service user's own, or a calendar's)",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.appointments_visible_to(user=request.user)
        since = request.query_params.get("from")
        if since:
            day = fields.DateField().to_internal_value(since)
            qs = qs.filter(end__gte=datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone()))
        state = request.query_params.get("status")
        if state:
            if state not in Appointment.Status.values:
                raise ApplicationError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
            qs = qs.filter(status=state)
        return Response(
            AppointmentSerializer(qs.order_by("start")[:500], many=True, context={"viewer": request.user}).data
        )

    @extend_schema(
        request=AppointmentCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)],
        responses={201: AppointmentSerializer, 200: AppointmentSerializer, **errors(404, 409, 422)},
        summary="Book a meeting (or a weekly series with 'repeat'); 200 for a retry with the same Idempotency-Key",
    )
    def post(self, request: Request) -> Response:
        body = AppointmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > 255:
            raise ApplicationError(_("The Idempotency-Key header is too long (255 characters at most)."))
        repeat = None
        if data.get("repeat"):
            repeat = services.RepeatRule(count=data["repeat"]["count"], interval_weeks=data["repeat"]["interval"])
        result = services.appointment_book(
            actor=request.user,
            worker_id=data["worker"],
            meeting_type_id=data["meeting_type"],
            start=data["start"],
            client_id=data.get("user"),
            repeat=repeat,
            skip_conflicts=data["skip_conflicts"],
            idempotency_key=key,
        )
        code = status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        if repeat is None:
            return Response(appointment_payload(result.appointments[0]), status=code, headers=headers)
        return Response(
            {
                "series": result.series.pk if result.series else None,
                "appointments": [appointment_payload(a) for a in result.appointments],
                "skipped": result.skipped,
            },
            status=code,
            headers=headers,
        )


class AppointmentDetailApi(APIView):
    @extend_schema(responses=AppointmentDetailSerializer)
    def get(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get(user=request.user, appointment_id=appointment_id)
        if appointment is None:
            raise NotFound(_("Appointment not found."))
        return Response(AppointmentDetailSerializer(appointment, context={"viewer": request.user}).data)


class AppointmentCancelApi(APIView):
    @extend_schema(request=CancelSerializer, responses=AppointmentSerializer, summary="Cancel, with a reason")
    def post(self, request: Request, appointment_id: int) -> Response:
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appointment = services.appointment_cancel(
            actor=request.user, appointment_id=appointment_id, reason=body.validated_data["reason"]
        )
        return Response(appointment_payload(appointment))


class AppointmentRescheduleApi(APIView):
    @extend_schema(
        request=RescheduleSerializer,
        responses={200: AppointmentSerializer, **errors(409)},
        summary="Move to another free time",
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        body = RescheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appointment = services.appointment_reschedule(
            actor=request.user, appointment_id=appointment_id, start=body.validated_data["start"]
        )
        return Response(appointment_payload(appointment))


class AppointmentCompleteApi(APIView):
    outcome = Appointment.Status.COMPLETED
    error_codes = (400,)  # a cancelled meeting, or one not yet begun, cannot be marked

    @extend_schema(request=None, responses=AppointmentSerializer, summary="Mark the meeting as held")
    def post(self, request: Request, appointment_id: int) -> Response:
        appointment = services.appointment_close(
            actor=request.user, appointment_id=appointment_id, outcome=self.outcome
        )
        return Response(appointment_payload(appointment))


class AppointmentNoShowApi(AppointmentCompleteApi):
    outcome = Appointment.Status.NO_SHOW

    @extend_schema(request=None, responses=AppointmentSerializer, summary="Mark that the service user did not come")
    def post(self, request: Request, appointment_id: int) -> Response:
        return super().post(request, appointment_id)


# --- The caller's own calendar -------------------------------------------------------------


class _OwnCalendarApi(APIView):
    # Every operation answers 404 to a caller without a calendar (config.schema reads this).
    error_codes = (404,)

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.has_calendar_role:
            raise NotFound(_("Only social workers and peers have a calendar."))


class WorkingHoursListApi(_OwnCalendarApi):
    @extend_schema(responses=WorkingHoursSerializer(many=True), summary="Weekly working hours")
    def get(self, request: Request) -> Response:
        calendar = services.calendar_for(owner=request.user)
        return Response(WorkingHoursSerializer(calendar.working_hours.all(), many=True).data)

    @extend_schema(request=WorkingHoursSerializer, responses={201: WorkingHoursSerializer}, summary="Add an interval")
    def post(self, request: Request) -> Response:
        body = WorkingHoursSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.working_hours_add(owner=request.user, **body.validated_data)
        return Response(WorkingHoursSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=WorkingWeekSerializer, responses=WorkingHoursSerializer(many=True), summary="Replace the whole week"
    )
    def put(self, request: Request) -> Response:
        body = WorkingWeekSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = services.working_hours_replace(
            owner=request.user,
            intervals=[(i["weekday"], i["start"], i["end"]) for i in body.validated_data["intervals"]],
        )
        return Response(WorkingHoursSerializer(items, many=True).data)


class WorkingHoursDetailApi(_OwnCalendarApi):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, item_id: int) -> Response:
        services.working_hours_delete(owner=request.user, working_hours_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OverrideListApi(_OwnCalendarApi):
    @extend_schema(responses=OverrideSerializer(many=True), summary="Time off and extra hours from today on")
    def get(self, request: Request) -> Response:
        calendar = services.calendar_for(owner=request.user)
        items = calendar.overrides.filter(end__gte=timezone.now())
        return Response(OverrideSerializer(items, many=True).data)

    @extend_schema(
        request=OverrideSerializer, responses={201: OverrideSerializer}, summary="Add time off or extra hours"
    )
    def post(self, request: Request) -> Response:
        body = OverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "date" in data:
            start, end = services.whole_days(
                owner=request.user, first=data["date"], last=data.get("end_date") or data["date"]
            )
        else:
            start, end = data["start"], data["end"]
        item = services.override_create(
            owner=request.user, kind=data["kind"], start=start, end=end, note=data.get("note", "")
        )
        return Response(OverrideSerializer(item).data, status=status.HTTP_201_CREATED)


class OverrideDetailApi(_OwnCalendarApi):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, item_id: int) -> Response:
        services.override_delete(owner=request.user, override_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeetingTypeListApi(_OwnCalendarApi):
    @extend_schema(responses=MeetingTypeSerializer(many=True), summary="The caller's meeting types")
    def get(self, request: Request) -> Response:
        calendar = services.calendar_for(owner=request.user)
        return Response(MeetingTypeSerializer(calendar.meeting_types.all(), many=True).data)

    @extend_schema(request=MeetingTypeSerializer, responses={201: MeetingTypeSerializer})
    def post(self, request: Request) -> Response:
        body = MeetingTypeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = body.save(calendar=services.calendar_for(owner=request.user))
        return Response(MeetingTypeSerializer(item).data, status=status.HTTP_201_CREATED)


class MeetingTypeDetailApi(_OwnCalendarApi):
    def _get(self, request: Request, item_id: int):  # noqa: ANN202
        item = services.calendar_for(owner=request.user).meeting_types.filter(pk=item_id).first()
        if item is None:
            raise NotFound(_("Meeting type not found."))
        return item

    @extend_schema(responses=MeetingTypeSerializer)
    def get(self, request: Request, item_id: int) -> Response:
        return Response(MeetingTypeSerializer(self._get(request, item_id)).data)

    @extend_schema(request=MeetingTypeSerializer, responses=MeetingTypeSerializer)
    def patch(self, request: Request, item_id: int) -> Response:
        # Existing appointments keep the times they were booked with; changes apply to new bookings.
        body = MeetingTypeSerializer(self._get(request, item_id), data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(MeetingTypeSerializer(body.save()).data)

    @extend_schema(responses={200: MeetingTypeSerializer}, summary="Retire a meeting type (kept for history)")
    def delete(self, request: Request, item_id: int) -> Response:
        item = self._get(request, item_id)
        item.is_active = False
        item.save(update_fields=["is_active"])
        return Response(MeetingTypeSerializer(item).data)


class FeedTokenRotateApi(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer("FeedUrl", {"calendar_feed_url": serializers.URLField()}),
        summary="Make a new calendar feed link; the old one stops working",
    )
    def post(self, request: Request) -> Response:
        with transaction.atomic():
            token = services.feed_token_rotate(user=request.user)
        return Response({"calendar_feed_url": feed_url(token.secret)})


def feed_url(secret: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("calendar-feed", kwargs={"secret": secret})


class CalendarFeedApi(APIView):
    """Public, secret-addressed iCalendar feed. Calendar apps cannot send tokens or cookies."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "text/calendar"): str}, summary="Subscribable iCalendar feed")
    def get(self, request: Request, secret: str) -> HttpResponse:
        owner = selectors.feed_owner_by_secret(secret=secret)
        if owner is None:
            raise NotFound(_("This calendar link is not valid any more. Make a new one under My details."))
        body = feed_calendar(owner=owner)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="triangel.ics"'
        return response


# --- Who the caller is -----------------------------------------------------------------------


class MeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    active_phone = serializers.SerializerMethodField()
    calendar_feed_url = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "role",
            "unit",
            "email",
            "active_phone",
            "preferred_channel",
            "language",
            "timezone",
            "calendar_feed_url",
        ]

    def get_name(self, obj: User) -> str:
        return obj.get_full_name() or obj.username

    def get_unit(self, obj: User) -> dict | None:
        return {"id": obj.unit_id, "name": obj.unit.name} if obj.unit_id else None

    def get_active_phone(self, obj: User) -> str | None:
        phone = next((p for p in obj.phone_numbers.all() if p.is_active), None)
        return str(phone.number) if phone else None

    def get_calendar_feed_url(self, obj: User) -> str:
        return feed_url(services.feed_token_get_or_create(user=obj).secret)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer, summary="Who the caller is")
    def get(self, request: Request) -> Response:
        user = User.objects.select_related("unit").prefetch_related("phone_numbers").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)
