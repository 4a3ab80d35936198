"""The CI guard's small data set (bench/guard.py): made in the test database, inside the
transaction the guard rolls back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


def _next_weekday(days_ahead: int) -> date:
    day = datetime.now(OSLO).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def make_data() -> dict[str, Any]:
    """A worker with a full working week, a service user in the caseload with an API token, 60
    appointments of other people over the next four weeks, and a conversation thread."""
    from booking.models import Appointment, Calendar, MeetingType, WorkingHours
    from conversations import services as conversations
    from people.models import Caseload, Unit, User
    from people.services import api_token_issue
    from web.templatetags.conversation_tags import poll_url

    unit = Unit.objects.create(name="Guard unit", address="Storgata 1, Oslo")
    worker = User.objects.create_user(username="guard_worker", role=User.Role.SOCIAL_WORKER, unit=unit)
    client = User.objects.create_user(username="guard_client", role=User.Role.SERVICE_USER, unit=unit)
    others = [
        User.objects.create_user(username=f"guard_other{n}", role=User.Role.SERVICE_USER, unit=unit) for n in range(6)
    ]
    started = datetime.now(OSLO) - timedelta(days=30)
    for person in (client, *others):
        Caseload.objects.create(worker=worker, client=person, started_at=started)
    calendar = Calendar.objects.create(owner=worker)
    WorkingHours.objects.bulk_create(
        [WorkingHours(calendar=calendar, weekday=d, start=dtime(8), end=dtime(11, 30)) for d in range(5)]
        + [WorkingHours(calendar=calendar, weekday=d, start=dtime(12), end=dtime(15, 30)) for d in range(5)]
    )
    meeting_type = MeetingType.objects.create(
        calendar=calendar,
        name="Samtale",
        duration_minutes=45,
        buffer_after_minutes=15,
        slot_step_minutes=30,
        min_notice_minutes=120,
        horizon_days=60,
        audience=MeetingType.Audience.CASELOAD,
        place="Storgata 1",
    )
    # Three meetings a weekday at 08:00, 10:00 and 13:00 for four weeks from the day after next.
    first = _next_weekday(2)
    day, made = first, 0
    while made < 60:
        if day.weekday() < 5:
            for hour in (8, 10, 13):
                start = datetime.combine(day, dtime(hour), tzinfo=OSLO)
                end = start + timedelta(minutes=45)
                Appointment.objects.create(
                    calendar=calendar,
                    meeting_type=meeting_type,
                    client=others[made % len(others)],
                    booked_by=worker,
                    start=start,
                    end=end,
                    blocked_start=start,
                    blocked_end=end + timedelta(minutes=15),
                )
                made += 1
        day += timedelta(days=1)
    _token, secret = api_token_issue(user=client, label="guard")
    thread = conversations.thread_for_worker(client)
    message, _ = conversations.message_post(thread=thread, author=client, text="Hei")
    return {
        "worker": worker,
        "token": secret,
        "slots_path": (
            f"/api/workers/{worker.pk}/slots/?start={first}&end={first + timedelta(days=27)}"
            f"&meeting_type={meeting_type.pk}"
        ),
        # 09:00 on the first day: free between the meetings at 08:00 and 10:00 (with buffers).
        "booking_body": {
            "worker": worker.pk,
            "meeting_type": meeting_type.pk,
            "start": datetime.combine(first, dtime(9), tzinfo=OSLO).isoformat(),
        },
        # With its ticket, as the page asks; in-process the view answers (the layer in front
        # of Django, web.live_poll, is not on this path).
        "poll_path": poll_url(thread.pk, message.pk),
    }
