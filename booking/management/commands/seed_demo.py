"""Demo data: one unit, two workers, a peer, a coordinator and five service users.

Safe to run again: it finds what it made before and only fills in what is missing.
"""

from datetime import time
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from booking.models import MeetingType, WorkingHours
from booking.services import calendar_for
from care.demo import seed_all as seed_care
from people.models import OpeningHours, PhoneNumber, Unit, User
from people.services import caseload_assign
from reminders.models import ReminderPreferences

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
COORDINATOR_MODELS = [
    ("people", ["unit", "openinghours", "user", "phonenumber", "caseload"]),
    ("booking", ["calendar", "workinghours", "calendaroverride", "meetingtype", "appointment", "appointmentevent"]),
    ("reminders", ["reminderplan", "reminderpreferences", "medicationlog", "followuptask"]),
    ("messaging", ["delivery"]),
]


class Command(BaseCommand):
    help = "Create (or complete) the demo unit, staff and service users."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
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

        coordinator = self._person("coordinator", "Line", "Leder", User.Role.COORDINATOR, unit, "40000100")
        coordinator.is_staff = True
        coordinator.save(update_fields=["is_staff"])
        group, _ = Group.objects.get_or_create(name="Coordinators")
        for app_label, models in COORDINATOR_MODELS:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
            )
        coordinator.groups.add(group)

        workers = {}
        for username, first, last, phone in WORKERS:
            worker = self._person(username, first, last, User.Role.SOCIAL_WORKER, unit, phone)
            workers[username] = worker
            calendar = calendar_for(owner=worker)
            if not calendar.working_hours.exists():
                # Monday–Friday with a lunch break.
                WorkingHours.objects.bulk_create(
                    [WorkingHours(calendar=calendar, weekday=d, start=time(8, 30), end=time(11, 30)) for d in range(5)]
                    + [WorkingHours(calendar=calendar, weekday=d, start=time(12), end=time(15)) for d in range(5)]
                )
            MeetingType.objects.get_or_create(
                calendar=calendar,
                name="Samtale",
                defaults={
                    "description": "En samtale om hvordan det går.",
                    "duration_minutes": 45,
                    "buffer_after_minutes": 15,
                    "slot_step_minutes": 60,
                    "min_notice_minutes": 120,
                    "horizon_days": 28,
                    "place": unit.address,
                    "audience": MeetingType.Audience.CASELOAD,
                },
            )
            MeetingType.objects.get_or_create(
                calendar=calendar,
                name="Telefonsamtale",
                defaults={
                    "duration_minutes": 20,
                    "buffer_after_minutes": 10,
                    "slot_step_minutes": 30,
                    "min_notice_minutes": 60,
                    "horizon_days": 14,
                    "mode": MeetingType.Mode.PHONE,
                    "audience": MeetingType.Audience.CASELOAD,
                },
            )

        peer = self._person("peer1", "Tore", "Likeperson", User.Role.PEER, unit, "40000103")
        peer_calendar = calendar_for(owner=peer)
        if not peer_calendar.working_hours.exists():
            WorkingHours.objects.bulk_create(
                [WorkingHours(calendar=peer_calendar, weekday=d, start=time(10), end=time(14)) for d in (1, 3)]
            )
        MeetingType.objects.get_or_create(
            calendar=peer_calendar,
            name="Kaffe og en prat",
            defaults={
                "duration_minutes": 60,
                "buffer_after_minutes": 0,
                "slot_step_minutes": 60,
                "min_notice_minutes": 60,
                "horizon_days": 21,
                "place": "Kafeen i første etasje",
                "audience": MeetingType.Audience.UNIT,
            },
        )

        for username, first, last, phone, worker_name in USERS:
            client = self._person(username, first, last, User.Role.SERVICE_USER, unit, phone)
            caseload_assign(worker=workers[worker_name], client=client)
            if not client.email:
                client.email = f"{username}@example.org"
                client.save(update_fields=["email"])
            # Demo users get reminders both ways, so a local run shows SMS and e-mail.
            ReminderPreferences.objects.get_or_create(user=client, defaults={"appointment_channels": ["sms", "email"]})

        seed_care()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every demo login uses the password {DEMO_PASSWORD!r}."))

    def _person(self, username: str, first: str, last: str, role: str, unit: Unit, phone: str) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "role": role, "unit": unit}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if not user.phone_numbers.exists():
            PhoneNumber.objects.create(user=user, number=f"+47{phone}", is_active=True, label="mobil")
        return user
