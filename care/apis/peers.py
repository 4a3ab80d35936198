"""API for peers as partners: asking for a peer, sharing with peers, inviting a peer to a
meeting, and the worker's outreach after a missed meeting. Thin: rules live in services."""

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from booking.models import Appointment
from booking.serializers import local_iso
from care.models import PeerCheckIn, PeerInvitation, PeerRequest, Sharing
from care.selectors import peers as peer_selectors
from care.services import peers as services
from config import fields
from config.errors import NotFound
from config.schema import errors
from people.models import User


def _first_name(person: User | None) -> str | None:
    return person.short_name if person is not None else None


# --- Shapes ------------------------------------------------------------------------------------


class PeerSerializer(serializers.ModelSerializer):
    first_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "first_name"]

    def get_first_name(self, obj: User) -> str:
        return _first_name(obj) or ""


class PeerRequestSerializer(serializers.ModelSerializer):
    peer = PeerSerializer(read_only=True, allow_null=True, help_text="The peer who took it; empty while open")
    user = serializers.SerializerMethodField()

    class Meta:
        model = PeerRequest
        fields = ["id", "status", "note", "peer", "user", "created_at", "taken_at"]

    def get_user(self, obj: PeerRequest) -> dict | None:
        """Who asked: for the peer who took it, name and number to get in touch; for the pool,
        nothing that names the person (first name only once taken)."""
        viewer = self.context["viewer"]
        if viewer.pk == obj.user_id:
            return None
        if obj.peer_id == viewer.pk:
            phone = obj.user.phone_numbers.filter(is_active=True).first()
            return {"id": obj.user_id, "name": obj.user.get_full_name(), "phone": str(phone.number) if phone else ""}
        return None


class PeerRequestCreateSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SharingSerializer(serializers.ModelSerializer):
    peer = PeerSerializer(read_only=True)
    user = serializers.SerializerMethodField()

    class Meta:
        model = Sharing
        fields = ["id", "peer", "user", "appointments", "plan", "granted_at"]

    def get_user(self, obj: Sharing) -> dict:
        return {"id": obj.user_id, "name": obj.user.get_full_name()}


class SharingSetSerializer(serializers.Serializer):
    peer = fields.IdField()
    appointments = serializers.BooleanField()
    plan = serializers.BooleanField()


class InvitationSerializer(serializers.ModelSerializer):
    peer = PeerSerializer(read_only=True)
    meeting = serializers.SerializerMethodField()

    class Meta:
        model = PeerInvitation
        fields = ["id", "status", "peer", "meeting", "created_at", "answered_at"]

    def get_meeting(self, obj: PeerInvitation) -> dict:
        # Time and place of that one meeting: what inviting consents to.
        a = obj.appointment
        tz = a.calendar.owner.timezone
        return {
            "id": a.pk,
            "start": local_iso(a.start, tz),
            "end": local_iso(a.end, tz),
            "place": a.meeting_type.place,
            "worker": _first_name(a.calendar.owner),
            # An "any peer" invitation is seen by the whole pool: no name until someone says yes.
            "user": _first_name(a.client) if obj.peer_id else None,
        }


class InvitationCreateSerializer(serializers.Serializer):
    appointment = fields.IdField()
    peer = fields.IdField(required=False, allow_null=True, help_text="Empty: any peer in the unit")


class CheckInSerializer(serializers.ModelSerializer):
    peer = PeerSerializer(read_only=True)

    class Meta:
        model = PeerCheckIn
        fields = ["id", "task", "peer", "asked_at"]


class AskPeerSerializer(serializers.Serializer):
    peer = fields.IdField()


# --- Views -------------------------------------------------------------------------------------


class PeerListApi(APIView):
    @extend_schema(responses=PeerSerializer(many=True), summary="The peers of the caller's unit")
    def get(self, request: Request) -> Response:
        peers = peer_selectors.peers_of_unit(unit_id=request.user.unit_id)
        return Response(PeerSerializer(peers, many=True).data)


class PeerRequestListCreateApi(APIView):
    @extend_schema(
        responses=PeerRequestSerializer(many=True),
        summary="A service user's own requests; for a peer, the unit's open requests and the ones they took",
    )
    def get(self, request: Request) -> Response:
        items = peer_selectors.peer_requests_visible_to(user=request.user).order_by("-created_at")[:200]
        return Response(PeerRequestSerializer(items, many=True, context={"viewer": request.user}).data)

    @extend_schema(
        request=PeerRequestCreateSerializer,
        responses={201: PeerRequestSerializer, **errors(409, 422)},
        summary="I'd like a peer",
    )
    def post(self, request: Request) -> Response:
        body = PeerRequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.peer_request_create(user=request.user, note=body.validated_data.get("note", ""))
        return Response(
            PeerRequestSerializer(item, context={"viewer": request.user}).data, status=status.HTTP_201_CREATED
        )


class PeerRequestAcceptApi(APIView):
    @extend_schema(
        request=None,
        responses={200: PeerRequestSerializer, **errors(409)},
        summary="Take a request (the first peer wins)",
    )
    def post(self, request: Request, request_id: int) -> Response:
        item = services.peer_request_accept(peer=request.user, request_id=request_id)
        return Response(PeerRequestSerializer(item, context={"viewer": request.user}).data)


class PeerRequestWithdrawApi(APIView):
    @extend_schema(
        request=None, responses={200: PeerRequestSerializer, **errors(409)}, summary="Withdraw an open request"
    )
    def post(self, request: Request, request_id: int) -> Response:
        item = services.peer_request_withdraw(user=request.user, request_id=request_id)
        return Response(PeerRequestSerializer(item, context={"viewer": request.user}).data)


