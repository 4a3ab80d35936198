from django.db.models import Exists, QuerySet

from people.models import Caseload, User


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
