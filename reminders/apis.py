"""HTTP layer for reminders: plans, preferences, history, and the inbound SMS webhook."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import log as access_log
from config import fields
from config.errors import ApplicationError, NotFound
from config.schema import errors
from messaging.apis import WebhookApi
from people.models import User
from reminders import inbound, selectors, services
from reminders.models import ReminderPlan
from reminders.serializers import (
    DeliverySerializer,
    InboundSmsSerializer,
    MedicationLogSerializer,
    MedicationTakenSerializer,
    PreferencesSerializer,
    ReminderPlanSerializer,
)

USER_PARAM = OpenApiParameter("user", int, description="Staff: a service user in your caseload")


def _subject(request: Request, *, own_for_staff: bool = False) -> User:
    """Whose reminders a request is about: the caller, or (staff) ``?user=`` from the caseload.
    Without ``?user=`` staff must name someone, unless ``own_for_staff``: then it is their own
    (their preferences: quiet hours and language)."""
    raw = request.query_params.get("user") or (request.data.get("user") if hasattr(request.data, "get") else None)
    if raw in (None, ""):
        if request.user.is_service_user or own_for_staff:
            return request.user
        raise ApplicationError(_("Say which service user: add user=<id>."), fields={"user": [_("Required for staff.")]})
    try:
        user_id = fields.IdField().run_validation(raw)
    except serializers.ValidationError as exc:
        raise ApplicationError(_("user must be a number."), fields={"user": [_("A valid id is required.")]}) from exc
    person = selectors.people_whose_reminders(actor=request.user).filter(pk=user_id).first()
    if person is None:
        raise NotFound(_("Person not found."))
    return person


class PlanListApi(APIView):
    @extend_schema(parameters=[USER_PARAM], responses={200: ReminderPlanSerializer(many=True), **errors(404)})
    def get(self, request: Request) -> Response:
        plans = selectors.plans_visible_to(actor=request.user)
        if request.query_params.get("user"):
            plans = plans.filter(owner=_subject(request))
        return Response(ReminderPlanSerializer(plans.order_by("kind", "title"), many=True).data)

    @extend_schema(request=ReminderPlanSerializer, responses={201: ReminderPlanSerializer, **errors(404)})
    def post(self, request: Request) -> Response:
        owner = _subject(request)
        body = ReminderPlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if k != "owner_id"}
        data.setdefault("channels", ["sms"] if owner.phone_numbers.exists() or not owner.email else ["email"])
        plan = services.plan_save(plan=ReminderPlan(owner=owner, created_by=request.user, **data))
        return Response(ReminderPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    def _get(self, request: Request, plan_id: int) -> ReminderPlan:
        plan = selectors.plans_visible_to(actor=request.user).select_related("owner").filter(pk=plan_id).first()
        if plan is None:
            raise NotFound(_("Reminder not found."))
        return plan

    @extend_schema(responses=ReminderPlanSerializer)
    def get(self, request: Request, plan_id: int) -> Response:
        return Response(ReminderPlanSerializer(self._get(request, plan_id)).data)

    @extend_schema(request=ReminderPlanSerializer, responses=ReminderPlanSerializer)
    def patch(self, request: Request, plan_id: int) -> Response:
        plan = self._get(request, plan_id)
        body = ReminderPlanSerializer(plan, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        for field, value in body.validated_data.items():
            if field != "owner_id":
                setattr(plan, field, value)
        return Response(ReminderPlanSerializer(services.plan_save(plan=plan)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, plan_id: int) -> Response:
        services.plan_delete(plan=self._get(request, plan_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListApi(APIView):
    @extend_schema(
        parameters=[USER_PARAM],
        responses={200: DeliverySerializer(many=True), **errors(404)},
        summary="Reminder history",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.deliveries_listed(actor=request.user)
        if request.query_params.get("user"):
            qs = qs.filter(recipient=_subject(request))
        return Response(DeliverySerializer(qs.order_by("-due_at")[:200], many=True).data)


class MedicationLogApi(APIView):
    @extend_schema(parameters=[USER_PARAM], responses={200: MedicationLogSerializer(many=True), **errors(404)})
    def get(self, request: Request) -> Response:
        qs = selectors.medication_log_visible_to(actor=request.user)
        if request.query_params.get("user"):
            qs = qs.filter(plan__owner=_subject(request))
        return Response(MedicationLogSerializer(qs[:200], many=True).data)

    @extend_schema(
        request=MedicationTakenSerializer,
        responses={201: MedicationLogSerializer, **errors(404)},
        summary="Mark a dose taken (from MEDICATION_TAKEN_EARLY_MINUTES before it is due until the next is due)",
    )
    def post(self, request: Request) -> Response:
        body = MedicationTakenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = (
            selectors.plans_visible_to(actor=request.user)
            .filter(pk=body.validated_data["plan"], kind=ReminderPlan.Kind.MEDICATION)
            .first()
        )
        if plan is None:
            raise NotFound(_("Reminder not found."))
        log = services.medication_mark_taken(plan=plan, occurrence_at=body.validated_data["occurrence_at"], via="api")
        return Response(MedicationLogSerializer(log).data, status=status.HTTP_201_CREATED)


class MedicationLogDetailApi(APIView):
    @extend_schema(responses={204: None, **errors(400, 404)}, summary="Undo a dose marked taken")
    def delete(self, request: Request, log_id: int) -> Response:
        log = selectors.medication_log_visible_to(actor=request.user).filter(pk=log_id).first()
        if log is None:
            raise NotFound(_("Dose not found."))
        services.medication_taken_undo(log=log)
        return Response(status=status.HTTP_204_NO_CONTENT)


PREFERENCES_USER_PARAM = OpenApiParameter(
    "user", int, description="Staff: a service user in your caseload. Without it, your own preferences."
)


class PreferencesApi(APIView):
    """How a person wants to be reminded. Everyone has their own (staff and peers too: their
    quiet hours and language hold every notice to them); staff also read and change those of
    their caseload with ``?user=``."""

    @extend_schema(parameters=[PREFERENCES_USER_PARAM], responses={200: PreferencesSerializer, **errors(404)})
    def get(self, request: Request) -> Response:
        person = _subject(request, own_for_staff=True)
        access_log.saw(viewer=request.user, what="reminder_settings", subjects=[(person.pk, None)])
        return Response(PreferencesSerializer(services.preferences_read(person)).data)

    @extend_schema(
        parameters=[PREFERENCES_USER_PARAM],
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **errors(400, 404)},
        summary="Change reminder preferences (new quiet hours re-time the messages already planned)",
    )
    def patch(self, request: Request) -> Response:
        owner = _subject(request, own_for_staff=True)
        access_log.saw(viewer=request.user, what="reminder_settings", subjects=[(owner.pk, None)], change=True)
        body = PreferencesSerializer(services.preferences_read(owner), data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        # ``language`` is the person's own (people.User.language), read through ``user``.
        changes.update(changes.pop("user", {}))
        supporter = changes.get("followup_supporter")
        if supporter is not None and not (supporter.has_calendar_role and supporter.unit_id == owner.unit_id):
            raise ApplicationError(
                _("A supporter must be a peer or social worker in your unit."),
                fields={"followup_supporter": [_("Choose a peer or social worker in your unit.")]},
            )
        prefs = services.preferences_update(person=owner, changes=changes)
        return Response(PreferencesSerializer(prefs).data)


class SmsInboundApi(WebhookApi):
    @extend_schema(
        request=InboundSmsSerializer,
        responses={204: None, **errors(404)},
        summary="Inbound SMS from the gateway (404 without a valid signature)",
    )
    def post(self, request: Request) -> Response:
        body = InboundSmsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inbound.sms_inbound(
            sender_number=body.validated_data["sender"],
            text=body.validated_data["text"],
            provider_message_id=body.validated_data["message_id"],
        )
        # The same answer for every sender: nothing tells a stranger whether a number is known.
        return Response(status=status.HTTP_204_NO_CONTENT)
