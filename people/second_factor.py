"""The second factor that staff show after their password: a time-based code (TOTP) from an
authenticator app, or one of ten recovery codes, each usable once.

Anyone who can read what Triangel holds about service users shows one (Normen asks for it):
social workers, peers, coordinators and admins. Service users sign in with an SMS code, an
e-mail link or a password, without. The devices are django-otp's; this module is the one
place that creates, confirms and checks them."""

import base64
import secrets

import segno
from django.conf import settings
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import User

# The demo's staff share one secret, so the demo works from any authenticator app at once
# (base32, 160 bits; printed with the demo logins). Never used outside seed_demo.
DEMO_TOTP_SECRET = "TRIANGELDEMOTOTPTRIANGELDEMOTOTP"
APP_DEVICE = "authenticator app"
RECOVERY_DEVICE = "recovery codes"


def needs_second_factor(user: User) -> bool:
    """Everyone but service users: whoever can read other people's information."""
    return not user.is_service_user or user.is_staff or user.is_superuser


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def verify(*, user: User, code: str) -> str | None:
    """Which kind of code ``code`` is for ``user`` ("totp" or "recovery"), or None if wrong.

    A TOTP code is accepted once (django-otp remembers the last time step used), a recovery
    code is used up. Spaces and dashes people type from the printed list are ignored."""
    cleaned = "".join(code.split()).replace("-", "").lower()
    if not cleaned or len(cleaned) > 16 or not cleaned.isalnum():
        return None
    device = match_token(user, cleaned)
    if device is None:
        return None
    return "recovery" if isinstance(device, StaticDevice) else "totp"


def totp_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed app device with a fresh secret (an unfinished earlier one is dropped)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def totp_pending(*, user: User, device_id: int) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, pk=device_id, confirmed=False).first()


def totp_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app device with a code it shows, and make a new set of recovery codes.

    Returns the recovery codes, to be shown once, or None if the code is wrong."""
    cleaned = "".join(code.split())
    if not (cleaned.isdigit() and device.verify_token(cleaned)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_new(user=user)


def recovery_codes_new(*, user: User) -> list[str]:
    """Replace the person's recovery codes with ``OTP_RECOVERY_CODES`` new ones."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
        codes = [secrets.token_hex(5) for _ in range(settings.OTP_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an app by hand: base32 in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code, as an image the page can show without a request."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def enrol_demo(*, user: User) -> TOTPDevice:
    """Give a demo staff account the shared demo secret (seed_demo only)."""
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE, key=key, confirmed=True)
