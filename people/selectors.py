from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, QuerySet
from django.utils import timezone

from audit import records
from people.models import ApiToken, Caseload, PhoneNumber, User


def active_caseload_exists(*, worker_ref: object, client: User) -> Exists:
    """An Exists() that is true when ``client`` is in the active caseload of ``worker_ref``."""
    return Exists(Caseload.objects.filter(worker=worker_ref, client=client, ended_at__isnull=True))


def is_in_caseload(*, worker: User, client: User) -> bool:
    return Caseload.objects.filter(worker=worker, client=client, ended_at__isnull=True).exists()


def clients_of(*, worker: User) -> QuerySet[User]:
    return User.objects.filter(
        followed_by__worker=worker, followed_by__ended_at__isnull=True, role=User.Role.SERVICE_USER
    )


def clients_manageable_by(*, actor: User) -> QuerySet[User]:
    """Service users the actor may act for: their caseload, or the whole unit for a coordinator."""
    if actor.is_coordinator and actor.unit_id:
        return User.objects.filter(role=User.Role.SERVICE_USER, unit_id=actor.unit_id, is_active=True)
    if actor.is_social_worker:
        return clients_of(worker=actor).filter(is_active=True)
    return User.objects.none()


def current_worker_of(*, client: User) -> User | None:
    entry = Caseload.objects.filter(client=client, ended_at__isnull=True).select_related("worker").first()
    return entry.worker if entry else None


def person_for_records(*, viewer: User, person_id: int) -> User | None:
    """A service user of the coordinator's unit, whose records the coordinator may export or
    erase; None for anyone else (a 404)."""
    if not viewer.is_coordinator or viewer.unit_id is None:
        return None
    return User.objects.filter(pk=person_id, role=User.Role.SERVICE_USER, unit_id=viewer.unit_id).first()


def records_of(*, person: User) -> dict[str, Any]:
    """Everything Triangel holds about ``person``, by app (``audit.records``)."""
    return {"exported_at": timezone.now().isoformat(), "person_id": person.pk, **records.export_all(person)}


def api_tokens_of(*, user: User, now: datetime | None = None) -> QuerySet[ApiToken]:
    """``user``'s API sign-ins that still work, newest first."""
    return ApiToken.objects.filter(user=user, expires_at__gt=now or timezone.now()).order_by("-created_at", "-pk")


def active_phones_of(*, user_ids: Iterable[int]) -> dict[int, PhoneNumber]:
    """Each person's active phone number, by person id (people without one are left out).
    Call only for people the caller may already see, and log it as "contact"."""
    return {phone.user_id: phone for phone in PhoneNumber.objects.filter(user_id__in=set(user_ids), is_active=True)}


def social_workers_of_unit(*, unit_id: int | None) -> QuerySet[User]:
    """The active social workers of a unit, by name (none without a unit)."""
    if unit_id is None:
        return User.objects.none()
    return User.objects.filter(role=User.Role.SOCIAL_WORKER, unit_id=unit_id, is_active=True).order_by(
        "first_name", "last_name", "id"
    )
