"""HTTP layer for a person's supporter outside the service (``/api/reminder-supporter/``):
who it is and whether they agreed; naming one (they are asked by SMS) or taking them off."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import log as access_log
from config.errors import ApplicationError, NotFound
from config.schema import errors
from people.models import User
from reminders import selectors
from reminders.apis import USER_PARAM, _subject
from reminders.serializers import SupporterSerializer
from reminders.services.supporters import supporter_name, supporter_remove


def _own(request: Request) -> User:
    """Naming a supporter is the person's own choice: staff may see it, not make it."""
    if not request.user.is_service_user:
        raise ApplicationError(
            _("Only the person can name their supporter."), code="not_allowed", fields={"user": [_("Not allowed.")]}
        )
    return request.user


class SupporterApi(APIView):
    @extend_schema(
        parameters=[USER_PARAM],
        responses={200: SupporterSerializer, **errors(400, 404)},
        summary="The person's supporter outside the service, if any",
    )
    def get(self, request: Request) -> Response:
        owner = _subject(request)
        access_log.saw(viewer=request.user, what="reminder_settings", subjects=[(owner.pk, None)])
        supporter = selectors.supporter_of(owner=owner)
        if supporter is None:
            raise NotFound(_("No supporter is named."))
        return Response(SupporterSerializer(supporter).data)

    @extend_schema(
        request=SupporterSerializer,
        responses={201: SupporterSerializer, **errors(400, 409)},
        summary="Name a family member or friend as supporter (they are asked by SMS; replaces any before)",
    )
    def put(self, request: Request) -> Response:
        owner = _own(request)
        body = SupporterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        supporter = supporter_name(
            owner=owner, name=body.validated_data["name"], raw_number=body.validated_data["number"]
        )
        return Response(SupporterSerializer(supporter).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **errors(400, 404)}, summary="Take the supporter off (no SMS is sent to them)")
    def delete(self, request: Request) -> Response:
        owner = _own(request)
        if not supporter_remove(owner=owner):
            raise NotFound(_("No supporter is named."))
        return Response(status=status.HTTP_204_NO_CONTENT)
