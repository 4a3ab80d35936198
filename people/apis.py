"""HTTP layer for people: signing in to the API. (Who the caller is, ``/api/me/``, is in
``booking.apis``: it carries the calendar feed link, which belongs to booking.)"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response


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
