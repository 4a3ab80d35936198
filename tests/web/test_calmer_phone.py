"""A calmer phone: the times page starts with the first free time and a part of the day with
the rest folded by day, My day starts with what matters now, the menu shows four items and
"More", and a reminder's time can be picked as well as written."""

import re
from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from booking.slots import slots_for
from reminders.models import ReminderPlan
from tests import factories as f
from tests.factories import OSLO
from tests.web.support import offered_starts
from web.views_booking import times_of_part

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(world, web_client):
    return web_client(world.client)


def _free(world) -> list:
    today = timezone.localdate()
    return [
        s.start.astimezone(OSLO)
        for s in slots_for(
            meeting_type=world.meeting_type, actor=world.client, first_day=today, last_day=today + timedelta(days=14)
        )
    ]


def test_a_part_of_the_day_keeps_its_times_and_drops_days_left_empty() -> None:
    monday, tuesday = date(2026, 12, 7), date(2026, 12, 8)
    days = [
        (monday, [f.local(monday, 9), f.local(monday, 11, 45), f.local(monday, 12), f.local(monday, 14)]),
        (tuesday, [f.local(tuesday, 13)]),
    ]

    assert times_of_part(days, "any") == days
    assert times_of_part(days, "morning") == [(monday, [f.local(monday, 9), f.local(monday, 11, 45)])]
    assert times_of_part(days, "afternoon") == [
        (monday, [f.local(monday, 12), f.local(monday, 14)]),
        (tuesday, [f.local(tuesday, 13)]),
    ]


def _first_free_link(page: str) -> str:
    section = re.search(r'<section class="first-free".*?</section>', page, flags=re.S)
    assert section, "no first free time on the page"
    return re.search(r'href="([^"]+)"', section.group(0)).group(1)


def test_the_times_page_starts_with_the_first_free_time_which_goes_to_the_confirm_step(world, me) -> None:
    page = me.get(f"/book/{world.meeting_type.pk}/")

    html = page.content.decode()
    first = min(_free(world))
    assert "Første ledige tid" in html
    link = _first_free_link(html).replace("&amp;", "&")
    assert link.startswith(f"/book/{world.meeting_type.pk}/confirm/?start=")
    assert offered_starts(page, world.meeting_type.pk)[0] == first
    confirm = me.get(link)
    assert confirm.status_code == 200
    assert "Stemmer dette?" in confirm.content.decode()
    # Above the day lists, and the days are folded with only the first open.
    assert html.index('class="first-free"') < html.index('class="slot-day"')
    assert len(re.findall(r'<details class="slot-day" open>', html)) == 1
    assert len(re.findall(r'<details class="slot-day"', html)) == len({t.date() for t in _free(world)})


@pytest.mark.parametrize(("part", "keeps"), [("morning", lambda t: t.hour < 12), ("afternoon", lambda t: t.hour >= 12)])
def test_morning_and_afternoon_show_only_their_times_and_their_first_free_time(world, me, part, keeps) -> None:
    page = me.get(f"/book/{world.meeting_type.pk}/", {"part": part})

    shown = [s.astimezone(OSLO) for s in offered_starts(page, world.meeting_type.pk)]
    expected = [t for t in _free(world) if keeps(t)]
    # The first free time's link comes first, then every time of the part by day.
    assert shown[1:] == expected
    assert shown[0] == expected[0]
    assert 'aria-current="true"' in page.content.decode().split(f'href="?part={part}"')[1][:30]


def test_an_unknown_part_of_the_day_shows_every_time(world, me) -> None:
    page = me.get(f"/book/{world.meeting_type.pk}/", {"part": "night"})

    assert [s.astimezone(OSLO) for s in offered_starts(page, world.meeting_type.pk)][1:] == _free(world)


def test_a_part_with_no_free_time_says_so_and_links_to_every_time(world, me) -> None:
    world.calendar.working_hours.update(start=time(13), end=time(15))

    page = me.get(f"/book/{world.meeting_type.pk}/", {"part": "morning"}).content.decode()

    assert "Ingen ledige tider før kl. 12 de neste to ukene." in page
    assert 'href="?part=any"' in page
    assert 'class="first-free"' not in page


