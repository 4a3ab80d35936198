"""Writes for people: contact points and caseloads."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber as ParsedNumber
from phonenumber_field.phonenumber import to_python

from config.errors import ApplicationError
from people.models import Caseload, PhoneNumber, User


def parse_phone(raw: str) -> ParsedNumber:
    """Parse a phone number as a person would type it (Norwegian by default) or raise."""
    number = to_python(raw, region="NO")
    if not number or not number.is_valid():
        raise ApplicationError(
            _("That is not a valid phone number. Norwegian numbers have 8 digits; others need +country code."),
            code="invalid_phone",
            fields={"number": [_("Enter a valid phone number.")]},
        )
    return number


def phone_number_add(*, user: User, raw: str, make_active: bool = True, label: str = "") -> PhoneNumber:
    """Add a number (or re-activate it if the person had it before). A new active number
    replaces the old one as active; the old one is kept for the history."""
    number = parse_phone(raw)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        phone, _created = PhoneNumber.objects.get_or_create(user=user, number=number, defaults={"label": label})
        if make_active:
            PhoneNumber.objects.filter(user=user, is_active=True).exclude(pk=phone.pk).update(is_active=False)
            phone.is_active = True
            phone.unusable_since = None
            phone.save(update_fields=["is_active", "unusable_since"])
    return phone


def caseload_assign(*, worker: User, client: User, at: datetime | None = None) -> Caseload:
    """Make ``worker`` the one following ``client`` from ``at``; any current entry ends then.

    The history is kept: earlier entries are ended, never changed or deleted.
    """
    if not worker.is_social_worker:
        raise ApplicationError(_("Only a social worker can have a caseload."), code="invalid_worker")
    if not client.is_service_user:
        raise ApplicationError(_("Only service users can be in a caseload."), code="invalid_client")
    at = at or timezone.now()
    try:
        with transaction.atomic():
            current = Caseload.objects.select_for_update().filter(client=client, ended_at__isnull=True).first()
            if current is not None:
                if current.worker_id == worker.pk:
                    return current
                current.ended_at = at
                current.save(update_fields=["ended_at"])
            return Caseload.objects.create(worker=worker, client=client, started_at=at)
    except IntegrityError as exc:
        raise ApplicationError(_("The caseload changed at the same time. Try again."), code="conflict") from exc
