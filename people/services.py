"""Writes for people: contact points, caseloads, signing in and API tokens."""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber as ParsedNumber
from phonenumber_field.phonenumber import to_python

from audit import records
from config.errors import ApplicationError, Conflict, NotFound
from messaging.models import Channel, Delivery
from messaging.sending import delivery_send_now
from people.models import ApiToken, Caseload, Erasure, PhoneNumber, SignInCode, User

logger = logging.getLogger(__name__)


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
    in_use = _("This number is already in use by someone else. Ask your social worker for help.")
    if make_active and PhoneNumber.objects.filter(number=number, is_active=True).exclude(user=user).exists():
        raise ApplicationError(in_use, code="phone_in_use", fields={"number": [in_use]})
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=user.pk).first()
            phone, _created = PhoneNumber.objects.get_or_create(user=user, number=number, defaults={"label": label})
            if make_active:
                retired = (
                    PhoneNumber.objects.filter(user=user, is_active=True).exclude(pk=phone.pk).update(is_active=False)
                )
                if retired:
                    # A code sent to the old number must not sign anyone in: the phone may be
                    # lost, sold or in someone else's hands.
                    SignInCode.objects.filter(
                        user=user, channel=SignInCode.Channel.SMS, used_at__isnull=True, expires_at__gt=timezone.now()
                    ).update(expires_at=timezone.now())
                phone.is_active = True
                # The spare, made the main number, is no longer the spare.
                phone.is_spare = False
                phone.unusable_since = None
                phone.save(update_fields=["is_active", "is_spare", "unusable_since"])
    except IntegrityError as exc:  # someone else took the number at the same moment
        raise ApplicationError(in_use, code="phone_in_use", fields={"number": [in_use]}) from exc
    return phone


def user_language_set(*, user: User, language: str) -> User:
    """The language Triangel speaks to ``user`` in: pages, SMS and e-mails. One of
    ``User.Language``; anything else is refused with the choices named."""
    if language not in User.Language.values:
        choices = ", ".join(User.Language.values)
        raise ApplicationError(
            _("Choose one of these languages: %(choices)s.") % {"choices": choices},
            code="invalid_language",
            fields={"language": [_("Choose one of: %(choices)s.") % {"choices": choices}]},
        )
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


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


# --- Signing in without a password ------------------------------------------------------------

SIGN_IN_CODE_TTL = timedelta(minutes=10)
SIGN_IN_LINK_TTL = timedelta(minutes=20)
SIGN_IN_MAX_CODES = 3  # codes sent per person per window
SIGN_IN_WINDOW = timedelta(minutes=15)
SIGN_IN_MAX_GUESSES = 5  # wrong guesses before a code stops working
# The outbox kinds of sign-in messages (people.sending prepares them).
SIGN_IN_CODE, SIGN_IN_LINK = "sign_in_code", "sign_in_link"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _recent_codes(user: User, channel: str, now: datetime) -> int:
    return SignInCode.objects.filter(user=user, channel=channel, created_at__gte=now - SIGN_IN_WINDOW).count()


def _send_now(*, entry: SignInCode, to: str, kind: str, secret: dict[str, str], now: datetime) -> None:
    """Sign-in messages go out at once from the request: a person is waiting for them. They
    pass through the outbox like every message (a row, its attempt and outcome recorded),
    but the secret is never stored: a message that cannot go now is not retried, the
    person is told and asks again."""
    row = Delivery(
        recipient=entry.user,
        kind=kind,
        channel=Channel.SMS if entry.channel == SignInCode.Channel.SMS else Channel.EMAIL,
        about="sign_in_code",
        about_id=entry.pk,
        occurrence_at=now,
        due_at=now,
        expires_at=entry.expires_at,
        dedupe_key=f"sign-in:{entry.pk}",
    )
    if not delivery_send_now(row, transient={**secret, "to": to}, now=now):
        logger.warning("sign-in message not sent (delivery %s)", row.pk)
        raise ApplicationError(
            _("We could not send the message just now. Try again in a minute, or ask your social worker."),
            code="not_sent",
        )