def test_moving_a_meeting_offers_the_first_free_time_through_its_own_confirm_step(world, me) -> None:
    meeting = f.make_appointment(world.meeting_type, world.client, f.local(f.next_weekday(2, 5), 10))

    page = me.get(f"/meetings/{meeting.pk}/move/").content.decode()

    link = _first_free_link(page).replace("&amp;", "&")
    assert link.startswith(f"/meetings/{meeting.pk}/move/?start=")
    assert "Flytte møtet?" in me.get(link).content.decode()


def test_my_day_starts_with_today_the_next_meeting_help_and_booking(world, me) -> None:
    meeting = f.make_appointment(world.meeting_type, world.client, f.local(f.next_weekday(2, 3), 10))

    html = me.get("/my-day/").content.decode()

    order = [
        html.index(marker) for marker in ('id="day-1"', 'id="next-heading"', 'id="help-now-h"', 'id="book-heading"')
    ]
    assert order == sorted(order)
    # No template comment shows as text.
    assert "{#" not in html
    assert "#}" not in html
    # Tomorrow and the rest come after booking.
    assert html.index('id="book-heading"') < html.index('id="day-2"')
    assert f'href="/meetings/{meeting.pk}/"' in html.split('id="next-heading"')[1].split("</section>")[0]


def test_my_day_says_when_no_meeting_is_booked(world, me) -> None:
    assert "Ingen møter bestilt." in me.get("/my-day/").content.decode()


def test_the_phone_menu_shows_four_items_and_folds_the_rest_under_more(world, me) -> None:
    html = me.get("/my-day/").content.decode()

    phone = re.search(r'<ul class="menu-phone">(.*?)</ul>\s*</details>', html, flags=re.S).group(1)
    first, more = phone.split('<li class="more">')
    assert len(re.findall(r"<li>", first)) == 4
    assert "<summary" in more
    assert "Mer" in more
    assert 'href="/reminders/"' in more
    assert 'href="/conversations/"' in more  # Messages wait under "More"; My day shows their count
    assert 'href="/services/"' in more  # Find help (the service directory)
    # A wide screen still has every item in one list.
    everything = re.search(r'<ul class="menu-all">(.*?)</ul>', html, flags=re.S).group(1)
    assert len(re.findall(r"<li>", everything)) == 9


def _reminder(me, **fields) -> tuple[int, ReminderPlan | None]:
    body = {"title": "Frokost", "channel_sms": "on", "times": "", "picked": "", **fields}
    response = me.post("/reminders/new/routine/", body)
    return response.status_code, ReminderPlan.objects.filter(title="Frokost").first()


def test_a_reminder_time_can_be_picked_instead_of_written(world, me) -> None:
    page = me.get("/reminders/new/routine/").content.decode()
    assert re.search(r'<input type="time" name="picked"[^>]*id="id_picked"', page)

    status, plan = _reminder(me, picked="08:30")

    assert status == 302
    assert "BYHOUR=8;BYMINUTE=30" in plan.rrule


def test_a_picked_time_is_added_to_the_written_ones(world, me) -> None:
    status, plan = _reminder(me, times="kl 8", picked="20:00")

    assert status == 302
    assert "BYHOUR=8,20;BYMINUTE=0" in plan.rrule


def test_a_written_time_alone_still_works(world, me) -> None:
    status, plan = _reminder(me, times="0830")

    assert status == 302
    assert "BYHOUR=8;BYMINUTE=30" in plan.rrule


def test_no_time_written_or_picked_asks_for_one(world, me) -> None:
    status, plan = _reminder(me)

    assert status == 200
    assert plan is None
    assert (
        "Skriv minst ett klokkeslett, som 08:00, eller velg ett."
        in me.post("/reminders/new/routine/", {"title": "Frokost", "channel_sms": "on"}).content.decode()
    )
