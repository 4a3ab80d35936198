"""API for responsibility groups and group meetings: one small view per operation."""

from zoneinfo import ZoneInfo

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.serializers import DateRangeQuerySerializer
from care.models import AgreedAction, ExternalParticipant, GroupMeeting, ResponsibilityGroup
from care.selectors import groups as selectors
from care.services import groups as services
from config.errors import NotFound

# --- Serializers (shape only) -----------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    role = serializers.CharField()

    def get_name(self, user: object) -> str:
        return str(user)


class ExternalSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExternalParticipant
        fields = ["id", "name", "role", "organisation", "email", "phone"]


class ExternalInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ExternalPatchSerializer(ExternalInputSerializer):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


def group_data(group: ResponsibilityGroup, viewer: object) -> dict:
    return {
        "id": group.pk,
        "user": PersonSerializer(group.client).data,
        "members": [PersonSerializer(m.user).data for m in selectors.members_active(group=group)],
        "externals": ExternalSerializer(selectors.externals_active(group=group), many=True).data,
        "may_manage": selectors.may_manage(user=viewer, group=group),
    }


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
            PersonSerializer(link.appointment.calendar.owner).data
            for link in sorted(meeting.links.all(), key=lambda link: link.appointment.calendar_id)
        ],
        "externals": [
            {"id": i.external_id, "name": i.external.name, "response": i.response} for i in meeting.invitees.all()
        ],
        "actions": [action_data(a) for a in meeting.actions.all()],
    }


class GroupOutSerializer(serializers.Serializer):
    """The shape of a group in answers (documentation; built by ``group_data``)."""

    id = serializers.IntegerField()
    user = PersonSerializer()
    members = PersonSerializer(many=True)
    externals = ExternalSerializer(many=True)
    may_manage = serializers.BooleanField()


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
    participants = PersonSerializer(many=True)
    externals = InviteeOutSerializer(many=True)
    actions = ActionOutSerializer(many=True)


class GroupCreateSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)


class MemberInputSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1)


class ProposalQuerySerializer(DateRangeQuerySerializer):
    group = serializers.IntegerField(min_value=1)
    duration = serializers.IntegerField(min_value=services.GROUP_MIN_DURATION, max_value=services.GROUP_MAX_DURATION)


class ProposalSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class MeetingCreateSerializer(serializers.Serializer):
    group = serializers.IntegerField(min_value=1)
    start = serializers.DateTimeField()
    duration = serializers.IntegerField(min_value=services.GROUP_MIN_DURATION, max_value=services.GROUP_MAX_DURATION)
    agenda = serializers.CharField(required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class GroupMeetingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AgendaSerializer(serializers.Serializer):
    agenda = serializers.CharField(allow_blank=True)


class WhoSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, required=False)
    external = serializers.IntegerField(min_value=1, required=False)


class ActionInputSerializer(serializers.Serializer):
    what = serializers.CharField(max_length=500)
    who = WhoSerializer()
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


# --- Views ------------------------------------------------------------------------------------


def _group(request: Request, group_id: int) -> ResponsibilityGroup:
    group = selectors.group_get(user=request.user, group_id=group_id)
    if group is None:
        raise NotFound(_("Responsibility group not found."))
    return group


def _meeting(request: Request, meeting_id: int) -> GroupMeeting:
    meeting = selectors.meeting_get(user=request.user, meeting_id=meeting_id)
    if meeting is None:
        raise NotFound(_("Meeting not found."))
    return meeting


class GroupListApi(APIView):
    @extend_schema(responses=GroupOutSerializer(many=True), summary="Responsibility groups the caller can see")
    def get(self, request: Request) -> Response:
        groups = selectors.groups_visible_to(user=request.user).order_by("id")
        return Response([group_data(g, request.user) for g in groups])

    @extend_schema(
        request=GroupCreateSerializer,
        responses=GroupOutSerializer,
        summary="Set up a service user's responsibility group",
    )
    def post(self, request: Request) -> Response:
        body = GroupCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        group = services.group_create(actor=request.user, client_id=body.validated_data["user"])
        return Response(group_data(group, request.user), status=status.HTTP_201_CREATED)


class GroupDetailApi(APIView):
    @extend_schema(responses=GroupOutSerializer, summary="One responsibility group")
    def get(self, request: Request, group_id: int) -> Response:
        return Response(group_data(_group(request, group_id), request.user))


class MemberAddApi(APIView):
    @extend_schema(
        request=MemberInputSerializer, responses=GroupOutSerializer, summary="Add a worker or peer to the group"
    )
    def post(self, request: Request, group_id: int) -> Response:
        body = MemberInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.member_add(actor=request.user, group_id=group_id, user_id=body.validated_data["user"])
        return Response(group_data(_group(request, group_id), request.user), status=status.HTTP_201_CREATED)


