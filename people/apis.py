from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.apis import feed_url
from booking.services import feed_token_get_or_create
from people.models import User


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
        return feed_url(feed_token_get_or_create(user=obj).secret)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer, summary="Who the caller is")
    def get(self, request: Request) -> Response:
        user = User.objects.select_related("unit").prefetch_related("phone_numbers").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class TokenApi(ObtainAuthToken):
    """Username and password in, API token out."""

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        summary=str(_("Get an API token")),
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)
