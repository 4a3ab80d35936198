"""Passwords of CalDAV calendars, stored encrypted and never shown again."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.crypto import salted_hmac


def _fernet() -> Fernet:
    # CALENDAR_CREDENTIALS_KEY lets a municipality rotate the secret key without losing the
    # stored passwords; without it, a key derived from DJANGO_SECRET_KEY.
    if settings.CALENDAR_CREDENTIALS_KEY:
        digest = hashlib.sha256(settings.CALENDAR_CREDENTIALS_KEY.encode()).digest()
    else:
        digest = salted_hmac("triangel.booking.external.credentials", "calendar", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode() if password else ""


def unseal(sealed: str) -> str:
    """The password, or "" when there is none or the key has changed (the worker types it again)."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
