"""The demo unit open and on duty whenever the browser tests run, for the help pages."""

from datetime import time, timedelta

from django.utils import timezone

from care.models import DutyShift
from people.models import OpeningHours, User

END_OF_DAY = time(23, 59, 59, 999999)


def open_all_day_with_kari_first() -> None:
    # The pages use the real clock: open, with Kari on duty, all day every day.
    kari = User.objects.get(username="worker1")
    unit = kari.unit
    OpeningHours.objects.filter(unit=unit).delete()
    OpeningHours.objects.bulk_create(
        [OpeningHours(unit=unit, weekday=d, start=time(0), end=END_OF_DAY) for d in range(7)]
    )
    DutyShift.objects.filter(unit=unit).delete()
    DutyShift.objects.bulk_create(
        [DutyShift(unit=unit, weekday=d, start=time(0), end=END_OF_DAY, staff=kari, position=1) for d in range(7)]
    )


def closed_until_tomorrow() -> None:
    # Closed now, whatever the real clock says: the unit opens only tomorrow, 08:00–09:00.
    unit = User.objects.get(username="user1").unit
    tomorrow = (timezone.localtime() + timedelta(days=1)).weekday()
    OpeningHours.objects.filter(unit=unit).delete()
    OpeningHours.objects.create(unit=unit, weekday=tomorrow, start=time(8), end=time(9))
