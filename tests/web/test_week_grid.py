"""The worker's week on an hour grid: each day a section with its items in time order, placed
on rows of five minutes of the worker's wall-clock time (also on the days the clocks change),
working hours, breaks, free gaps, time off, busy time from connected calendars, and today."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from booking.models import Appointment, CalendarOverride
from tests.factories import OSLO, local, make_appointment, next_weekday
from tests.web.support import parse
from web import selectors
from web.week_grid import build_week

pytestmark = pytest.mark.django_db

SPRING_FORWARD = date(2026, 3, 29)  # 02:00 becomes 03:00: 23 hours
FALL_BACK = date(2026, 10, 25)  # 03:00 becomes 02:00 again: 25 hours


@pytest.fixture
def worker(world, web_client):
    return web_client(world.worker)


def item_of(html: str, text: str) -> str:
    """The list item of the grid that mentions ``text``, with its classes."""
    for item in re.findall(r"<li class=\"wg-item[^\"]*\">.*?</li>", html, flags=re.S):
        if text in item:
            return item
    raise AssertionError(f"No grid item mentions {text!r}")


def classes(item: str) -> set[str]:
    return set(re.match(r"<li class=\"([^\"]*)\"", item).group(1).split())


def week_page(worker, day: date) -> str:
    response = worker.get(f"/calendar/?week={day.isoformat()}")
    assert response.status_code == 200
    return response.content.decode()


def test_a_meeting_is_a_link_placed_by_its_start_and_sized_by_its_length(world, worker):
    tuesday = next_weekday(1)
    meeting = make_appointment(world.meeting_type, world.client, local(tuesday, 10))

    html = week_page(worker, tuesday)

    item = item_of(html, f"/calendar/meetings/{meeting.pk}/")
    # The grid starts at 08:00; a row is five minutes: 10:00 is row 25, 45 minutes are 9 rows.
    assert {"wg-meeting", "wg-rs-25", "wg-span-9", "status-booked"} <= classes(item)
    text = re.sub(r"<[^>]+>", "", item)
    assert f"10:00–10:45 {world.client.get_full_name()}, Samtale, bestilt" in text


def test_each_day_is_a_section_with_a_heading_and_an_ordered_list_in_time_order(world, worker):
    tuesday = next_weekday(1)
    make_appointment(world.meeting_type, world.client, local(tuesday, 13))
    make_appointment(world.meeting_type, world.client, local(tuesday, 9))

    html = week_page(worker, tuesday)

    assert html.count('<section class="wg-day') == 7
    day = re.search(r"<section class=\"wg-day[^>]*>.*?</section>", html[html.index("tirsdag") - 300 :], re.S).group(0)
    assert re.search(r"<h2 id=\"wd-2\">tirsdag", day)
    items = [re.sub(r"<[^>]+>|\s+", " ", i).strip() for i in re.findall(r"<li class=\"wg-item.*?</li>", day, re.S)]
    assert [i.split()[0] for i in items] == [
        "Ledig",  # 08:00–09:00
        "09:00–09:45",
        "Ledig",  # 09:45–11:30
        "Pause",
        "Ledig",
        "13:00–13:45",
        "Ledig",
    ]


def test_working_hours_breaks_and_free_gaps_are_shown(world, worker):
    tuesday = next_weekday(1)
    make_appointment(world.meeting_type, world.client, local(tuesday, 10))

    html = week_page(worker, tuesday)

    assert "Arbeidstid 08:00–11:30, 12:00–15:30" in html
    assert {"wg-break", "wg-rs-43", "wg-span-6"} <= classes(item_of(html, "Pause 11:30–12:00"))
    assert "wg-free" in classes(item_of(html, "Ledig 08:00–10:00"))
    assert "wg-free" in classes(item_of(html, "Ledig 10:45–11:30"))
    assert "Ledig 12:00–15:30" in html
    # The working hours are shaded behind the items, hidden from screen readers (they are in the text).
    assert re.search(r'<div class="wg-rows wg-deco" aria-hidden="true"><span class="wg-item wg-work wg-rs-1 ', html)


def test_time_off_is_shown_with_its_times_and_takes_its_time_from_the_free_gaps(world, worker):
    wednesday = next_weekday(2)
    CalendarOverride.objects.create(
        calendar=world.calendar,
        kind=CalendarOverride.Kind.TIME_OFF,
        start=local(wednesday, 9),
        end=local(wednesday, 12),
        note="Kurs",
    )

    html = week_page(worker, wednesday)

    assert {"wg-off", "wg-rs-13", "wg-span-36"} <= classes(item_of(html, "Fravær 09:00–12:00: Kurs"))
    assert "Ledig 08:00–09:00" in html
    assert "Ledig 12:00–15:30" in html
    assert "Ledig 09:00" not in html


def test_a_week_with_an_early_meeting_starts_at_its_hour(world, worker):
    tuesday = next_weekday(1)
    meeting = make_appointment(world.meeting_type, world.client, local(tuesday, 6, 30))

    html = week_page(worker, tuesday)

    assert '<span class="wg-rs-1 wg-span-12">06:00</span>' in html
    assert '<div class="wg wg-h-120">' in html  # 06:00–16:00: ten hours of twelve rows
    assert {"wg-rs-7", "wg-span-9"} <= classes(item_of(html, f"/calendar/meetings/{meeting.pk}/"))


def test_a_quiet_week_shows_at_least_eight_to_sixteen(world, worker):
    html = week_page(worker, next_weekday(1) + timedelta(days=14))

    assert '<span class="wg-rs-1 wg-span-12">08:00</span>' in html
    assert '<span class="wg-rs-85 wg-span-12">15:00</span>' in html
    assert '<div class="wg wg-h-96">' in html


def test_today_is_marked_with_a_line_at_the_time_now(world):
    monday = date(2026, 12, 7)
    now = datetime.combine(monday + timedelta(days=2), time(10, 7), tzinfo=OSLO)

    grid = build_week(monday=monday, tz=OSLO, now=now, weekly_hours=[], appointments=[], overrides=[], busy=[])

    assert [d.is_today for d in grid.days] == [False, False, True, False, False, False, False]
    assert grid.days[2].now_row == 2 * 12 + 1 + 1  # 10:05–10:10 is the 26th row from 08:00
    assert all(d.now_row is None for d in grid.days if not d.is_today)


def test_the_today_link_and_mark_on_the_page(world, worker):
    html = week_page(worker, timezone.now().astimezone(OSLO).date())

    assert html.count('<section class="wg-day is-today"') == 1
    assert '<p class="wg-today-mark">I dag</p>' in html
    assert 'aria-current="date">I dag</a>' in html
    links = parse(worker.get("/calendar/?week=2026-01-05")).links
    today = timezone.now().astimezone(OSLO).date()
    assert f"?week={(today - timedelta(days=today.weekday())).isoformat()}" in links
    assert "?week=2025-12-29" in links
    assert "?week=2026-01-12" in links


def test_a_meeting_on_the_day_summer_time_begins_is_placed_by_the_clock(world, worker):
    # 29 March 2026 has 23 hours. 10:00 is 9 hours after midnight, but sits on the 10:00 row.
    meeting = make_appointment(world.meeting_type, world.client, local(SPRING_FORWARD, 10))
    late = make_appointment(world.meeting_type, world.client, local(SPRING_FORWARD, 15))

    html = week_page(worker, SPRING_FORWARD)

    assert {"wg-rs-25", "wg-span-9"} <= classes(item_of(html, f"/calendar/meetings/{meeting.pk}/"))
    assert {"wg-rs-85", "wg-span-9"} <= classes(item_of(html, f"/calendar/meetings/{late.pk}/"))
    assert "10:00–10:45" in item_of(html, f"/calendar/meetings/{meeting.pk}/")
    assert "Sommertid begynner: 02:00 blir 03:00." in html


def test_a_meeting_on_the_day_summer_time_ends_is_placed_by_the_clock(world, worker):
    # 25 October 2026 has 25 hours. 14:00 is 15 hours after midnight, but sits on the 14:00 row.
    meeting = make_appointment(world.meeting_type, world.client, local(FALL_BACK, 14))
    evening = make_appointment(world.meeting_type, world.client, local(FALL_BACK, 22, 30))

    html = week_page(worker, FALL_BACK)

    assert {"wg-rs-73", "wg-span-9"} <= classes(item_of(html, f"/calendar/meetings/{meeting.pk}/"))
    assert "14:00–14:45" in item_of(html, f"/calendar/meetings/{meeting.pk}/")
    # The grid runs to 24:00 for the evening meeting: 08–24 is 16 hours.
    assert '<div class="wg wg-h-192">' in html
    assert {"wg-rs-175", "wg-span-9"} <= classes(item_of(html, f"/calendar/meetings/{evening.pk}/"))
    assert "Sommertid slutter: 03:00 blir 02:00." in html


def test_a_meeting_across_the_spring_gap_is_as_tall_as_it_lasts(world):
    # 01:30 + 45 minutes is 03:15 on the clock: a 45-minute block, not 105 minutes.
    start = local(SPRING_FORWARD, 1, 30)
    meeting = Appointment(start=start, end=start + timedelta(minutes=45))

    grid = build_week(
        monday=SPRING_FORWARD - timedelta(days=6),
        tz=OSLO,
        now=start,
        weekly_hours=[(6, time(8), time(16))],
        appointments=[meeting],
        overrides=[],
        busy=[],
    )

    sunday = grid.days[6]
    assert sunday.hours_in_day == 23
    (item,) = [i for i in sunday.items if i.kind == "meeting"]
    assert (item.start.hour, item.start.minute, item.end.hour, item.end.minute) == (1, 30, 3, 15)
    assert grid.first_hour == 1
    assert (item.row_start, item.row_span) == (7, 9)


def test_on_the_25_hour_day_the_working_hours_are_shaded_by_the_clock(world):
    grid = build_week(
        monday=FALL_BACK - timedelta(days=6),
        tz=OSLO,
        now=local(FALL_BACK, 12),
        weekly_hours=[(6, time(9), time(15))],
        appointments=[],
        overrides=[],
        busy=[],
    )

    sunday = grid.days[6]
    assert sunday.hours_in_day == 25
    (band,) = sunday.bands
    assert (band.row_start, band.row_span) == (13, 72)  # 09:00–15:00: six hours, from row 13
    assert sunday.now_row == 4 * 12 + 1


def test_busy_time_from_connected_calendars_is_a_grey_block_without_details(world, worker, monkeypatch):
    tuesday = next_weekday(1)
    asked = []

    def busy(*, worker, first_day, last_day):
        asked.append((worker, first_day, last_day))
        return [(local(tuesday, 13), local(tuesday, 14, 30))]

    monkeypatch.setattr(selectors, "external_busy_of", busy)

    html = week_page(worker, tuesday)

    monday = tuesday - timedelta(days=1)
    assert asked == [(world.worker, monday, monday + timedelta(days=6))]
    item = item_of(html, "Opptatt 13:00–14:30")
    assert {"wg-busy", "wg-rs-61", "wg-span-18"} <= classes(item)
    assert "<a" not in item
    assert "Ledig 12:00–13:00" in html
    assert "Ledig 14:30–15:30" in html


def test_there_is_no_busy_time_until_calendars_can_be_connected(world):
    assert (
        selectors.external_busy_of(worker=world.worker, first_day=date(2026, 12, 7), last_day=date(2026, 12, 13)) == []
    )


def test_a_public_holiday_has_no_working_hours(world, worker, settings):
    settings.PUBLIC_HOLIDAYS_COUNTRY = "NO"
    html = week_page(worker, date(2026, 12, 25))  # 1. juledag, a Friday

    friday = html[html.index("fredag 25. desember") :]
    friday = friday[: friday.index("</section>")]
    assert "Helligdag" in friday
    assert "Ledig" not in friday


def test_the_english_page_says_the_same(world, web_client):
    tuesday = next_weekday(1)
    make_appointment(world.meeting_type, world.client, local(tuesday, 10))

    html = web_client(world.worker, english=True).get(f"/calendar/?week={tuesday.isoformat()}").content.decode()

    assert "Break 11:30–12:00" in html
    assert "Free 08:00–10:00" in html
    assert "Working hours 08:00–11:30, 12:00–15:30" in html
