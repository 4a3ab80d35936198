"""API sign-in with a token, as DRF's ``TokenAuthentication`` does it, in one prepared query.

Every API request starts here, so the token and its person are read with SQL compiled once
(see ``config.prepared``) instead of a queryset built for each request. Same rules and
same answers: an unknown token or an inactive person is refused with 401.
"""

import re

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from config import prepared
from people.models import User

_TOKEN_PATHS = prepared.field_paths(Token)
_USER_PATHS = prepared.field_paths(User, "user__")
# What a key can be (DRF makes 40 hex digits; the column holds 40 characters). Anything else is
# refused before the query: a NUL byte, say, PostgreSQL would not even compare.
_KEY_TEXT = re.compile(r"[0-9A-Za-z]{1,40}")


def _token_with_user(key: str) -> QuerySet:
    return Token.objects.filter(key=key).values_list(*_TOKEN_PATHS, *_USER_PATHS)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        if not _KEY_TEXT.fullmatch(key):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        found = prepared.rows("token-with-user", _token_with_user, [key])
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = found[0]
        token = prepared.instance(Token, row[: len(_TOKEN_PATHS)])
        user = prepared.instance(User, row[len(_TOKEN_PATHS) :])
        token.user = user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
