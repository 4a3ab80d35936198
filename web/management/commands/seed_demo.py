"""Demo data: one unit, two workers, a peer, a coordinator and five service users, with what
each app adds to them (calendars, reminder preferences, the co-production triangle), and the
directory of services and rights pages of a fictional municipality.

Safe to run again: it finds what it made before and only fills in what is missing. The
command lives in the web app, the top layer, because it needs every app below it.
"""

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from booking import demo as booking_demo
from care.demo import seed_all as seed_care
from insight import demo as insight_demo
from people import demo as people_demo
from people.models import Unit, User
from people.second_factor import DEMO_TOTP_SECRET
from reminders import demo as reminders_demo
from services import demo as services_demo

# What the coordinator may see and change in the admin, by app.
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
        people = people_demo.seed()
        _coordinator_permissions(people.coordinator)
        booking_demo.seed(unit=people.unit, workers=list(people.workers.values()), peer=people.peer)
        reminders_demo.seed(users=people.users)
        seed_care()
        insight_demo.seed(unit=people.unit, workers=list(people.workers.values()))
        services_demo.seed()
        _unit_place(people.unit)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Every demo login uses the password {people_demo.DEMO_PASSWORD!r}; staff also"
                f" give a code from an authenticator app set up with the key {DEMO_TOTP_SECRET}."
            )
        )


def _unit_place(unit: Unit) -> None:
    """The demo unit is in the middle of the demo town, where INFO by SMS measures from."""
    if unit.latitude is None:
        unit.latitude, unit.longitude = Decimal("59.912700"), Decimal("10.746100")
        unit.save(update_fields=["latitude", "longitude"])


def _coordinator_permissions(coordinator: User) -> None:
    group, _ = Group.objects.get_or_create(name="Coordinators")
    for app_label, models in COORDINATOR_MODELS:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
        )
    coordinator.groups.add(group)