class SharingApi(APIView):
    @extend_schema(
        responses=SharingSerializer(many=True),
        summary="A service user's sharing with peers; for a peer, who shares what with them",
    )
    def get(self, request: Request) -> Response:
        if request.user.is_service_user:
            items = peer_selectors.sharings_of(user=request.user).select_related("user")
        elif request.user.is_peer:
            items = Sharing.objects.filter(peer=request.user, revoked_at__isnull=True).select_related("user", "peer")
        else:
            items = Sharing.objects.none()
        return Response(SharingSerializer(items, many=True).data)

    @extend_schema(
        request=SharingSetSerializer,
        responses={200: SharingSerializer, 204: None, **errors(404, 422)},
        summary="Choose what to share with one peer; both false stops sharing",
    )
    def post(self, request: Request) -> Response:
        body = SharingSetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        peer = User.objects.filter(pk=data["peer"], role=User.Role.PEER, is_active=True).first()
        if peer is None:
            raise NotFound(_("Peer not found."))
        item = services.sharing_set(user=request.user, peer=peer, appointments=data["appointments"], plan=data["plan"])
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(SharingSerializer(item).data)


class InvitationListCreateApi(APIView):
    @extend_schema(responses=InvitationSerializer(many=True), summary="Invitations of peers to meetings")
    def get(self, request: Request) -> Response:
        items = peer_selectors.invitations_visible_to(user=request.user)
        if request.user.is_peer:
            # As on the peer's page: a withdrawn, declined or cancelled invitation no longer
            # lets the peer read that meeting's time and place.
            items = items.filter(status__in=peer_selectors.LIVE_INVITATION).exclude(
                appointment__status=Appointment.Status.CANCELLED
            )
        items = items.order_by("-created_at")[:200]
        return Response(InvitationSerializer(items, many=True).data)

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **errors(404, 409)},
        summary="Invite a peer (or any peer) to a meeting with the social worker",
    )
    def post(self, request: Request) -> Response:
        body = InvitationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.invitation_create(
            user=request.user,
            appointment_id=body.validated_data["appointment"],
            peer_id=body.validated_data.get("peer"),
        )
        return Response(InvitationSerializer(item).data, status=status.HTTP_201_CREATED)


class InvitationAnswerApi(APIView):
    accept = True

    @extend_schema(
        request=None, responses={200: InvitationSerializer, **errors(400, 409)}, summary="Say yes to an invitation"
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        item = services.invitation_answer(peer=request.user, invitation_id=invitation_id, accept=self.accept)
        return Response(InvitationSerializer(item).data)


class InvitationDeclineApi(InvitationAnswerApi):
    accept = False

    @extend_schema(
        request=None, responses={200: InvitationSerializer, **errors(400, 409)}, summary="Say no to an invitation"
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        return super().post(request, invitation_id)


class InvitationWithdrawApi(APIView):
    @extend_schema(
        request=None, responses={200: InvitationSerializer, **errors(409)}, summary="Take an invitation back"
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        item = services.invitation_withdraw(user=request.user, invitation_id=invitation_id)
        item = peer_selectors.invitations_visible_to(user=request.user).get(pk=item.pk)
        return Response(InvitationSerializer(item).data)


class OutreachCalledApi(APIView):
    @extend_schema(request=None, responses={204: None}, summary="After a missed meeting: I called")
    def post(self, request: Request, task_id: int) -> Response:
        services.no_show_called(worker=request.user, task_id=task_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutreachAskPeerApi(APIView):
    @extend_schema(
        request=AskPeerSerializer,
        responses={201: CheckInSerializer, **errors(409)},
        summary="After a missed meeting: ask the person's peer to check in",
    )
    def post(self, request: Request, task_id: int) -> Response:
        body = AskPeerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.no_show_check_in_ask(worker=request.user, task_id=task_id, peer_id=body.validated_data["peer"])
        return Response(CheckInSerializer(item).data, status=status.HTTP_201_CREATED)


urlpatterns: list[URLPattern] = [
    path("peers/", PeerListApi.as_view(), name="peer-list"),
    path("peer-requests/", PeerRequestListCreateApi.as_view(), name="peer-request-list"),
    path("peer-requests/<id:request_id>/accept/", PeerRequestAcceptApi.as_view(), name="peer-request-accept"),
    path("peer-requests/<id:request_id>/withdraw/", PeerRequestWithdrawApi.as_view(), name="peer-request-withdraw"),
    path("sharing/", SharingApi.as_view(), name="sharing"),
    path("peer-invitations/", InvitationListCreateApi.as_view(), name="peer-invitation-list"),
    path("peer-invitations/<id:invitation_id>/accept/", InvitationAnswerApi.as_view(), name="peer-invitation-accept"),
    path(
        "peer-invitations/<id:invitation_id>/decline/", InvitationDeclineApi.as_view(), name="peer-invitation-decline"
    ),
    path(
        "peer-invitations/<id:invitation_id>/withdraw/",
        InvitationWithdrawApi.as_view(),
        name="peer-invitation-withdraw",
    ),
    path("outreach/<id:task_id>/called/", OutreachCalledApi.as_view(), name="outreach-called"),
    path("outreach/<id:task_id>/ask-peer/", OutreachAskPeerApi.as_view(), name="outreach-ask-peer"),
]
