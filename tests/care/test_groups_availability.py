"""Collective availability: a proposal is a time when every internal participant is free,
by each calendar's own hours, breaks, appointments, buffers, notice and horizon."""

from datetime import date, datetime, time, timedelta

import pytest

from booking.models import WorkingHours
from care.services import groups as services
from tests import factories as f
from tests.care.groups_support import make_group, set_hours

OSLO = f.OSLO


def starts(proposals: list) -> list[datetime]:
    return [p.start for p in proposals]


@pytest.fixture
def tuesday() -> date:
    return f.next_weekday(1, min_days_ahead=3)


@pytest.fixture
def group(world, tuesday: date):
    # Three calendars with different hours and breaks on Tuesday:
    #   worker        08:00–11:30, 12:00–15:30
    #   other worker  09:00–12:00, 12:30–16:00
    #   peer          10:00–14:00
    # Everyone is open 10:00–11:30 and 12:30–14:00.
    set_hours(world.other_calendar, [(1, time(9), time(12)), (1, time(12, 30), time(16))])
    set_hours(world.peer_calendar, [(1, time(10), time(14))])
    return make_group(world, externals=False)


def test_it_proposes_only_times_when_all_three_calendars_are_free_around_breaks_and_buffers(
    world, group, tuesday: date
) -> None:
    # The worker has a 45-minute meeting at 10:00 with 15 minutes after it: held 10:00–11:00.
    f.make_appointment(world.meeting_type, world.client, f.local(tuesday, 10))
    # The peer has a 60-minute meeting at 13:30; their group meetings keep 15 minutes after.
    f.make_appointment(world.peer_meeting_type, world.other_client, f.local(tuesday, 13, 30))

    proposals = services.group_proposals(
        group=group,
        duration_minutes=30,
        first_day=tuesday,
        last_day=tuesday,
        now=f.local(tuesday, 0) - timedelta(days=2),
    )

    # 10:45 would end at the worker's buffer; 11:30–12:30 is someone's break; 13:00 would
    # leave the peer no 15 minutes before their 13:30 meeting.
    assert starts(proposals) == [f.local(tuesday, 11), f.local(tuesday, 12, 30), f.local(tuesday, 12, 45)]
    assert all(p.end - p.start == timedelta(minutes=30) for p in proposals)


def test_it_respects_time_off_in_one_calendar(world, group, tuesday: date) -> None:
    world.other_calendar.overrides.create(kind="time_off", start=f.local(tuesday, 8), end=f.local(tuesday, 12))

    proposals = services.group_proposals(
        group=group,
        duration_minutes=30,
        first_day=tuesday,
        last_day=tuesday,
        now=f.local(tuesday, 0) - timedelta(days=2),
    )

    assert starts(proposals)[0] == f.local(tuesday, 12, 30)


def test_it_respects_a_days_notice_and_avoids_the_service_users_other_meetings(world, group, tuesday: date) -> None:
    # The client sees a peer elsewhere at 12:30 (in another calendar, not in the group).
    outsider = f.make_person("peer", world.unit)
    outsider_type = f.make_meeting_type(f.make_calendar(outsider), duration_minutes=30, buffer_after_minutes=0)
    f.make_appointment(outsider_type, world.client, f.local(tuesday, 12, 30))

    too_late = services.group_proposals(
        group=group, duration_minutes=30, first_day=tuesday, last_day=tuesday, now=f.local(tuesday, 8)
    )
    in_time = services.group_proposals(
        group=group,
        duration_minutes=30,
        first_day=tuesday,
        last_day=tuesday,
        now=f.local(tuesday, 8) - timedelta(days=1),
    )

    assert too_late == []
    assert f.local(tuesday, 12, 30) not in starts(in_time)
    assert f.local(tuesday, 12) not in starts(in_time)
    assert f.local(tuesday, 13) in starts(in_time)


def test_it_proposes_the_same_local_time_across_the_autumn_daylight_saving_change(world) -> None:
    # Oslo leaves summer time on Sunday 25 October 2026.
    friday, monday = date(2026, 10, 23), date(2026, 10, 26)
    WorkingHours.objects.filter(calendar__in=[world.calendar, world.other_calendar, world.peer_calendar]).delete()
    for calendar, start, end in [
        (world.calendar, time(9), time(10)),
        (world.other_calendar, time(8, 30), time(10)),
        (world.peer_calendar, time(9), time(11)),
    ]:
        set_hours(calendar, [(d, start, end) for d in range(5)])
    group = make_group(world, externals=False)

    proposals = services.group_proposals(
        group=group,
        duration_minutes=60,
        first_day=friday,
        last_day=monday,
        now=datetime(2026, 10, 20, 12, tzinfo=OSLO),
    )

    assert [p.start.isoformat() for p in proposals] == ["2026-10-23T09:00:00+02:00", "2026-10-26T09:00:00+01:00"]
    assert [p.end.isoformat() for p in proposals] == ["2026-10-23T10:00:00+02:00", "2026-10-26T10:00:00+01:00"]


def test_a_group_without_internal_participants_has_no_proposals(world, tuesday: date) -> None:
    group = make_group(world, members=[], externals=False)
    group.members.all().delete()

    assert services.group_proposals(group=group, duration_minutes=30, first_day=tuesday, last_day=tuesday) == []
