"""API sign-in with a token (``Authorization: Token …``), in one prepared query.

Every API request starts here, so the token and its person are read with SQL compiled once
(see ``config.prepared``) instead of a queryset built for each request: one indexed lookup of
the secret's hash (``ApiToken.key_hash`` is unique) that also refuses an expired token. The
answers are DRF's: an unknown, expired or ended token, or an inactive person, is refused with 401.
"""

import re
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from config import prepared
from people.models import ApiToken, User

_TOKEN_PATHS = prepared.field_paths(ApiToken)
_USER_PATHS = prepared.field_paths(User, "user__")
# What a secret can be: 43 characters of base64url (``secrets.token_urlsafe(32)``), or the 40
# letters and digits of a token made before tokens were hashed (moved over by a migration and
# working until they expire). Anything else is refused before the query: it matches no token,
# and a NUL byte, say, PostgreSQL would not even compare.
_KEY_TEXT = re.compile(r"[0-9A-Za-z_-]{43}|[0-9A-Za-z]{40}")


def _token_with_user(key_hash: str, now: datetime) -> QuerySet:
    return ApiToken.objects.filter(key_hash=key_hash, expires_at__gt=now).values_list(*_TOKEN_PATHS, *_USER_PATHS)


class TokenAuthentication(authentication.TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        if not _KEY_TEXT.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        found = prepared.rows("api-token-with-user", _token_with_user, [ApiToken.hash_of(key), timezone.now()])
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = found[0]
        token = prepared.instance(ApiToken, row[: len(_TOKEN_PATHS)])
        user = prepared.instance(User, row[len(_TOKEN_PATHS) :])
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
