"""HTTP layer for continuity: a service user's plan, and handovers between workers.

Who may see what is decided by ``care.selectors.continuity``; a plan or handover outside
that scope is a 404 like anything else that does not exist for the caller.
"""

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from care.models import Handover, HandoverAppointment, PlanEntry
from care.selectors import continuity as selectors
from care.services import continuity as services
from config import fields
from config.errors import NotFound
from config.schema import errors
from people.models import User

# --- Serializers -------------------------------------------------------------------------------


class ContinuityPersonSerializer(serializers.Serializer):
    """A service user or worker as plans and handovers name them."""

    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    role = serializers.CharField()

    def get_name(self, person: User) -> str:
        return person.get_full_name() or person.username


class PlanEntryVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    status = serializers.CharField()
    written_by = ContinuityPersonSerializer()
    written_at = serializers.DateTimeField()


class PlanEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    created_by = ContinuityPersonSerializer()
    created_at = serializers.DateTimeField()
    updated_by = ContinuityPersonSerializer()
    updated_at = serializers.DateTimeField()


class PlanEntryDetailSerializer(PlanEntrySerializer):
    history = serializers.SerializerMethodField()

    @extend_schema_field(PlanEntryVersionSerializer(many=True))
    def get_history(self, entry: PlanEntry) -> list[dict[str, Any]]:
        return PlanEntryVersionSerializer(selectors.plan_entry_history(entry=entry), many=True).data


class PlanEntryCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlanEntry.Kind.choices)
    text = serializers.CharField(max_length=services.TEXT_MAX)


class PlanEntryChangeSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=services.TEXT_MAX, required=False)
    status = serializers.ChoiceField(choices=PlanEntry.Status.choices, required=False)


class HandoverRequestSerializer(serializers.Serializer):
    from_worker = fields.IdField()
    to_worker = fields.IdField()
    user = fields.IdField(required=False, allow_null=True, help_text="One service user; empty = all")
    meeting_type = fields.IdField(
        required=False, allow_null=True, help_text="The new worker's meeting type for meetings without an equivalent"
    )


class PlanSerializer(serializers.Serializer):
    """The shape of one service user's plan in answers (documentation; built by ``PlanApi``)."""

    user = ContinuityPersonSerializer()
    may_write = serializers.BooleanField()
    entries = PlanEntrySerializer(many=True)


class HandoverMoveSerializer(serializers.Serializer):
    """What a handover did (or would do) with one future meeting (documentation; built by ``_move_data``)."""

    appointment = serializers.IntegerField()
    user = serializers.IntegerField()
    start = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=HandoverAppointment.Outcome.choices)
    meeting_type = serializers.IntegerField(
        allow_null=True, help_text="The new worker's meeting type; empty when the meeting is re-offered"
    )


class HandoverPreviewSerializer(serializers.Serializer):
    """The shape of a handover's preview (documentation; built by ``_preview_data``)."""

    from_worker = ContinuityPersonSerializer()
    to_worker = ContinuityPersonSerializer()
    whole_caseload = serializers.BooleanField()
    users = ContinuityPersonSerializer(many=True)
    appointments = HandoverMoveSerializer(many=True)
    open_tasks = serializers.IntegerField()


class HandoverUserSerializer(ContinuityPersonSerializer):
    """A service user in a handover, and what moved with them."""

    tasks_moved = serializers.IntegerField()
    alerts_moved = serializers.IntegerField()
    medication_followup_moved = serializers.BooleanField()


