"""Demo data for "I need help now": a duty rota for the demo unit, its leader and a crisis line."""

from datetime import time

from django.contrib.auth.models import Group, Permission

from care.models import DutyShift, HelpSettings
from people.models import Unit, User

UNIT = "Oppfølgingstjenesten Sentrum"
CRISIS_LINE = ("Mental helse hjelpetelefon", "116 123")


def seed() -> None:
    """Idempotent: running it twice creates nothing new."""
    unit = Unit.objects.filter(name=UNIT).first()
    people = {u.username: u for u in User.objects.filter(username__in=["worker1", "worker2", "coordinator"])}
    if unit is None or len(people) < 3:
        return
    HelpSettings.objects.get_or_create(
        unit=unit,
        defaults={
            "leader": people["coordinator"],
            "ack_minutes": 10,
            "crisis_line_name": CRISIS_LINE[0],
            "crisis_line_number": CRISIS_LINE[1],
        },
    )
    if not DutyShift.objects.filter(unit=unit).exists():
        # Kari and Ola take turns being first on duty, within the opening hours (08:00–15:30).
        shifts = []
        for weekday in range(5):
            first, second = ("worker1", "worker2") if weekday % 2 == 0 else ("worker2", "worker1")
            for position, username in ((1, first), (2, second)):
                shifts.append(
                    DutyShift(
                        unit=unit,
                        weekday=weekday,
                        start=time(8),
                        end=time(15, 30),
                        staff=people[username],
                        position=position,
                    )
                )
        DutyShift.objects.bulk_create(shifts)
    group = Group.objects.filter(name="Coordinators").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="care", content_type__model__in=["dutyshift", "helpsettings", "helprequest"]
            )
        )
