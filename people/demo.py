"""Demo data for people: one unit with its opening hours, two social workers, a peer, a
coordinator and five service users in the workers' caseloads. Idempotent: it finds what it
made before and fills in only what is missing."""

from dataclasses import dataclass
from datetime import time

from people import second_factor
from people.models import OpeningHours, PhoneNumber, Unit, User
from people.services import caseload_assign

DEMO_PASSWORD = "triangel-demo"

WORKERS = [
    ("worker1", "Kari", "Nordmann", "40000101"),
    ("worker2", "Ola", "Hansen", "40000102"),
]
USERS = [
    ("user1", "Anna", "Berg", "40000201", "worker1"),
    ("user2", "Jonas", "Lie", "40000202", "worker1"),
    ("user3", "Maria", "Dahl", "40000203", "worker1"),
    ("user4", "Per", "Moen", "40000204", "worker2"),
    ("user5", "Sara", "Bakke", "40000205", "worker2"),
]


@dataclass
class DemoPeople:
    unit: Unit
    coordinator: User
    workers: dict[str, User]
    peer: User
    users: list[User]


def seed() -> DemoPeople:
    unit, _ = Unit.objects.get_or_create(
        name="Oppfølgingstjenesten Sentrum",
        defaults={
            "address": "Storgata 1, 0155 Oslo",
            "directions": "Trikk til Jernbanetorget, 2 minutter å gå. Ring på ved inngang B.",
        },
    )
    if not unit.opening_hours.exists():
        OpeningHours.objects.bulk_create(
            [OpeningHours(unit=unit, weekday=d, start=time(8), end=time(15, 30)) for d in range(5)]
        )
    coordinator = _person("coordinator", "Line", "Leder", User.Role.COORDINATOR, unit, "40000100")
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    workers = {
        username: _person(username, first, last, User.Role.SOCIAL_WORKER, unit, phone)
        for username, first, last, phone in WORKERS
    }
    peer = _person("peer1", "Tore", "Likeperson", User.Role.PEER, unit, "40000103")
    users = []
    for username, first, last, phone, worker_name in USERS:
        client = _person(username, first, last, User.Role.SERVICE_USER, unit, phone)
        caseload_assign(worker=workers[worker_name], client=client)
        if not client.email:
            client.email = f"{username}@example.org"
            client.save(update_fields=["email"])
        users.append(client)
    return DemoPeople(unit=unit, coordinator=coordinator, workers=workers, peer=peer, users=users)


def _person(username: str, first: str, last: str, role: str, unit: Unit, phone: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "role": role, "unit": unit}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if not user.phone_numbers.exists():
        PhoneNumber.objects.create(user=user, number=f"+47{phone}", is_active=True, label="mobil")
    if second_factor.needs_second_factor(user) and not second_factor.has_second_factor(user):
        # Every demo staff account shares one app secret, so the demo needs no set-up step.
        second_factor.enrol_demo(user=user)
    return user