class HandoverSerializer(serializers.Serializer):
    """The shape of a handover in answers (documentation; built by ``_handover_data``)."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    by = ContinuityPersonSerializer()
    from_worker = ContinuityPersonSerializer()
    to_worker = ContinuityPersonSerializer()
    whole_caseload = serializers.BooleanField()
    users = HandoverUserSerializer(many=True)
    appointments = HandoverMoveSerializer(many=True)


def _move_data(appointment_id: int, client_id: int, start: Any, outcome: str, type_id: int | None) -> dict:
    return {
        "appointment": appointment_id,
        "user": client_id,
        "start": start,
        "outcome": outcome,
        "meeting_type": type_id,
    }


def _preview_data(plan: services.HandoverPlan) -> dict[str, Any]:
    return {
        "from_worker": ContinuityPersonSerializer(plan.from_worker).data,
        "to_worker": ContinuityPersonSerializer(plan.to_worker).data,
        "whole_caseload": plan.whole_caseload,
        "users": ContinuityPersonSerializer(plan.clients, many=True).data,
        "appointments": [
            _move_data(
                m.appointment.pk,
                m.appointment.client_id,
                m.appointment.start,
                m.outcome,
                m.to_meeting_type.pk if m.to_meeting_type else None,
            )
            for m in plan.moves
        ],
        "open_tasks": plan.tasks,
    }


def _handover_data(handover: Handover) -> dict[str, Any]:
    clients = handover.clients.select_related("client")
    moves: list[HandoverAppointment] = list(handover.appointments.all())
    return {
        "id": handover.pk,
        "at": handover.at,
        "by": ContinuityPersonSerializer(handover.by).data,
        "from_worker": ContinuityPersonSerializer(handover.from_worker).data,
        "to_worker": ContinuityPersonSerializer(handover.to_worker).data,
        "whole_caseload": handover.whole_caseload,
        "users": [
            {
                **ContinuityPersonSerializer(c.client).data,
                "tasks_moved": c.tasks_moved,
                "alerts_moved": c.alerts_moved,
                "medication_followup_moved": c.medication_followup_moved,
            }
            for c in clients
        ],
        "appointments": [
            _move_data(m.appointment_id, m.client_id, m.start, m.outcome, m.to_meeting_type_id) for m in moves
        ],
    }


# --- Plans -------------------------------------------------------------------------------------


def _client_or_404(request: Request, user_id: int) -> User:
    client = selectors.plan_client_get(viewer=request.user, client_id=user_id)
    if client is None:
        raise NotFound(_("Plan not found."))
    return client


class PlanListApi(APIView):
    @extend_schema(
        responses=ContinuityPersonSerializer(many=True), summary="Service users whose plan the caller may read"
    )
    def get(self, request: Request) -> Response:
        clients = selectors.plan_clients_visible_to(viewer=request.user).order_by("first_name", "last_name", "id")
        return Response(ContinuityPersonSerializer(clients, many=True).data)


class PlanApi(APIView):
    @extend_schema(responses=PlanSerializer, summary="One service user's plan: goals and agreements")
    def get(self, request: Request, user_id: int) -> Response:
        client = _client_or_404(request, user_id)
        entries = selectors.plan_entries_of(viewer=request.user, client=client)
        return Response(
            {
                "user": ContinuityPersonSerializer(client).data,
                "may_write": selectors.plan_may_write(viewer=request.user, client=client),
                "entries": PlanEntrySerializer(entries, many=True).data,
            }
        )


class PlanEntryCreateApi(APIView):
    @extend_schema(
        request=PlanEntryCreateSerializer,
        responses={201: PlanEntryDetailSerializer, **errors(422)},
        summary="Add to a plan (422 for a plan the caller may only read)",
    )
    def post(self, request: Request, user_id: int) -> Response:
        body = PlanEntryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.plan_entry_add(actor=request.user, client_id=user_id, **body.validated_data)
        return Response(PlanEntryDetailSerializer(entry).data, status=status.HTTP_201_CREATED)


class PlanEntryApi(APIView):
    @extend_schema(responses=PlanEntryDetailSerializer, summary="One plan entry with its history")
    def get(self, request: Request, user_id: int, entry_id: int) -> Response:
        client = _client_or_404(request, user_id)
        entry = selectors.plan_entry_get(viewer=request.user, client=client, entry_id=entry_id)
        if entry is None:
            raise NotFound(_("Plan entry not found."))
        return Response(PlanEntryDetailSerializer(entry).data)

    @extend_schema(
        request=PlanEntryChangeSerializer,
        responses={200: PlanEntryDetailSerializer, **errors(422)},
        summary="Change the wording or status (goal reached, no longer relevant); the old version is kept",
    )
    def patch(self, request: Request, user_id: int, entry_id: int) -> Response:
        body = PlanEntryChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = services.plan_entry_change(
            actor=request.user, client_id=user_id, entry_id=entry_id, **body.validated_data
        )
        return Response(PlanEntryDetailSerializer(entry).data)


# --- Handovers ---------------------------------------------------------------------------------


def _handover_args(request: Request) -> dict[str, Any]:
    body = HandoverRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    return {
        "actor": request.user,
        "from_worker_id": data["from_worker"],
        "to_worker_id": data["to_worker"],
        "client_id": data.get("user"),
        "meeting_type_id": data.get("meeting_type"),
    }


class HandoverListApi(APIView):
    @extend_schema(
        responses={200: HandoverSerializer(many=True), **errors(404)},
        summary="Handovers in the coordinator's unit (404 for anyone else)",
    )
    def get(self, request: Request) -> Response:
        if not request.user.is_coordinator:
            raise NotFound(_("Not found."))
        handovers = selectors.handovers_visible_to(viewer=request.user)[:100]
        return Response([_handover_data(h) for h in handovers])

    @extend_schema(
        request=HandoverRequestSerializer,
        responses={201: HandoverSerializer, **errors(404, 422)},
        summary="Hand a caseload or one service user to another worker",
    )
    def post(self, request: Request) -> Response:
        handover = services.handover_run(**_handover_args(request))
        return Response(_handover_data(handover), status=status.HTTP_201_CREATED)


class HandoverPreviewApi(APIView):
    @extend_schema(
        request=HandoverRequestSerializer,
        responses={200: HandoverPreviewSerializer, **errors(404, 422)},
        summary="What a handover would do, without doing it",
    )
    def post(self, request: Request) -> Response:
        return Response(_preview_data(services.handover_preview(**_handover_args(request))))


class HandoverDetailApi(APIView):
    @extend_schema(responses=HandoverSerializer, summary="One handover and what happened to each person and meeting")
    def get(self, request: Request, handover_id: int) -> Response:
        handover = selectors.handover_get(viewer=request.user, handover_id=handover_id)
        if handover is None:
            raise NotFound(_("Handover not found."))
        return Response(_handover_data(handover))


urlpatterns = [
    path("plans/", PlanListApi.as_view(), name="care-plan-list"),
    path("plans/<id:user_id>/", PlanApi.as_view(), name="care-plan"),
    path("plans/<id:user_id>/entries/", PlanEntryCreateApi.as_view(), name="care-plan-entries"),
    path("plans/<id:user_id>/entries/<id:entry_id>/", PlanEntryApi.as_view(), name="care-plan-entry"),
    path("handovers/", HandoverListApi.as_view(), name="care-handover-list"),
    path("handovers/preview/", HandoverPreviewApi.as_view(), name="care-handover-preview"),
    path("handovers/<id:handover_id>/", HandoverDetailApi.as_view(), name="care-handover"),
]
