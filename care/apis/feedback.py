"""Feedback and ideas API. Anonymous feedback is served without author or meeting to anyone."""

from datetime import date
from typing import Any

from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from care.models import Feedback, Idea
from care.selectors import feedback as selectors
from care.services import feedback as services
from config import fields
from config.errors import ApplicationError
from config.schema import errors


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-03"})
class MonthField(serializers.DateField):
    """A month, as YYYY-MM (the first day of it in the database)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m")
        super().__init__(**kwargs)


class FeedbackSerializer(serializers.ModelSerializer):
    face_label = serializers.CharField(source="get_face_display", read_only=True)
    worker = serializers.IntegerField(source="calendar.owner_id", read_only=True)
    month = MonthField(read_only=True)
    # Null for anonymous feedback: the row holds no link to give.
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    author_name = serializers.SerializerMethodField()
    appointment = serializers.IntegerField(source="appointment_id", read_only=True, allow_null=True)

    class Meta:
        model = Feedback
        fields = [
            "id",
            "worker",
            "month",
            "face",
            "face_label",
            "comment",
            "anonymous",
            "author",
            "author_name",
            "appointment",
        ]

    def get_author_name(self, obj: Feedback) -> str | None:
        return obj.author.get_full_name() if obj.author_id else None


class FeedbackCreateSerializer(serializers.Serializer):
    appointment = fields.IdField()
    face = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)


class FeedbackListApi(APIView):
    @extend_schema(responses=FeedbackSerializer(many=True), summary="Feedback the caller may see")
    def get(self, request: Request) -> Response:
        rows = selectors.feedback_visible_to(user=request.user).order_by("-month", "-face", "id")[:500]
        return Response(FeedbackSerializer(rows, many=True).data)

    @extend_schema(
        request=FeedbackCreateSerializer,
        responses={201: FeedbackSerializer, **errors(404, 409)},
        summary="Rate one of your completed meetings (1–5), once, optionally anonymously",
    )
    def post(self, request: Request) -> Response:
        body = FeedbackCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        feedback = services.feedback_give(
            user=request.user,
            appointment_id=data["appointment"],
            face=data["face"],
            comment=data["comment"],
            anonymous=data["anonymous"],
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


def _month(value: str | None) -> date:
    if not value:
        return timezone.localdate().replace(day=1)
    month = selectors.month_parse(value)
    if month is None:
        raise ApplicationError(_("Give the month as YYYY-MM."), fields={"month": [_("Use YYYY-MM.")]})
    return month


class _FaceCountSerializer(serializers.Serializer):
    face = serializers.IntegerField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    """The shape of the monthly summary (for the schema)."""

    month = serializers.CharField()
    ratings = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    distribution = _FaceCountSerializer(many=True)
    comments = FeedbackSerializer(many=True)
    ideas_by_status = serializers.DictField(child=serializers.IntegerField())


class FeedbackSummaryApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; this month if left out")],
        responses={200: SummarySerializer, **errors(403)},
        summary="The unit's feedback and ideas for one month (coordinators)",
    )
    def get(self, request: Request) -> Response:
        if not request.user.is_coordinator:
            raise services.NotAllowed(_("The monthly summary is for coordinators."))
        summary = selectors.month_summary(coordinator=request.user, month=_month(request.query_params.get("month")))
        return Response(
            {
                "month": summary.month.strftime("%Y-%m"),
                "ratings": summary.count,
                "average": summary.average,
                "distribution": [{"face": face, "label": label, "count": n} for face, label, n in summary.distribution],
                "comments": FeedbackSerializer(summary.comments, many=True).data,
                "ideas_by_status": {value: n for value, _label, n in summary.ideas_by_status},
            }
        )


class IdeaSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    mine = serializers.SerializerMethodField()

    class Meta:
        model = Idea
        fields = [
            "id",
            "title",
            "text",
            "status",
            "status_label",
            "response",
            "author_role",
            "mine",
            "created_at",
            "status_changed_at",
        ]
        read_only_fields = fields

    def get_mine(self, obj: Idea) -> bool:
        request = self.context.get("request")
        return bool(request and obj.author_id == request.user.pk)


class IdeaCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class IdeaStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Idea.Status.choices)
    response = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class IdeaListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, description="new, considering, done or not_doing")],
        responses=IdeaSerializer(many=True),
        summary="Ideas of the caller's unit and what became of them",
    )
    def get(self, request: Request) -> Response:
        ideas = selectors.ideas_visible_to(user=request.user)
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in Idea.Status.values:
                raise ApplicationError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
            ideas = ideas.filter(status=wanted)
        return Response(IdeaSerializer(ideas[:500], many=True, context={"request": request}).data)

    @extend_schema(request=IdeaCreateSerializer, responses={201: IdeaSerializer}, summary="Suggest an idea")
    def post(self, request: Request) -> Response:
        body = IdeaCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        idea = services.idea_create(author=request.user, **body.validated_data)
        return Response(IdeaSerializer(idea, context={"request": request}).data, status=status.HTTP_201_CREATED)


class IdeaStatusApi(APIView):
    @extend_schema(
        request=IdeaStatusSerializer,
        responses={200: IdeaSerializer, **errors(403)},
        summary="Set an idea's status (coordinators)",
    )
    def post(self, request: Request, idea_id: int) -> Response:
        body = IdeaStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        idea = services.idea_set_status(actor=request.user, idea_id=idea_id, **body.validated_data)
        return Response(IdeaSerializer(idea, context={"request": request}).data)


urlpatterns: list[URLPattern] = [
    path("feedback/", FeedbackListApi.as_view(), name="feedback-list"),
    path("feedback/summary/", FeedbackSummaryApi.as_view(), name="feedback-summary"),
    path("feedback/ideas/", IdeaListApi.as_view(), name="idea-list"),
    path("feedback/ideas/<id:idea_id>/status/", IdeaStatusApi.as_view(), name="idea-status"),
]