class MemberRemoveApi(APIView):
    @extend_schema(responses={204: None}, summary="Take a worker or peer out of the group (past meetings are kept)")
    def delete(self, request: Request, group_id: int, user_id: int) -> Response:
        services.member_remove(actor=request.user, group_id=group_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExternalAddApi(APIView):
    @extend_schema(request=ExternalInputSerializer, responses=ExternalSerializer, summary="Add an external participant")
    def post(self, request: Request, group_id: int) -> Response:
        body = ExternalInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        external = services.external_add(actor=request.user, group_id=group_id, **body.validated_data)
        return Response(ExternalSerializer(external).data, status=status.HTTP_201_CREATED)


class ExternalDetailApi(APIView):
    @extend_schema(request=ExternalPatchSerializer, responses=ExternalSerializer, summary="Change an external")
    def patch(self, request: Request, group_id: int, external_id: int) -> Response:
        body = ExternalPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        external = services.external_update(
            actor=request.user, group_id=group_id, external_id=external_id, **body.validated_data
        )
        return Response(ExternalSerializer(external).data)

    @extend_schema(
        responses={204: None}, summary="Take an external participant out of the group (past meetings are kept)"
    )
    def delete(self, request: Request, group_id: int, external_id: int) -> Response:
        services.external_remove(actor=request.user, group_id=group_id, external_id=external_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProposalsApi(APIView):
    @extend_schema(
        parameters=[ProposalQuerySerializer],
        responses=ProposalSerializer(many=True),
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
    @extend_schema(responses=MeetingOutSerializer(many=True), summary="Group meetings the caller can see")
    def get(self, request: Request) -> Response:
        meetings = selectors.meetings_visible_to(user=request.user).order_by("start")
        group_id = request.query_params.get("group")
        if group_id and group_id.isdigit():
            # A number beyond any id matches nothing (SQLite cannot even bind it).
            meetings = meetings.filter(group_id=int(group_id)) if len(group_id) < 19 else meetings.none()
        return Response([meeting_data(m) for m in meetings])

    @extend_schema(
        request=MeetingCreateSerializer,
        responses=MeetingOutSerializer,
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
    start = serializers.DateTimeField()


class MeetingMoveApi(APIView):
    @extend_schema(
        request=GroupMeetingMoveSerializer,
        responses=MeetingOutSerializer,
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
    @extend_schema(request=ActionInputSerializer, responses=ActionOutSerializer, summary="Record an agreed action")
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
    path("group-meetings/groups/", GroupListApi.as_view(), name="group-list"),
    path("group-meetings/groups/<int:group_id>/", GroupDetailApi.as_view(), name="group-detail"),
    path("group-meetings/groups/<int:group_id>/members/", MemberAddApi.as_view(), name="group-member-add"),
    path(
        "group-meetings/groups/<int:group_id>/members/<int:user_id>/",
        MemberRemoveApi.as_view(),
        name="group-member-remove",
    ),
    path("group-meetings/groups/<int:group_id>/externals/", ExternalAddApi.as_view(), name="group-external-add"),
    path(
        "group-meetings/groups/<int:group_id>/externals/<int:external_id>/",
        ExternalDetailApi.as_view(),
        name="group-external-detail",
    ),
    path("group-meetings/proposals/", ProposalsApi.as_view(), name="group-proposals"),
    path("group-meetings/", MeetingListApi.as_view(), name="group-meeting-list"),
    path("group-meetings/<int:meeting_id>/", MeetingDetailApi.as_view(), name="group-meeting-detail"),
    path("group-meetings/<int:meeting_id>/cancel/", MeetingCancelApi.as_view(), name="group-meeting-cancel"),
    path("group-meetings/<int:meeting_id>/move/", MeetingMoveApi.as_view(), name="group-meeting-move"),
    path(
        "group-meetings/<int:meeting_id>/move/proposals/",
        MeetingMoveProposalsApi.as_view(),
        name="group-meeting-move-proposals",
    ),
    path("group-meetings/<int:meeting_id>/agenda/", AgendaApi.as_view(), name="group-meeting-agenda"),
    path("group-meetings/<int:meeting_id>/actions/", ActionAddApi.as_view(), name="group-meeting-action-add"),
    path(
        "group-meetings/<int:meeting_id>/actions/<int:action_id>/",
        ActionDeleteApi.as_view(),
        name="group-meeting-action-delete",
    ),
]
