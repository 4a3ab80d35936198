"""Django's password backend, with the signed-in person of every request read by prepared SQL.

``get_user`` runs for every request with a session (pages, htmx calls, the conversation
page's "anything new?" every two seconds): the same lookup by primary key, compiled once
(``config.prepared``) instead of for each request.
"""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import QuerySet

from config import prepared
from people.models import User

_PATHS = prepared.field_paths(User)


def _by_id(user_id: int) -> QuerySet:
    return User.objects.filter(pk=user_id).values_list(*_PATHS)


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id: object) -> User | None:
        text = str(user_id)
        # The session holds the key as text; anything but a plausible id matches no one.
        if not text.isdigit() or len(text) > 18:
            return None
        found = prepared.rows("session-user", _by_id, [int(text)])
        if not found:
            return None
        user = prepared.instance(User, found[0])
        return user if self.user_can_authenticate(user) else None
