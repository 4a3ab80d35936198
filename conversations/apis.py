"""API for conversations: the caller's threads, their messages, writing and reading. Thin:
who may read what is decided in ``conversations.selectors``, rules in ``services``."""

from typing import Any

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import config.converters  # noqa: F401  (registers <id:…>, the ids in the paths below)
from config import fields
from config.errors import ApplicationError
from config.schema import errors
from conversations import selectors, services
from conversations.models import MESSAGE_MAX_LENGTH, Message, Thread
from people.models import User

KEY_MAX = 100


def name_for(person: User, viewer: User) -> str:
    """Staff see a person's full name; everyone else a first name (as on peers' pages)."""
    if viewer.is_social_worker or viewer.is_coordinator:
        return person.get_full_name() or person.short_name
    return person.short_name


# --- Shapes ------------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()


class ThreadSerializer(serializers.ModelSerializer):
    client = serializers.SerializerMethodField()
    others = serializers.SerializerMethodField(help_text="Who else takes part now, by the rules of the thread's kind")
    unread = serializers.SerializerMethodField(help_text="Messages from others the caller has not read")

    class Meta:
        model = Thread
        fields = ["id", "kind", "client", "others", "group", "created_at", "last_message_at", "unread"]

    def _person(self, person: User) -> dict[str, Any]:
        return {"id": person.pk, "name": name_for(person, self.context["viewer"]), "role": person.role}

    @extend_schema_field(PersonSerializer)
    def get_client(self, obj: Thread) -> dict[str, Any]:
        return self._person(obj.client)

    @extend_schema_field(PersonSerializer(many=True))
    def get_others(self, obj: Thread) -> list[dict[str, Any]]:
        viewer = self.context["viewer"]
        return [self._person(p) for p in selectors.participants(obj) if p.pk != viewer.pk]

    def get_unread(self, obj: Thread) -> int:
        return self.context.get("unread", {}).get(obj.pk, 0)


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    via = serializers.CharField(help_text="How it was written: web, sms or api")
    mine = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField(
        help_text="For the caller's own messages: sent, delivered (another's page or app has it) or read; else null"
    )

    class Meta:
        model = Message
        fields = ["id", "thread", "author", "mine", "text", "created_at", "via", "danger", "state"]

    @extend_schema_field(PersonSerializer)
    def get_author(self, obj: Message) -> dict[str, Any]:
        viewer = self.context["viewer"]
        return {"id": obj.author_id, "name": name_for(obj.author, viewer), "role": obj.author.role}

    def get_mine(self, obj: Message) -> bool:
        return obj.author_id == self.context["viewer"].pk

    @extend_schema_field(serializers.ChoiceField(choices=["sent", "delivered", "read"], allow_null=True))
    def get_state(self, obj: Message) -> str | None:
        if obj.author_id != self.context["viewer"].pk:
            return None
        if "marks" not in self.context:
            self.context["marks"] = selectors.marks_of_others(obj.thread, self.context["viewer"])
        return selectors.state_of(obj, self.context["marks"])


class ThreadStartSerializer(serializers.Serializer):
    group = fields.IdField(required=False, help_text="The responsibility group to write to")

    def get_fields(self) -> dict[str, serializers.Field]:
        # "with" is a Python keyword, so it cannot be declared as a class attribute.
        return {"with": fields.IdField(required=False, help_text="The person to write to"), **super().get_fields()}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("with" in attrs) == ("group" in attrs):
            raise serializers.ValidationError(_("Give either a person ('with') or a group ('group')."))
        return attrs


class MessagePostSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MESSAGE_MAX_LENGTH + 200, trim_whitespace=False, allow_blank=True)


class ReadSerializer(serializers.Serializer):
    up_to = fields.IdField(required=False, help_text="The last message read; the newest when left out")


class ReadStateSerializer(serializers.Serializer):
    last_read = serializers.IntegerField(allow_null=True)
    unread = serializers.IntegerField(help_text="Unread messages in all the caller's threads")


# --- Views -------------------------------------------------------------------------------------


