"""API for "I need help now": ask, list, acknowledge, resolve, withdraw."""

from typing import Any

from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from care.models import HelpRequest
from care.selectors import help as selectors
from care.services import help as services
from config.errors import NotFound
from config.schema import errors


class HelpAskSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class HelpResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class HelpListQuerySerializer(serializers.Serializer):
    open = serializers.BooleanField(required=False, default=False, help_text="Only the requests still open")


class HelpRequestSerializer(serializers.ModelSerializer):
    """A request and what the person who asked is told: who is on duty and by when, or the
    numbers to call while the unit is closed."""

    client = serializers.SerializerMethodField()
    acknowledged_by = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()

    class Meta:
        model = HelpRequest
        fields = [
            "id",
            "status",
            "via",
            "message",
            "created_at",
            "routed_at",
            "level",
            "client",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_at",
            "resolution_note",
            "answer",
        ]

    def get_client(self, obj: HelpRequest) -> dict[str, Any]:
        return {"id": obj.user_id, "name": obj.user.get_full_name()}

    def get_acknowledged_by(self, obj: HelpRequest) -> str | None:
        return obj.acknowledged_by.get_full_name() if obj.acknowledged_by else None

    def get_answer(self, obj: HelpRequest) -> dict[str, Any] | None:
        if not obj.is_open:
            return None
        answer = selectors.help_answer(request=obj, now=self.context.get("now") or timezone.now())
        crisis = answer.crisis_line
        return {
            "unit_open": answer.unit_open,
            "on_duty": answer.on_duty.first_name if answer.on_duty else None,
            "answer_by": answer.answer_by,
            "next_opening": answer.next_opening,
            # Set only while the request waits for the opening: when it will reach someone.
            "contact_at": answer.contact_at,
            "emergency": [
                {"name": _("Emergency (ambulance)"), "number": selectors.EMERGENCY_NUMBER},
                {"name": _("Out-of-hours doctor (legevakt)"), "number": selectors.LEGEVAKT_NUMBER},
            ],
            "crisis_line": {"name": crisis[0], "number": crisis[1]} if crisis else None,
        }


class HelpRequestListApi(APIView):
    @extend_schema(
        parameters=[HelpListQuerySerializer],
        responses=HelpRequestSerializer(many=True),
        summary="Help requests you may see",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.help_requests_visible_to(actor=request.user).order_by("-created_at")
        query = HelpListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data["open"]:
            qs = qs.filter(status__in=HelpRequest.OPEN)
        return Response(HelpRequestSerializer(qs[:100], many=True).data)

    @extend_schema(
        request=HelpAskSerializer,
        responses={201: HelpRequestSerializer, 200: HelpRequestSerializer, **errors(422)},
        summary="I need help now (returns the open request if there is one)",
    )
    def post(self, request: Request) -> Response:
        body = HelpAskSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        help_request, created = services.help_request_create(
            user=request.user, via=HelpRequest.Via.API, message=body.validated_data["message"]
        )
        return Response(
            HelpRequestSerializer(help_request).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class HelpRequestDetailApi(APIView):
    @extend_schema(responses=HelpRequestSerializer)
    def get(self, request: Request, request_id: int) -> Response:
        found = selectors.help_requests_visible_to(actor=request.user).filter(pk=request_id).first()
        if found is None:
            raise NotFound(_("Help request not found."))
        return Response(HelpRequestSerializer(found).data)


class HelpRequestAcknowledgeApi(APIView):
    @extend_schema(
        request=None, responses={200: HelpRequestSerializer, **errors(409)}, summary="Take the request (first one wins)"
    )
    def post(self, request: Request, request_id: int) -> Response:
        taken = services.help_request_acknowledge(actor=request.user, request_id=request_id)
        return Response(HelpRequestSerializer(taken).data)


class HelpRequestResolveApi(APIView):
    @extend_schema(
        request=HelpResolveSerializer,
        responses={200: HelpRequestSerializer, **errors(409, 422)},
        summary="Close with a short note",
    )
    def post(self, request: Request, request_id: int) -> Response:
        body = HelpResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resolved = services.help_request_resolve(
            actor=request.user, request_id=request_id, note=body.validated_data["note"]
        )
        return Response(HelpRequestSerializer(resolved).data)


class HelpRequestWithdrawApi(APIView):
    @extend_schema(
        request=None,
        responses={200: HelpRequestSerializer, **errors(409)},
        summary="I no longer need help (before anyone has answered)",
    )
    def post(self, request: Request, request_id: int) -> Response:
        withdrawn = services.help_request_withdraw(user=request.user, request_id=request_id)
        return Response(HelpRequestSerializer(withdrawn).data)


urlpatterns: list[URLPattern] = [
    path("help-requests/", HelpRequestListApi.as_view(), name="help-requests"),
    path("help-requests/<id:request_id>/", HelpRequestDetailApi.as_view(), name="help-request-detail"),
    path(
        "help-requests/<id:request_id>/acknowledge/",
        HelpRequestAcknowledgeApi.as_view(),
        name="help-request-acknowledge",
    ),
    path("help-requests/<id:request_id>/resolve/", HelpRequestResolveApi.as_view(), name="help-request-resolve"),
    path("help-requests/<id:request_id>/withdraw/", HelpRequestWithdrawApi.as_view(), name="help-request-withdraw"),
]
