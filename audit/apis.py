"""HTTP layer of the access log: a person's own log, and a unit's for its coordinator."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from audit import selectors
from audit.log import label_of
from audit.models import AccessEntry
from config import fields
from config.errors import NotFound


class AccessActorSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()


class AccessEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    what = serializers.SerializerMethodField()
    kind = serializers.CharField(source="what")

    class Meta:
        model = AccessEntry
        fields = ["at", "actor", "action", "what", "kind", "object_id", "via"]

    @extend_schema_field(AccessActorSerializer)
    def get_actor(self, entry: AccessEntry) -> dict[str, str]:
        return {"name": entry.actor.get_full_name() or entry.actor.username, "role": entry.actor_role}

    def get_what(self, entry: AccessEntry) -> str:
        return label_of(entry.what)


class UnitAccessEntrySerializer(AccessEntrySerializer):
    subject = serializers.SerializerMethodField()
    path = serializers.CharField()

    class Meta(AccessEntrySerializer.Meta):
        fields = [*AccessEntrySerializer.Meta.fields, "subject", "path"]

    def get_subject(self, entry: AccessEntry) -> dict[str, Any]:
        return {"id": entry.subject_id, "name": entry.subject.get_full_name() or entry.subject.username}


class Pages(PageNumberPagination):
    page_size = 50


class MyAccessLogApi(ListAPIView):
    """Who has looked at my information: every time a member of staff or a peer read or
    changed it, newest first."""

    serializer_class = AccessEntrySerializer
    pagination_class = Pages

    def get_queryset(self) -> Any:
        return selectors.access_about(person=self.request.user)


class UnitAccessLogApi(ListAPIView):
    """The access log of a coordinator's unit; ``person`` or ``actor`` narrow it to one person
    the information is about, or to one member of staff or peer."""

    serializer_class = UnitAccessEntrySerializer
    pagination_class = Pages

    @extend_schema(
        parameters=[
            OpenApiParameter("person", int, description="only entries about this person"),
            OpenApiParameter("actor", int, description="only entries by this member of staff or peer"),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if not getattr(self.request.user, "is_coordinator", False):
            raise NotFound(_("Not found."))
        query = IdQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.access_in_unit(
            coordinator=self.request.user,
            person_id=query.validated_data.get("person"),
            actor_id=query.validated_data.get("actor"),
        )


class IdQuerySerializer(serializers.Serializer):
    person = fields.IdField(required=False)
    actor = fields.IdField(required=False)
