"""Booking a responsibility-group meeting asks once more, showing whose calendars it writes to
and who is e-mailed, before anything is booked or sent."""

from datetime import date, time

import pytest

from booking.models import Appointment
from care.models import GroupMeeting
from messaging.models import Delivery
from tests import factories as f
from tests.care.groups_support import make_group, set_hours


@pytest.fixture
def tuesday() -> date:
    return f.next_weekday(1, min_days_ahead=3)


@pytest.fixture
def group(world):
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    return make_group(world)


def test_a_proposed_times_button_books_nothing_and_shows_who_it_reaches(world, group, tuesday, client) -> None:
    client.force_login(world.worker)
    start = f.local(tuesday, 8).isoformat()

    asked = client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60})

    assert asked.status_code == 200
    page = asked.content.decode()
    assert not GroupMeeting.objects.exists()
    assert not Appointment.objects.exists()
    assert not Delivery.objects.exists()
    assert "Bestille gruppemøtet?" in page
    # The three calendars, the e-mail to NAV, and the GP who has no address.
    for member in (world.worker, world.other_worker, world.peer):
        assert member.get_full_name() in page
    assert "nina@nav.example" in page
    assert "Dr. Fjell" in page
    assert 'name="confirmed" value="1"' in page
    assert f'href="/groups/{group.pk}/?duration=60&amp;start={tuesday.isoformat()}"' in page


def test_the_confirm_step_books_once_in_every_calendar_and_e_mails_once(world, group, tuesday, client) -> None:
    client.force_login(world.worker)
    start = f.local(tuesday, 8).isoformat()
    client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60})

    booked = client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60, "confirmed": "1"})
    again = client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60, "confirmed": "1"})

    meeting = GroupMeeting.objects.get()
    assert booked.status_code == 302
    assert booked["Location"] == f"/groups/meetings/{meeting.pk}/"
    assert again.status_code == 409
    assert Appointment.objects.filter(group_link__meeting=meeting).count() == 3
    assert Delivery.objects.filter(channel="email").count() == 1


def test_the_confirm_step_is_for_those_who_manage_the_group_only(world, group, tuesday, client) -> None:
    client.force_login(f.make_person("social_worker", world.unit))
    start = f.local(tuesday, 8).isoformat()

    assert client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60}).status_code == 404
    assert (
        client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": 60, "confirmed": "1"}).status_code == 404
    )
    assert not GroupMeeting.objects.exists()


@pytest.mark.parametrize("duration", ["99999999999999", "-5", "x"])
def test_a_duration_nobody_offers_is_refused_at_the_confirm_step_not_a_server_error(
    world, group, tuesday, client, duration
) -> None:
    client.force_login(world.worker)
    start = f.local(tuesday, 8).isoformat()

    asked = client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": duration})
    confirmed = client.post(f"/groups/{group.pk}/book/", {"start": start, "duration": duration, "confirmed": "1"})

    assert asked.status_code == 200
    assert 400 <= confirmed.status_code < 500
    assert not GroupMeeting.objects.exists()