def sign_in_code_send(*, raw_phone: str, now: datetime | None = None) -> None:
    """Send a six-digit code to the person with this active phone number.

    Says nothing about whether the number is known: the caller shows the same page either way.
    Raises ApplicationError for a malformed number.
    """
    now = now or timezone.now()
    number = parse_phone(raw_phone)
    phone = (
        PhoneNumber.objects.filter(number=number, is_active=True, unusable_since__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if phone is None or _recent_codes(phone.user, SignInCode.Channel.SMS, now) >= SIGN_IN_MAX_CODES:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    # The hash covers the user id too, so equal codes of two people never collide.
    entry = SignInCode.objects.create(
        user=phone.user,
        channel=SignInCode.Channel.SMS,
        secret_hash=_hash(f"{phone.user_id}:{code}"),
        expires_at=now + SIGN_IN_CODE_TTL,
    )
    _send_now(entry=entry, to=str(phone.number), kind=SIGN_IN_CODE, secret={"code": code}, now=now)


def sign_in_code_verify(*, raw_phone: str, code: str, now: datetime | None = None) -> User:
    """The person, if ``code`` is the latest unused, unexpired code sent to this number.

    Every wrong guess counts against the code; after SIGN_IN_MAX_GUESSES it stops working.
    Raises ApplicationError with one message for every kind of failure.
    """
    now = now or timezone.now()
    wrong = ApplicationError(
        _("That code is wrong or too old. Ask for a new code."), code="bad_code", fields={"code": [_("Wrong code.")]}
    )
    try:
        number = parse_phone(raw_phone)
    except ApplicationError as exc:
        raise wrong from exc
    phone = (
        PhoneNumber.objects.filter(number=number, is_active=True, user__is_active=True).select_related("user").first()
    )
    if phone is None:
        raise wrong
    with transaction.atomic():
        latest = (
            SignInCode.objects.select_for_update()
            .filter(user=phone.user, channel=SignInCode.Channel.SMS, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if latest is None or latest.failed_attempts >= SIGN_IN_MAX_GUESSES:
            raise wrong
        if not hmac.compare_digest(latest.secret_hash, _hash(f"{phone.user_id}:{code.strip()}")):
            # Counted in this transaction, which commits: the refusal is raised after it.
            SignInCode.objects.filter(pk=latest.pk).update(failed_attempts=F("failed_attempts") + 1)
            wrong_guess = True
        else:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            wrong_guess = False
    if wrong_guess:
        raise wrong
    return phone.user


def sign_in_link_send(*, email: str, link_for: Callable[[str], str], now: datetime | None = None) -> None:
    """E-mail a one-time sign-in link. Silent for unknown addresses (same page either way)."""
    now = now or timezone.now()
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or _recent_codes(user, SignInCode.Channel.EMAIL, now) >= SIGN_IN_MAX_CODES:
        return
    token = secrets.token_urlsafe(32)
    entry = SignInCode.objects.create(
        user=user, channel=SignInCode.Channel.EMAIL, secret_hash=_hash(token), expires_at=now + SIGN_IN_LINK_TTL
    )
    _send_now(entry=entry, to=user.email, kind=SIGN_IN_LINK, secret={"link": link_for(token)}, now=now)


def sign_in_link_use(*, token: str, now: datetime | None = None) -> User:
    """Use a sign-in link once. Raises ApplicationError if it is unknown, used or expired."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            SignInCode.objects.select_for_update()
            .select_related("user")
            .filter(
                secret_hash=_hash(token), channel=SignInCode.Channel.EMAIL, used_at__isnull=True, expires_at__gt=now
            )
            .first()
        )
        if entry is None or not entry.user.is_active:
            raise ApplicationError(_("This link is used or too old. Ask for a new one."), code="bad_link")
        entry.used_at = now
        entry.save(update_fields=["used_at"])
    return entry.user


def phone_number_replace(*, actor: User, client: User, raw: str) -> PhoneNumber:
    """'Lost my phone': staff who follow the person set a new active number in one step."""
    from people.selectors import clients_manageable_by

    if not clients_manageable_by(actor=actor).filter(pk=client.pk).exists():
        raise ApplicationError(_("You can only change numbers for people you follow."), code="not_allowed")
    return phone_number_add(user=client, raw=raw, make_active=True, label=_("new number"))


def phone_number_mark_lost(*, actor: User, client: User, now: datetime | None = None) -> int:
    """'Lost my phone' before there is a new number: the main number stops being used (it is a
    stranger's from now: it signs no one in and its texts change nothing). The person
    themselves, or staff who follow them, may do it. Meeting reminders the person chose to
    send to their spare number go there until a new main number is set. How many numbers
    stopped being used (0 when none was)."""
    from people.selectors import clients_manageable_by

    if actor.pk != client.pk and not clients_manageable_by(actor=actor).filter(pk=client.pk).exists():
        raise ApplicationError(_("You can only change numbers for people you follow."), code="not_allowed")
    now = now or timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=client.pk).first()
        lost = PhoneNumber.objects.filter(user=client, is_active=True).update(is_active=False)
        if lost:
            SignInCode.objects.filter(
                user=client, channel=SignInCode.Channel.SMS, used_at__isnull=True, expires_at__gt=now
            ).update(expires_at=now)
    return lost


def phone_number_spare_set(*, user: User, raw: str) -> PhoneNumber:
    """Make ``raw`` the person's spare number (a family member's phone, say), in place of any
    spare before. It is never the main number: it signs no one in, and only the meeting
    reminders the person chose go to it, only while they have no main number in use."""
    number = parse_phone(raw)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        phone = PhoneNumber.objects.filter(user=user, number=number).first()
        if phone is not None and phone.is_active:
            message = _("That is the number you use now. A spare number must be another one.")
            raise ApplicationError(message, code="spare_is_main", fields={"number": [message]})
        PhoneNumber.objects.filter(user=user, is_spare=True).exclude(number=number).update(is_spare=False)
        if phone is None:
            return PhoneNumber.objects.create(user=user, number=number, is_spare=True, label=_("spare number"))
        phone.is_spare = True
        phone.unusable_since = None
        phone.save(update_fields=["is_spare", "unusable_since"])
    return phone


def phone_number_spare_remove(*, user: User) -> int:
    """The person has no spare number any more (the row stays, for the history)."""
    return PhoneNumber.objects.filter(user=user, is_spare=True).update(is_spare=False)


# --- API tokens -------------------------------------------------------------------------------

# Live sign-ins a person may hold; signing in once more ends the oldest. A program that signs in
# for every call instead of keeping its token would otherwise fill the table and the person's list.
API_TOKENS_PER_PERSON = 20
API_TOKEN_LABEL_LENGTH = 100


def api_token_lifetime(user: User) -> timedelta:
    """How long a new token of ``user`` works: staff see other people's information, so a working
    day (API_TOKEN_HOURS_STAFF); a service user a month (API_TOKEN_DAYS_SERVICE_USER)."""
    if user.is_staff_member:
        return timedelta(hours=settings.API_TOKEN_HOURS_STAFF)
    return timedelta(days=settings.API_TOKEN_DAYS_SERVICE_USER)


def api_token_issue(*, user: User, label: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new API sign-in for ``user``: the row, and the secret to hand out now. The secret is not
    stored (only its hash), so it can never be shown again."""
    now = now or timezone.now()
    # A User-Agent is whatever the caller sent: no control characters (PostgreSQL refuses NUL).
    label = "".join(c for c in label if c.isprintable()).strip()[:API_TOKEN_LABEL_LENGTH] or "API"
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        older = ApiToken.objects.filter(user=user, expires_at__gt=now).order_by("-created_at", "-pk")
        ended = list(older.values_list("pk", flat=True)[API_TOKENS_PER_PERSON - 1 :])
        if ended:
            ApiToken.objects.filter(pk__in=ended).delete()
        token = ApiToken.objects.create(
            user=user,
            key_hash=ApiToken.hash_of(secret),
            label=label,
            created_at=now,
            expires_at=now + api_token_lifetime(user),
        )
    return token, secret


def api_token_revoke(*, user: User, token_id: int) -> None:
    """End one of ``user``'s own sign-ins. Raises NotFound for anyone else's, or one that is gone."""
    deleted, _per_model = ApiToken.objects.filter(pk=token_id, user=user).delete()
    if not deleted:
        raise NotFound(_("Not found."))


def api_token_revoke_all(*, user: User, keep: ApiToken | None = None) -> int:
    """End all of ``user``'s sign-ins but ``keep`` (the one in use, say); how many ended."""
    tokens = ApiToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    return tokens.delete()[0]


def api_tokens_purge(*, now: datetime | None = None) -> int:
    """Delete expired tokens (they no longer sign anyone in); how many. Safe to run twice."""
    return ApiToken.objects.filter(expires_at__lte=now or timezone.now()).delete()[0]


# --- Erasure ----------------------------------------------------------------------------------


def person_erase(*, actor: User, person_id: int, reason: str, now: datetime | None = None) -> Erasure:
    """Erase a service user of the coordinator's unit from every app (``audit.records``), in one
    transaction: afterwards they cannot sign in and no table holds their name, numbers, e-mail
    or words, while their meetings stay as anonymous rows for the unit's statistics.

    Raises NotFound unless ``actor`` coordinates the person's unit, ApplicationError without a
    reason, Conflict if the person is already erased or still has meetings ahead."""
    now = now or timezone.now()
    if not actor.is_coordinator or actor.unit_id is None:
        raise NotFound(_("Not found."))
    person = User.objects.filter(pk=person_id, role=User.Role.SERVICE_USER, unit_id=actor.unit_id).first()
    if person is None:
        raise NotFound(_("Not found."))
    reason = (reason or "").strip()
    if not reason:
        message = _("Write why the person is erased (not their name).")
        raise ApplicationError(message, fields={"reason": [message]})
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=person.pk).first()
        if Erasure.objects.filter(person=person).exists():
            raise Conflict(_("This person is already erased."), code="already_erased")
        # Meetings ahead would stay in the staff's calendars with nobody to come: they are
        # cancelled first, by someone who can tell the people who were to meet them.
        blockers = records.erase_blockers(person, now)
        if blockers:
            raise Conflict(" ".join(blockers), code="erase_blocked")
        records.erase_all(person, now)
        return Erasure.objects.create(person=person, by=actor, at=now, reason=reason[:500])