class ThreadListApi(APIView):
    @extend_schema(responses=ThreadSerializer(many=True), summary="The caller's conversations, newest first")
    def get(self, request: Request) -> Response:
        threads = list(selectors.threads_of(request.user)[:200])
        context = {"viewer": request.user, "unread": selectors.unread_by_thread(request.user)}
        return Response(ThreadSerializer(threads, many=True, context=context).data)

    @extend_schema(
        request=ThreadStartSerializer,
        responses={201: ThreadSerializer, 200: ThreadSerializer, **errors(404, 422)},
        summary="Start a conversation with a person or a group; 200 with the one that exists",
    )
    def post(self, request: Request) -> Response:
        body = ThreadStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        thread, created = services.thread_start(
            actor=request.user, with_id=data.get("with"), group_id=data.get("group")
        )
        thread = selectors.thread_get(request.user, thread.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ThreadSerializer(thread, context={"viewer": request.user}).data, status=code)


class ThreadApi(APIView):
    @extend_schema(responses={200: ThreadSerializer}, summary="One of the caller's conversations")
    def get(self, request: Request, thread_id: int) -> Response:
        thread = selectors.thread_get(request.user, thread_id)
        context = {"viewer": request.user, "unread": selectors.unread_by_thread(request.user)}
        return Response(ThreadSerializer(thread, context=context).data)


def _after(request: Request) -> int:
    raw = request.query_params.get("after", "0") or "0"
    try:
        after = fields.IdField(min_value=0).run_validation(raw)
    except serializers.ValidationError as error:
        raise ApplicationError(_("'after' must be a message id."), fields={"after": error.detail}) from error
    return after


class MessagesApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="Only messages after this id (0: from the start)")],
        responses=MessageSerializer(many=True),
        summary="A conversation's messages, oldest first (at most 200 from 'after')",
    )
    def get(self, request: Request, thread_id: int) -> Response:
        thread = selectors.thread_get(request.user, thread_id)
        messages = selectors.messages_after(thread, _after(request), viewer=request.user)
        if messages:
            services.thread_delivered(thread=thread, user=request.user, up_to=messages[-1].pk)
        return Response(MessageSerializer(messages, many=True, context={"viewer": request.user}).data)

    @extend_schema(
        request=MessagePostSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="Chosen by the app for each message: the same key again posts nothing and answers 200",
            )
        ],
        responses={201: MessageSerializer, 200: MessageSerializer, **errors(409, 422)},
        summary="Write in a conversation; 200 with the first message for a retry with the same Idempotency-Key",
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = selectors.thread_get(request.user, thread_id)
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > KEY_MAX:
            raise ApplicationError(
                _("The Idempotency-Key header is too long (%(max)d characters at most).") % {"max": KEY_MAX}
            )
        body = MessagePostSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message, created = services.message_post(
            thread=thread, author=request.user, text=body.validated_data["text"], idempotency_key=key, via="api"
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        headers = {} if created else {"Idempotent-Replayed": "true"}
        data = MessageSerializer(message, context={"viewer": request.user}).data
        return Response(data, status=code, headers=headers)


class ReadApi(APIView):
    @extend_schema(
        request=ReadSerializer,
        responses={200: ReadStateSerializer},
        summary="The caller has read a conversation (up to a message): 'mark as handled'",
    )
    def post(self, request: Request, thread_id: int) -> Response:
        thread = selectors.thread_get(request.user, thread_id)
        body = ReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        state = services.thread_read(thread=thread, user=request.user, up_to=body.validated_data.get("up_to"))
        return Response({"last_read": state.last_read_id, "unread": selectors.unread_count(request.user)})


urlpatterns: list[URLPattern] = [
    path("conversations/", ThreadListApi.as_view(), name="conversation-list"),
    path("conversations/<id:thread_id>/", ThreadApi.as_view(), name="conversation-detail"),
    path("conversations/<id:thread_id>/messages/", MessagesApi.as_view(), name="conversation-messages"),
    path("conversations/<id:thread_id>/read/", ReadApi.as_view(), name="conversation-read"),
]
