"""API for responsibility-group meetings: proposed times, booking, the meeting itself, moving
and cancelling it, its agenda and agreed actions, one small view per operation."""

from zoneinfo import ZoneInfo

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from booking.serializers import DateRangeQuerySerializer
from care.apis.groups import GroupPersonSerializer
from care.models import AgreedAction, GroupMeeting
from care.selectors import groups as selectors
from care.services import groups as services
from config import fields
from config.errors import NotFound
from config.schema import errors

# --- Serializers (shape only) -----------------------------------------------------------------


def action_data(action: AgreedAction) -> dict:
    return {
        "id": action.pk,
        "what": action.what,
        "who": {
            "user": action.responsible_user_id,
            "external": action.responsible_external_id,
            "name": action.responsible_name,
        },
        "due_on": action.due_on.isoformat() if action.due_on else None,
    }


def meeting_data(meeting: GroupMeeting) -> dict:
    tz = ZoneInfo(meeting.group.client.timezone)
    return {
        "id": meeting.pk,
        "group": meeting.group_id,
        "start": meeting.start.astimezone(tz).isoformat(),
        "end": meeting.end.astimezone(tz).isoformat(),
        "place": meeting.place,
        "status": meeting.status,
        "agenda": meeting.agenda,
        "participants": [
            GroupPersonSerializer(link.appointment.calendar.owner).data
            for link in sorted(meeting.links.all(), key=lambda link: link.appointment.calendar_id)
        ],
        "externals": [
            {"id": i.external_id, "name": i.external.name, "response": i.response} for i in meeting.invitees.all()
        ],
        "actions": [action_data(a) for a in meeting.actions.all()],
    }


class WhoOutSerializer(serializers.Serializer):
    user = serializers.IntegerField(allow_null=True)
    external = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class ActionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    what = serializers.CharField()
    who = WhoOutSerializer()
    due_on = serializers.DateField(allow_null=True)


class InviteeOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    response = serializers.ChoiceField(choices=["needs_action", "accepted", "declined"])


class MeetingOutSerializer(serializers.Serializer):
    """The shape of a group meeting in answers (documentation; built by ``meeting_data``)."""

    id = serializers.IntegerField()
    group = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    place = serializers.CharField()
    status = serializers.ChoiceField(choices=["booked", "cancelled"])
    agenda = serializers.CharField()
    participants = GroupPersonSerializer(many=True)
    externals = InviteeOutSerializer(many=True)
    actions = ActionOutSerializer(many=True)


class ProposalQuerySerializer(DateRangeQuerySerializer):
    group = fields.IdField()
    duration = serializers.IntegerField(min_value=services.GROUP_MIN_DURATION, max_value=services.GROUP_MAX_DURATION)


class MeetingQuerySerializer(serializers.Serializer):
    group = fields.IdField(required=False, help_text="Only the meetings of this responsibility group")


class ProposalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class MeetingCreateSerializer(serializers.Serializer):
    group = fields.IdField()
    start = fields.DateTimeField()
    duration = serializers.IntegerField(min_value=services.GROUP_MIN_DURATION, max_value=services.GROUP_MAX_DURATION)
    agenda = serializers.CharField(required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class GroupMeetingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AgendaSerializer(serializers.Serializer):
    agenda = serializers.CharField(allow_blank=True)


class WhoSerializer(serializers.Serializer):
    user = fields.IdField(required=False)
    external = fields.IdField(required=False)


class ActionInputSerializer(serializers.Serializer):
    what = serializers.CharField(max_length=500)
    who = WhoSerializer()
    due_on = fields.DateField(required=False, allow_null=True, default=None)


# --- Views ------------------------------------------------------------------------------------


def _meeting(request: Request, meeting_id: int) -> GroupMeeting:
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    if meeting is None:
        raise NotFound(_("Meeting not found."))
    return meeting


class ProposalsApi(APIView):
    @extend_schema(
        parameters=[ProposalQuerySerializer],
        responses={200: ProposalSerializer(many=True), **errors(404)},
        summary="Times when every internal participant is free (local days start..end)",
    )
    def get(self, request: Request) -> Response:
        query = ProposalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        group = selectors.group_get(user=request.user, group_id=query.validated_data["group"], manage=True)
        if group is None:
            raise NotFound(_("Responsibility group not found."))
        proposals = services.group_proposals(
            group=group,
            duration_minutes=query.validated_data["duration"],
            first_day=query.validated_data["start"],
            last_day=query.validated_data["end"],
        )
        return Response(services.proposals_as_json(proposals))


class MeetingListApi(APIView):
    @extend_schema(
        parameters=[MeetingQuerySerializer],
        responses=MeetingOutSerializer(many=True),
        summary="Group meetings the caller can see",
    )
    def get(self, request: Request) -> Response:
        meetings = selectors.meetings_visible_to(user=request.user).order_by("start")
        query = MeetingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data.get("group") is not None:
            meetings = meetings.filter(group_id=query.validated_data["group"])
        return Response([meeting_data(m) for m in meetings])

    @extend_schema(
        request=MeetingCreateSerializer,
        responses={201: MeetingOutSerializer, **errors(404, 409)},
        summary="Book a group meeting in every participant's calendar",
    )
    def post(self, request: Request) -> Response:
        body = MeetingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        meeting = services.group_meeting_book(
            actor=request.user,
            group_id=data["group"],
            start=data["start"],
            duration_minutes=data["duration"],
            agenda=data["agenda"],
            place=data["place"],
        )
        return Response(meeting_data(_meeting(request, meeting.pk)), status=status.HTTP_201_CREATED)


class MeetingPatchSerializer(serializers.Serializer):
    place = serializers.CharField(max_length=300, allow_blank=True)


class MeetingDetailApi(APIView):
    @extend_schema(responses=MeetingOutSerializer, summary="One group meeting, with its agenda and agreed actions")
    def get(self, request: Request, meeting_id: int) -> Response:
        return Response(meeting_data(_meeting(request, meeting_id)))

    @extend_schema(
        request=MeetingPatchSerializer,
        responses=MeetingOutSerializer,
        summary="Change where the meeting is (externals get an update)",
    )
    def patch(self, request: Request, meeting_id: int) -> Response:
        body = MeetingPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.group_meeting_update(actor=request.user, meeting_id=meeting_id, place=body.validated_data["place"])
        return Response(meeting_data(_meeting(request, meeting_id)))


class MeetingCancelApi(APIView):
    @extend_schema(
        request=GroupMeetingCancelSerializer,
        responses=MeetingOutSerializer,
        summary="Cancel the meeting and all its appointments",
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        body = GroupMeetingCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.group_meeting_cancel(actor=request.user, meeting_id=meeting_id, reason=body.validated_data["reason"])
        return Response(meeting_data(_meeting(request, meeting_id)))


class GroupMeetingMoveSerializer(serializers.Serializer):
    start = fields.DateTimeField()


class MeetingMoveApi(APIView):
    @extend_schema(
        request=GroupMeetingMoveSerializer,
        responses={200: MeetingOutSerializer, **errors(409)},
        summary="Move the meeting (same length and people) to a time all of them are free",
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        body = GroupMeetingMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.group_meeting_move(actor=request.user, meeting_id=meeting_id, start=body.validated_data["start"])
        return Response(meeting_data(_meeting(request, meeting_id)))


class MeetingMoveProposalsApi(APIView):
    @extend_schema(
        parameters=[DateRangeQuerySerializer],
        responses=ProposalSerializer(many=True),
        summary="Times the meeting could move to: its people all free for its length (local days start..end)",
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        query = DateRangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        meeting = _meeting(request, meeting_id)
        if not selectors.may_manage(user=request.user, group=meeting.group):
            raise NotFound(_("Meeting not found."))
        proposals = services.move_proposals(
            meeting=meeting, first_day=query.validated_data["start"], last_day=query.validated_data["end"]
        )
        return Response(services.proposals_as_json(proposals))


class AgendaApi(APIView):
    @extend_schema(
        request=AgendaSerializer, responses=MeetingOutSerializer, summary="Change the agenda (until the meeting starts)"
    )
    def put(self, request: Request, meeting_id: int) -> Response:
        body = AgendaSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.agenda_update(actor=request.user, meeting_id=meeting_id, agenda=body.validated_data["agenda"])
        return Response(meeting_data(_meeting(request, meeting_id)))


class ActionAddApi(APIView):
    @extend_schema(
        request=ActionInputSerializer, responses={201: ActionOutSerializer}, summary="Record an agreed action"
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        body = ActionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        action = services.action_add(
            actor=request.user,
            meeting_id=meeting_id,
            what=data["what"],
            responsible_user_id=data["who"].get("user"),
            responsible_external_id=data["who"].get("external"),
            due_on=data["due_on"],
        )
        return Response(action_data(action), status=status.HTTP_201_CREATED)


class ActionDeleteApi(APIView):
    @extend_schema(responses={204: None}, summary="Remove an agreed action")
    def delete(self, request: Request, meeting_id: int, action_id: int) -> Response:
        services.action_delete(actor=request.user, meeting_id=meeting_id, action_id=action_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns: list[URLPattern] = [
    path("group-meetings/proposals/", ProposalsApi.as_view(), name="group-proposals"),
    path("group-meetings/", MeetingListApi.as_view(), name="group-meeting-list"),
    path("group-meetings/<id:meeting_id>/", MeetingDetailApi.as_view(), name="group-meeting-detail"),
    path("group-meetings/<id:meeting_id>/cancel/", MeetingCancelApi.as_view(), name="group-meeting-cancel"),
    path("group-meetings/<id:meeting_id>/move/", MeetingMoveApi.as_view(), name="group-meeting-move"),
    path(
        "group-meetings/<id:meeting_id>/move/proposals/",
        MeetingMoveProposalsApi.as_view(),
        name="group-meeting-move-proposals",
    ),
    path("group-meetings/<id:meeting_id>/agenda/", AgendaApi.as_view(), name="group-meeting-agenda"),
    path("group-meetings/<id:meeting_id>/actions/", ActionAddApi.as_view(), name="group-meeting-action-add"),
    path(
        "group-meetings/<id:meeting_id>/actions/<id:action_id>/",
        ActionDeleteApi.as_view(),
        name="group-meeting-action-delete",
    ),
]
