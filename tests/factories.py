"""Small builders for test data. Plain functions: explicit and easy to read."""

from datetime import date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.models import Appointment, Calendar, MeetingType, WorkingHours
from people.models import Caseload, PhoneNumber, Unit, User

OSLO = ZoneInfo("Europe/Oslo")
PASSWORD = "a-long-test-password"
_seq = count(1)


def make_unit(name: str | None = None) -> Unit:
    return Unit.objects.create(name=name or f"Unit {next(_seq)}", address="Storgata 1, Oslo")


def make_person(role: str, unit: Unit | None, username: str | None = None, phone: str | None = None, **extra) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"{role}{n}",
        password=PASSWORD,
        first_name=extra.pop("first_name", role.title()),
        last_name=extra.pop("last_name", f"Person{n}"),
        role=role,
        unit=unit,
        **extra,
    )
    if phone:
        PhoneNumber.objects.create(user=user, number=phone, is_active=True)
    return user


def make_calendar(
    owner: User, hours: list[tuple[int, time, time]] | None = None, weekdays: range = range(5)
) -> Calendar:
    """A calendar with, by default, Monday–Friday 08:00–11:30 and 12:00–15:30 (lunch break)."""
    calendar = Calendar.objects.create(owner=owner)
    if hours is None:
        hours = [(d, time(8), time(11, 30)) for d in weekdays] + [(d, time(12), time(15, 30)) for d in weekdays]
    WorkingHours.objects.bulk_create([WorkingHours(calendar=calendar, weekday=w, start=s, end=e) for w, s, e in hours])
    return calendar


def make_meeting_type(calendar: Calendar, **fields) -> MeetingType:
    defaults = {
        "name": "Samtale",
        "duration_minutes": 45,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 15,
        "slot_step_minutes": 30,
        "min_notice_minutes": 120,
        "horizon_days": 28,
        "audience": MeetingType.Audience.CASELOAD,
        "place": "Storgata 1",
    }
    defaults.update(fields)
    return MeetingType.objects.create(calendar=calendar, **defaults)


def follow(worker: User, client: User) -> Caseload:
    return Caseload.objects.create(worker=worker, client=client, started_at=timezone.now() - timedelta(days=30))


def make_appointment(meeting_type: MeetingType, client: User, start: datetime, **fields) -> Appointment:
    """Insert an appointment directly (bypassing the booking rules), for arranging state."""
    end = start + meeting_type.duration
    return Appointment.objects.create(
        calendar=meeting_type.calendar,
        meeting_type=meeting_type,
        client=client,
        booked_by=fields.pop("booked_by", client),
        start=start,
        end=end,
        blocked_start=start - meeting_type.buffer_before,
        blocked_end=end + meeting_type.buffer_after,
        **fields,
    )


def next_weekday(weekday: int, min_days_ahead: int = 2, tz: ZoneInfo = OSLO) -> date:
    """The first local date with the given weekday at least ``min_days_ahead`` days from today."""
    day = timezone.now().astimezone(tz).date() + timedelta(days=min_days_ahead)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def local(day: date, hour: int, minute: int = 0, tz: ZoneInfo = OSLO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def enrol_app(user: User) -> TOTPDevice:
    """Give a staff member a confirmed authenticator app (the demo's secret)."""
    from people.second_factor import enrol_demo

    return enrol_demo(user=user)


def app_code(user: User, steps_ahead: int = 0) -> str:
    """The code the person's authenticator app shows now (or ``steps_ahead`` 30-second steps on:
    a code is accepted once, and the next step's is still within the tolerance)."""
    import time as _time

    from django_otp.oath import TOTP

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = _time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
