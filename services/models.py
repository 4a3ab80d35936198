"""The service directory: organisations, their services and the places they are found, with
opening hours, categories by need, and short pages about rights.

Shaped after the Open Referral Human Services Data Specification (HSDS 3.0), so a directory
can be exchanged instead of retyped (``services.hsds``): every row that travels has a stable
``hsds_id``. A location's weekly hours may run past midnight (closes before it opens); on a
Norwegian public holiday a location is closed unless ``open_on_holidays``; an exception for
one date overrides the week.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A need a service helps with: a term of the HSDS taxonomy ``triangel-needs``."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_nb if (get_language() or "nb").startswith("nb") else self.name_en


class Organization(models.Model):
    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    class Cost(models.TextChoices):
        FREE = "free", _("free")
        LOW = "low", _("low cost")
        PAID = "paid", _("costs money")

    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what it is"))
    eligibility = models.TextField(_("who it is for"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    cost = models.CharField(_("cost"), max_length=4, choices=Cost.choices, default=Cost.FREE)
    # ISO 639-1 codes, comma-separated ("nb,en,ar").
    languages = models.CharField(_("languages"), max_length=100, blank=True, default="nb")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    url = models.URLField(_("web page"), blank=True)
    categories = models.ManyToManyField(Category, related_name="services", blank=True)
    last_verified = models.DateField(_("last verified"))
    is_active = models.BooleanField(_("shown"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [models.CheckConstraint(condition=Q(cost__in=["free", "low", "paid"]), name="service_cost_valid")]

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]


class Location(models.Model):
    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="locations")
    services = models.ManyToManyField(Service, through="ServiceAtLocation", related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Closed on Norwegian public holidays unless this says otherwise (booking.holidays).
    open_on_holidays = models.BooleanField(_("open on public holidays"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="location_coordinates_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_address(self) -> str:
        return ", ".join(part for part in [self.address, f"{self.postal_code} {self.city}".strip()] if part)


class ServiceAtLocation(models.Model):
    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE)
    location = models.ForeignKey(Location, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="service_at_location_once")]

    def __str__(self) -> str:
        return f"{self.service} @ {self.location}"


class WeeklyHours(models.Model):
    """Open from ``opens`` to ``closes`` on ``weekday`` (Oslo wall-clock time). ``closes`` before
    ``opens`` runs past midnight into the next day; 00:00–23:59 is the whole day."""

    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday … 6 = Sunday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("weekly opening hours")
        verbose_name_plural = _("weekly opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weekly_hours_weekday_range"),
            models.CheckConstraint(condition=~Q(opens=F("closes")), name="weekly_hours_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class HoursException(models.Model):
    """One date that differs from the week: closed (no times) or open only these hours."""

    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="exceptions")
    day = models.DateField(_("date"))
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("exception to the opening hours")
        verbose_name_plural = _("exceptions to the opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True) | Q(opens__isnull=False, closes__isnull=False),
                name="hours_exception_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.day}"


class RightsPage(models.Model):
    """A short, plain-language page about a right, in both languages, citing the law by name."""

    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    title_nb = models.CharField(_("title (Norwegian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_nb = models.TextField(_("text (Norwegian)"))
    body_en = models.TextField(_("text (English)"))
    law = models.CharField(_("law"), max_length=300, help_text=_("The law and sections, by name."))
    services = models.ManyToManyField(Service, related_name="rights_pages", blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("rights page")
        verbose_name_plural = _("rights pages")

    def __str__(self) -> str:
        return self.slug

    @property
    def title(self) -> str:
        return self.title_nb if (get_language() or "nb").startswith("nb") else self.title_en

    @property
    def body(self) -> str:
        return self.body_nb if (get_language() or "nb").startswith("nb") else self.body_en


class SavedService(models.Model):
    """A service in a person's own plan: saved by them, or suggested by their worker."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_services")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "service"], name="saved_service_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.service_id}"


class InfoRequest(models.Model):
    """An INFO question by SMS and its answer, kept only until the answer is sent
    (``services.tasks.purge_info_requests``): the outbox row needs the number to send to."""

    number = models.CharField(max_length=30)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"info {self.pk}"
