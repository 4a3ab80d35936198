import hashlib
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

DEFAULT_TIME_ZONE = "Europe/Oslo"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Unit(models.Model):
    """A municipal follow-up service (e.g. 'Oppfølgingstjenesten Sentrum')."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    directions = models.TextField(_("how to get there"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIME_ZONE)
    # Where the unit is: INFO by SMS measures distances from here for the unit's people.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("service unit")
        verbose_name_plural = _("service units")

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """The unit's opening hours: several intervals per weekday are allowed."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday … 6 = Sunday"))
    start = models.TimeField(_("opens"))
    end = models.TimeField(_("closes"))

    class Meta:
        ordering = ["unit", "weekday", "start"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="opening_hours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.weekday} {self.start:%H:%M}–{self.end:%H:%M}"


class User(AbstractUser):
    """Everyone who signs in: service users, social workers, peers and coordinators."""

    class Role(models.TextChoices):
        SERVICE_USER = "service_user", _("service user")
        SOCIAL_WORKER = "social_worker", _("social worker")
        PEER = "peer", _("peer supporter")
        COORDINATOR = "coordinator", _("coordinator")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    class Language(models.TextChoices):
        NB = "nb", "Norsk bokmål"
        EN = "en", "English"

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SERVICE_USER)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="members", null=True, blank=True, verbose_name=_("unit")
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.SMS
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.NB)
    timezone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIME_ZONE)
    # Signing in through OpenID Connect (people.oidc). A service user is known by the keyed hash
    # of their national identity number, which their unit records; the number is never stored.
    # A member of staff is known by the subject (``sub``) the staff provider gives them.
    pid_hash = models.CharField(
        _("national identity number (keyed hash)"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    oidc_subject = models.CharField(
        _("subject at the identity provider"), max_length=255, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["service_user", "social_worker", "peer", "coordinator"]),
                name="user_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_service_user(self) -> bool:
        return self.role == self.Role.SERVICE_USER

    @property
    def is_social_worker(self) -> bool:
        return self.role == self.Role.SOCIAL_WORKER

    @property
    def is_peer(self) -> bool:
        return self.role == self.Role.PEER

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR

    @property
    def is_staff_member(self) -> bool:
        """Works in the service (every role but service user), or may open the admin: someone who
        sees other people's information, so their sign-ins end sooner."""
        return not self.is_service_user or self.is_staff

    @property
    def has_calendar_role(self) -> bool:
        return self.role in (self.Role.SOCIAL_WORKER, self.Role.PEER)

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return ".".join(p[0].upper() for p in parts) + "." if parts else self.username[:2]

    @property
    def short_name(self) -> str:
        """How messages name a person: the first name only (the user name if there is none)."""
        return self.first_name or self.username


class PhoneNumber(models.Model):
    """One of a person's phone numbers. Exactly one may be active at a time (the main number),
    and at most one other may be the spare.

    People lose, sell or borrow phones, so old numbers are kept (inactive) rather than
    overwritten: the history explains why a reminder went where it went.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_numbers")
    number = PhoneNumberField(_("number"), region="NO")
    label = models.CharField(_("label"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    # A spare number (a family member's phone, say): never the main number, never signs anyone
    # in, and used only for the meeting reminders the person chose while no main number is in
    # use (``reminders.sending``).
    is_spare = models.BooleanField(_("spare"), default=False)
    # Set when a provider reports the number as permanently unreachable.
    unusable_since = models.DateTimeField(_("unusable since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_active", "-created_at"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(fields=["user", "number"], name="phone_number_unique_per_user"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_active=True), name="phone_number_one_active_per_user"
            ),
            # A number in use signs its owner in by SMS, so it can be in use for one person only.
            models.UniqueConstraint(
                fields=["number"], condition=Q(is_active=True), name="phone_number_active_for_one_person"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_spare=True), name="phone_number_one_spare_per_user"
            ),
            models.CheckConstraint(condition=~Q(is_spare=True, is_active=True), name="phone_number_spare_not_active"),
        ]

    def __str__(self) -> str:
        return str(self.number)


class Caseload(models.Model):
    """Which social worker follows which service user, and when.

    Rows are never deleted: a handover ends one row and starts another, so the
    history of who followed the user stays complete.
    """

    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="caseload_entries")
    client = models.ForeignKey(User, on_delete=models.PROTECT, related_name="followed_by")
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("caseload entry")
        verbose_name_plural = _("caseload")
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(ended_at__isnull=True), name="caseload_one_active_worker_per_client"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=models.F("started_at")),
                name="caseload_end_after_start",
            ),
            models.CheckConstraint(condition=~Q(worker=models.F("client")), name="caseload_not_self"),
        ]
        indexes = [models.Index(fields=["worker", "ended_at"], name="caseload_worker_active_idx")]

    def __str__(self) -> str:
        return f"{self.worker} → {self.client}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class SignInCode(models.Model):
    """A one-time code (SMS) or link token (e-mail) for signing in without a password.

    Only a hash is stored. A code expires, works once, and allows a few wrong guesses.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS code")
        EMAIL = "email", _("e-mail link")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_codes")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="signin_code_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="signin_code_expires")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for {self.user_id}"


class ApiToken(models.Model):
    """One sign-in to the API: a secret handed out once by ``/api/auth/token/``, of which only
    the hash is kept. It works until ``expires_at`` or until it is ended (the row is deleted).

    The secret is 32 random bytes, so a plain SHA-256 is enough: a slow password hash guards
    guessable secrets, and nobody guesses 256 random bits; a fast one keeps the lookup on every
    API request to one indexed equality."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    # What signed in ("API", or the program's User-Agent), so a person can tell their sign-ins apart.
    label = models.CharField(_("signed in with"), max_length=100)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("API sign-in")
        verbose_name_plural = _("API sign-ins")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires")
        ]

    def __str__(self) -> str:
        return f"{self.label} for {self.user_id}"

    @staticmethod
    def hash_of(secret: str) -> str:
        """What is stored of a secret, and looked up when it is shown."""
        return hashlib.sha256(secret.encode()).hexdigest()


class Erasure(models.Model):
    """A person erased at a coordinator's request (GDPR art. 17): who did it, when and why.

    The person's row stays (other rows point at it) but holds nothing that says who it was;
    the reason is the coordinator's own words about the decision."""

    person = models.OneToOneField(User, on_delete=models.PROTECT, related_name="erasure")
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"erasure of {self.person_id}"
