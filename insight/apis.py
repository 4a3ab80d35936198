"""The unit's picture in the API: the same figures as the page, for the caller's own unit
(coordinators only), small numbers hidden as ``"<5"``."""

from typing import Any
from zoneinfo import ZoneInfo

from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotFound
from insight.figures import unit_picture
from insight.ranges import insight_range
from insight.suppression import MIN_PEOPLE

CELL_SCHEMA = {
    "anyOf": [{"type": "number"}, {"type": "string", "enum": ["<5"]}],
    "nullable": True,
    "description": 'A number; "<5" when it comes from fewer than 5 people; null when there is nothing to compute',
}


@extend_schema_field(CELL_SCHEMA)
class CellField(serializers.Field):
    def to_representation(self, value: Any) -> Any:
        return value


class InsightRangeQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: the field is declared under its query name below.
    to = serializers.DateField(required=False)
    by = serializers.ChoiceField(choices=["week", "month"], required=False)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        return fields


def _cells(*names: str) -> dict[str, CellField]:
    return {name: CellField() for name in names}


MEETING_CELLS = (
    "booked",
    "held",
    "cancelled",
    "no_show",
    "no_show_rate",
    "confirmed_share",
    "no_show_rate_confirmed",
    "no_show_rate_unconfirmed",
)

InsightMeetingsSerializer = type(
    "InsightMeetingsSerializer",
    (serializers.Serializer,),
    {
        "period": serializers.DateField(),
        **_cells(*MEETING_CELLS, "cancelled_by_person", "cancelled_by_staff", "cancelled_by_system"),
    },
)
InsightWorkerMeetingsSerializer = type(
    "InsightWorkerMeetingsSerializer",
    (serializers.Serializer,),
    {"worker": serializers.IntegerField(), "worker_name": serializers.CharField(), **_cells(*MEETING_CELLS)},
)
InsightRemindersSerializer = type(
    "InsightRemindersSerializer",
    (serializers.Serializer,),
    {
        "period": serializers.DateField(),
        "channel": serializers.ChoiceField(choices=["sms", "email"]),
        **_cells("sent", "delivered", "failed"),
    },
)
InsightHelpHourSerializer = type(
    "InsightHelpHourSerializer",
    (serializers.Serializer,),
    {
        "hour": serializers.IntegerField(min_value=0, max_value=23),
        **_cells("requests", "outside_opening_hours", "answer_median_minutes", "answer_p90_minutes"),
    },
)
InsightWaitingSerializer = type(
    "InsightWaitingSerializer",
    (serializers.Serializer,),
    {"period": serializers.DateField(), **_cells("joined", "got_time", "left", "wait_median_days", "wait_p90_days")},
)
InsightFeedbackSerializer = type(
    "InsightFeedbackSerializer",
    (serializers.Serializer,),
    {"month": serializers.DateField(), **_cells("ratings", "average")},
)
InsightIdeasSerializer = type(
    "InsightIdeasSerializer",
    (serializers.Serializer,),
    {"status": serializers.ChoiceField(choices=["new", "considering", "done", "not_doing"]), **_cells("ideas")},
)


class InsightSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    by = serializers.ChoiceField(choices=["week", "month"])
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    min_people = serializers.IntegerField(help_text='Cells from fewer people than this are given as "<5"')
    meetings = InsightMeetingsSerializer(many=True)
    meetings_by_worker = InsightWorkerMeetingsSerializer(many=True)
    reminders = InsightRemindersSerializer(many=True)
    help_by_hour = InsightHelpHourSerializer(many=True)
    waiting = InsightWaitingSerializer(many=True)
    feedback = InsightFeedbackSerializer(many=True)
    ideas = InsightIdeasSerializer(many=True)


class InsightApi(APIView):
    error_codes = (404,)

    @extend_schema(
        operation_id="insight_retrieve",
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, description="first day, YYYY-MM-DD (default: 12 weeks or 11 months back)"
            ),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day, YYYY-MM-DD (default: today)"),
            OpenApiParameter("by", str, enum=["week", "month"], description="period (default: week)"),
        ],
        responses={200: InsightSerializer},
        summary="The unit's picture: meetings, reminders, help now, waiting list and feedback (coordinators)",
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if not user.is_coordinator or user.unit_id is None:
            raise NotFound(_("Not found."))
        query = InsightRangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        tz = ZoneInfo(user.timezone)
        rng = insight_range(
            first=data.get("from"),
            last=data.get("to"),
            by=data.get("by"),
            today=timezone.now().astimezone(tz).date(),
            tz=tz,
        )
        picture = unit_picture(coordinator=user, rng=rng)
        body = {
            "unit": user.unit_id,
            "by": rng.by,
            "first_day": rng.first,
            "last_day": rng.last,
            "min_people": MIN_PEOPLE,
            **{
                name: getattr(picture, name)
                for name in (
                    "meetings",
                    "meetings_by_worker",
                    "reminders",
                    "help_by_hour",
                    "waiting",
                    "feedback",
                    "ideas",
                )
            },
        }
        return Response(InsightSerializer(body).data)


urlpatterns: list[URLPattern] = [path("insight/", InsightApi.as_view(), name="insight")]
