"""Writes of the service directory: curation by coordinators, and a person's saved services."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, NotFound
from people.models import User
from people.selectors import is_in_caseload
from services.models import Category, Location, Organization, RightsPage, SavedService, Service


def _coordinator(actor: User) -> None:
    if not (actor.is_coordinator and actor.unit_id):
        raise NotFound(_("Not found."))


@transaction.atomic
def service_save(
    *,
    actor: User,
    service: Service | None,
    organization_name: str,
    category_codes: list[str],
    location: dict[str, Any],
    weekly: list[tuple[int, Any, Any]],
    open_on_holidays: bool,
    **fields: Any,
) -> Service:
    """Create or change a service with one location and its weekly hours (a coordinator's form).

    Saving is verifying: the coordinator has just looked at it."""
    _coordinator(actor)
    organization, _created = Organization.objects.get_or_create(name=organization_name.strip())
    if service is None:
        service = Service(organization=organization, last_verified=timezone.localdate(), **fields)
    else:
        service.organization = organization
        for name, value in fields.items():
            setattr(service, name, value)
        service.last_verified = timezone.localdate()
    service.save()
    service.categories.set(Category.objects.filter(code__in=category_codes))
    place = service.locations.first() or Location(organization=organization)
    place.organization = organization
    place.open_on_holidays = open_on_holidays
    for name, value in location.items():
        setattr(place, name, value)
    place.save()
    service.locations.add(place)
    place.weekly_hours.all().delete()
    place.weekly_hours.bulk_create(
        [place.weekly_hours.model(location=place, weekday=d, opens=o, closes=c) for d, o, c in weekly]
    )
    return service


def service_verify(*, actor: User, service_id: int, today: date | None = None) -> Service:
    """The coordinator has checked the entry is still right."""
    _coordinator(actor)
    service = Service.objects.filter(pk=service_id).first()
    if service is None:
        raise NotFound(_("Not found."))
    service.last_verified = today or timezone.localdate()
    service.save(update_fields=["last_verified", "updated_at"])
    return service


def rights_page_save(*, actor: User, page: RightsPage, service_ids: list[int], **fields: Any) -> RightsPage:
    _coordinator(actor)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(page, name, value)
        page.save()
        page.services.set(Service.objects.filter(pk__in=service_ids))
    return page


def saved_service_add(*, actor: User, client: User, service_id: int) -> SavedService:
    """Save a service to ``client``'s plan: the person themself, or their worker suggesting it.

    Anyone else is told the person does not exist (404). Saving twice keeps one row."""
    suggesting = actor.pk != client.pk
    if not client.is_service_user or (suggesting and not is_in_caseload(worker=actor, client=client)):
        raise NotFound(_("Not found."))
    service = Service.objects.filter(pk=service_id, is_active=True).first()
    if service is None:
        raise ApplicationError(_("That service is no longer in the directory."), code="service_gone")
    saved, _created = SavedService.objects.get_or_create(
        user=client, service=service, defaults={"suggested_by": actor if suggesting else None}
    )
    return saved


def saved_service_remove(*, user: User, service_id: int) -> None:
    SavedService.objects.filter(user=user, service_id=service_id).delete()
