"""API for responsibility groups: the groups, their members and their external participants,
one small view per operation. A group's meetings are in care.apis.group_meetings."""

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from care.models import ExternalParticipant, ResponsibilityGroup
from care.selectors import groups as selectors
from care.services import groups as services
from config import fields
from config.errors import NotFound
from config.schema import errors

# --- Serializers (shape only) -----------------------------------------------------------------


class GroupPersonSerializer(serializers.Serializer):
    """A service user, worker or peer as a group's answers name them."""

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
    # No default here (the service's is ""): a default of "" would be documented as an e-mail
    # address, which "" is not, and the schema would not validate.
    email = serializers.EmailField(required=False, allow_blank=True)
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
        "user": GroupPersonSerializer(group.client).data,
        "members": [GroupPersonSerializer(m.user).data for m in selectors.members_active(group=group)],
        "externals": ExternalSerializer(selectors.externals_active(group=group), many=True).data,
        "may_manage": selectors.may_manage(user=viewer, group=group),
    }


class GroupOutSerializer(serializers.Serializer):
    """The shape of a group in answers (documentation; built by ``group_data``)."""

    id = serializers.IntegerField()
    user = GroupPersonSerializer()
    members = GroupPersonSerializer(many=True)
    externals = ExternalSerializer(many=True)
    may_manage = serializers.BooleanField()


class GroupCreateSerializer(serializers.Serializer):
    user = fields.IdField()


class MemberInputSerializer(serializers.Serializer):
    user = fields.IdField()


# --- Views ------------------------------------------------------------------------------------


def _group(request: Request, group_id: int) -> ResponsibilityGroup:
    group = selectors.group_get(user=request.user, group_id=group_id)
    if group is None:
        raise NotFound(_("Responsibility group not found."))
    return group


class GroupListApi(APIView):
    @extend_schema(responses=GroupOutSerializer(many=True), summary="Responsibility groups the caller can see")
    def get(self, request: Request) -> Response:
        groups = selectors.groups_visible_to(user=request.user).order_by("id")
        return Response([group_data(g, request.user) for g in groups])

    @extend_schema(
        request=GroupCreateSerializer,
        responses={201: GroupOutSerializer, **errors(404)},
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
        request=MemberInputSerializer,
        responses={201: GroupOutSerializer, **errors(422)},
        summary="Add a worker or peer to the group",
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
    @extend_schema(
        request=ExternalInputSerializer, responses={201: ExternalSerializer}, summary="Add an external participant"
    )
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


urlpatterns: list[URLPattern] = [
    path("group-meetings/groups/", GroupListApi.as_view(), name="group-list"),
    path("group-meetings/groups/<id:group_id>/", GroupDetailApi.as_view(), name="group-detail"),
    path("group-meetings/groups/<id:group_id>/members/", MemberAddApi.as_view(), name="group-member-add"),
    path(
        "group-meetings/groups/<id:group_id>/members/<id:user_id>/",
        MemberRemoveApi.as_view(),
        name="group-member-remove",
    ),
    path("group-meetings/groups/<id:group_id>/externals/", ExternalAddApi.as_view(), name="group-external-add"),
    path(
        "group-meetings/groups/<id:group_id>/externals/<id:external_id>/",
        ExternalDetailApi.as_view(),
        name="group-external-detail",
    ),
]
