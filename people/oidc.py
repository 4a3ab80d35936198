"""Who a person signed in through OpenID Connect is in Triangel (the web side is ``web.oidc``).

A service user signs in with ID-porten, which names them by their national identity number
(the ``pid`` claim). Triangel keeps only a keyed hash of it (``pid_hash``), recorded by staff
who follow the person; the number itself is never stored or logged. A member of staff signs in
with the municipality's provider and is known by its subject (``sub``), found the first time by
their e-mail address. Nobody is ever created here: a person Triangel does not know is refused.
"""

import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidLength, ValidationError
from stdnum.no import fodselsnummer

from audit import log as access_log
from config.errors import ApplicationError, NotFound
from people.models import User
from people.selectors import clients_manageable_by

logger = logging.getLogger(__name__)

STAFF_ROLES = (User.Role.SOCIAL_WORKER, User.Role.PEER, User.Role.COORDINATOR)


def pid_hash(pid: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) that stands for a national identity number.

    Spaces and dashes are ignored, so "010190 12345" and "01019012345" give the same hash."""
    if not settings.PID_HASH_KEY:
        raise ImproperlyConfigured("PID_HASH_KEY is not set: national identity numbers cannot be recorded")
    number = fodselsnummer.compact(pid)
    return hmac.new(settings.PID_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def _valid_pid(pid: str) -> str:
    try:
        return fodselsnummer.validate(pid)
    except InvalidLength as exc:
        message = _("A national identity number has 11 digits. Check that you have all of them.")
        raise ApplicationError(message, code="invalid_pid", fields={"pid": [message]}) from exc
    except ValidationError as exc:
        message = _("That is not a valid national identity number. Check the digits against an ID card.")
        raise ApplicationError(message, code="invalid_pid", fields={"pid": [message]}) from exc


def person_pid_set(*, actor: User, person_id: int, pid: str) -> User:
    """Record the national identity number of a service user ``actor`` may act for, as its keyed
    hash, so the person can sign in with ID-porten. A number recorded before is replaced.

    Raises NotFound for a person outside the actor's caseload (or unit, for a coordinator), and
    ApplicationError for a number that is not valid or is recorded for someone else."""
    person = clients_manageable_by(actor=actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("Not found."))
    digest = pid_hash(_valid_pid(pid))
    taken = _("This number is recorded for another person. Check the number, or ask the unit's coordinator.")
    if User.objects.filter(pid_hash=digest).exclude(pk=person.pk).exists():
        raise ApplicationError(taken, code="pid_in_use", fields={"pid": [taken]})
    try:
        with transaction.atomic():
            User.objects.filter(pk=person.pk).update(pid_hash=digest)
    except IntegrityError as exc:  # recorded for someone else at the same moment
        raise ApplicationError(taken, code="pid_in_use", fields={"pid": [taken]}) from exc
    access_log.saw(viewer=actor, what="identity", subjects=[(person.pk, None)], change=True)
    person.pid_hash = digest
    return person


def person_for_pid(pid: str) -> User | None:
    """The active service user whose national identity number this is; None for anyone else."""
    if not pid or not settings.PID_HASH_KEY:
        return None
    return User.objects.filter(pid_hash=pid_hash(pid), role=User.Role.SERVICE_USER, is_active=True).first()


def second_factor_shown(claims: Mapping[str, Any], provider_settings: Mapping[str, Any]) -> bool:
    """Whether the ID token shows that the provider checked a second factor: one of its ``amr``
    values, or its ``acr``, is among those the provider's settings count as one."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = amr.split()
    if {str(value) for value in amr} & set(provider_settings.get("second_factor_amr", ())):
        return True
    return str(claims.get("acr") or "") in set(provider_settings.get("second_factor_acr", ()))


def staff_for_claims(claims: Mapping[str, Any], provider_settings: Mapping[str, Any]) -> User | None:
    """The active member of staff the staff provider's ID token names; None if there is none.

    Found by the subject remembered from an earlier sign-in, else by the e-mail address (one
    active member of staff with it, in any case; not when the token says the address is
    unverified), and then the subject is remembered: afterwards the address may change at the
    provider. A member of staff linked to another subject is not taken over through the e-mail.
    With ``role_groups`` set, the groups decide the role at every sign-in, and someone in none of
    them is refused."""
    subject = str(claims.get("sub") or "")
    if not subject:
        return None
    staff = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    user = staff.filter(oidc_subject=subject).first()
    if user is None:
        if User.objects.filter(oidc_subject=subject).exists():
            return None  # the subject is someone's who is no longer active staff
        user = _staff_by_email(staff, claims)
        if user is None or not _subject_remember(user, subject):
            return None
        user.oidc_subject = subject
    role_groups = provider_settings.get("role_groups") or []
    if role_groups:
        role = _role_from_groups(claims.get(provider_settings.get("groups_claim", "groups")), role_groups)
        if role is None:
            logger.info("staff sign-in refused: user %s is in none of the groups that give a role", user.pk)
            return None
        if role != user.role:
            User.objects.filter(pk=user.pk).update(role=role)
            logger.info("staff role of user %s set to %s from the provider's groups", user.pk, role)
            user.role = role
    return user


def _staff_by_email(staff: Any, claims: Mapping[str, Any]) -> User | None:
    email = str(claims.get("email") or "").strip()
    # Entra ID sends no email_verified; Keycloak does, and an address it has not verified could
    # be anyone's.
    if not email or claims.get("email_verified") is False:
        return None
    found = list(staff.filter(email__iexact=email)[:2])
    return found[0] if len(found) == 1 else None


def _subject_remember(user: User, subject: str) -> bool:
    try:
        with transaction.atomic():
            return bool(User.objects.filter(pk=user.pk, oidc_subject__isnull=True).update(oidc_subject=subject))
    except IntegrityError:  # remembered for someone else at the same moment
        return False


def _role_from_groups(groups: Any, role_groups: Iterable[tuple[str, str] | list[str]]) -> str | None:
    if isinstance(groups, str):
        groups = [groups]
    held = {str(group) for group in groups or []}
    for group, role in role_groups:
        if group in held:
            return role
    return None
