"""The unit's picture: figures counted right on a small hand-made unit (a week across the
change to summer time included), small numbers hidden, only the unit's own coordinator let
in, the CSV downloads and the API."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from booking.models import Appointment, AppointmentEvent
from care.models import HelpRequest
from insight.figures import unit_picture
from insight.ranges import insight_range
from people.models import OpeningHours, User
from tests import factories as f
from tests.conftest import World

OSLO = ZoneInfo("Europe/Oslo")
# Summer time begins on Sunday 29 March 2026 at 02:00 in Oslo.
WEEK_BEFORE = date(2026, 3, 16)
DST_WEEK = date(2026, 3, 23)
WEEK_AFTER = date(2026, 3, 30)
QUERY = {"from": "2026-03-16", "to": "2026-04-05", "by": "week"}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


@pytest.fixture
def unit_history(world: World) -> list[User]:
    people = [world.client] + [
        f.make_person(User.Role.SERVICE_USER, world.unit, f"insight{i}") for i in range(1, 6)
    ]  # six people
    mt = world.meeting_type
    # The week before: five held (not confirmed) and five did not come, five people; five
    # cancelled by the people themselves.
    for i, person in enumerate(people[:5]):
        f.make_appointment(mt, person, at(WEEK_BEFORE, 8 + i), status=Appointment.Status.COMPLETED)
        f.make_appointment(mt, person, at(WEEK_BEFORE + timedelta(days=1), 8 + i), status=Appointment.Status.NO_SHOW)
        cancelled = f.make_appointment(
            mt, person, at(WEEK_BEFORE + timedelta(days=2), 8 + i), status=Appointment.Status.CANCELLED
        )
        AppointmentEvent.objects.create(appointment=cancelled, action="cancelled", actor=person)
    # The week of the change: six held, confirmed, six people, the last on Sunday at 23:30
    # (21:30 UTC, after the change); one did not come.
    for i, person in enumerate(people):
        start = at(DST_WEEK + timedelta(days=6), 23, 30) if i == 5 else at(DST_WEEK, 8 + i)
        f.make_appointment(mt, person, start, status=Appointment.Status.COMPLETED, confirmed_at=start)
    f.make_appointment(mt, people[0], at(DST_WEEK + timedelta(days=1), 9), status=Appointment.Status.NO_SHOW)
    # Monday 00:30 after the change is Sunday 22:30 UTC: it belongs to the week after.
    f.make_appointment(mt, people[1], at(WEEK_AFTER, 0, 30))
    return people


def picture_for(world: World):
    rng = insight_range(first=date(2026, 3, 16), last=date(2026, 4, 5), by="week", today=date(2026, 4, 5), tz=OSLO)
    return unit_picture(coordinator=world.coordinator, rng=rng)


def test_it_counts_meetings_per_local_week_across_the_change_to_summer_time(world: World, unit_history) -> None:
    rows = {row["period"]: row for row in picture_for(world).meetings}
    assert list(rows) == [WEEK_BEFORE, DST_WEEK, WEEK_AFTER]
    assert rows[DST_WEEK]["booked"] == 7
    assert rows[DST_WEEK]["held"] == 6
    assert rows[DST_WEEK]["confirmed_share"] == 85.7
    # A single booking in the week after is one person: hidden.
    assert rows[WEEK_AFTER]["booked"] == "<5"


def test_it_gives_rates_and_who_cancelled(world: World, unit_history) -> None:
    week = picture_for(world).meetings[0]
    assert week["held"] == 5
    assert week["no_show"] == 5
    assert week["no_show_rate"] == 50.0
    assert week["confirmed_share"] == 0.0
    assert week["no_show_rate_confirmed"] is None
    assert week["no_show_rate_unconfirmed"] == 50.0
    assert week["cancelled"] == 5
    assert (week["cancelled_by_person"], week["cancelled_by_staff"], week["cancelled_by_system"]) == (5, 0, 0)


def test_it_hides_every_figure_from_fewer_than_five_people(world: World, unit_history) -> None:
    week = picture_for(world).meetings[1]
    # One person did not come in the week of the change: the count and the rates are hidden.
    assert week["no_show"] == "<5"
    assert week["no_show_rate"] == "<5"
    assert week["no_show_rate_confirmed"] == 0.0
    assert week["no_show_rate_unconfirmed"] == "<5"


@pytest.mark.postgres
def test_it_gives_help_requests_by_hour_with_answer_times_and_outside_opening_hours(world: World) -> None:
    OpeningHours.objects.filter(unit=world.unit).delete()
    for weekday in range(5):
        OpeningHours.objects.create(unit=world.unit, weekday=weekday, start="08:00", end="15:30")
    day = date(2026, 3, 24)  # a Tuesday
    for i in range(5):
        person = f.make_person(User.Role.SERVICE_USER, world.unit)
        for hour in (10, 20):
            asked = at(day, hour, 15) + timedelta(days=i if hour == 20 else 0)
            HelpRequest.objects.create(
                user=person,
                unit=world.unit,
                status=HelpRequest.Status.RESOLVED,
                created_at=asked,
                acknowledged_at=asked + timedelta(minutes=2 * (i + 1)),
                resolved_at=asked + timedelta(hours=1),
            )
    hours = {row["hour"]: row for row in picture_for(world).help_by_hour}
    assert hours[10]["requests"] == 5
    assert hours[10]["outside_opening_hours"] == 0
    assert hours[10]["answer_median_minutes"] == 6.0
    assert hours[10]["answer_p90_minutes"] == 9.2
    assert hours[20]["outside_opening_hours"] == 5
    assert hours[3]["requests"] == 0


def test_the_page_shows_plots_and_tables_to_the_unit_coordinator(world: World, unit_history, web_client) -> None:
    page = web_client(world.coordinator).get(reverse("web:unit_insight"), QUERY)
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("<svg") >= 8
    assert "færre enn 5" in body
    assert reverse("web:unit_insight_csv", args=["meetings"]) in body


def test_the_page_is_not_for_workers_or_strangers(world: World, unit_history, web_client) -> None:
    assert web_client(world.worker).get(reverse("web:unit_insight")).status_code == 302
    anonymous = web_client().get(reverse("web:unit_insight"))
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    assert web_client(world.worker).get(reverse("web:unit_insight_csv", args=["meetings"])).status_code == 302


def test_a_coordinator_of_another_unit_sees_only_their_own_unit(world: World, unit_history, web_client, api) -> None:
    other = f.make_person(User.Role.COORDINATOR, f.make_unit("Nord"), "othercoord")
    csv = web_client(other).get(reverse("web:unit_insight_csv", args=["meetings"]), QUERY).content.decode()
    assert all(line.count(",0,") for line in csv.splitlines()[1:])
    body = api.as_(other).get("/api/insight/", QUERY).json()
    assert {row["booked"] for row in body["meetings"]} == {0}


def test_the_csv_holds_the_table_with_small_numbers_hidden(world: World, unit_history, web_client) -> None:
    answer = web_client(world.coordinator).get(reverse("web:unit_insight_csv", args=["meetings"]), QUERY)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    lines = answer.content.decode().splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("2026-03-23,7,6,færre enn 5")
    assert web_client(world.coordinator).get(reverse("web:unit_insight_csv", args=["nothing"])).status_code == 404


def test_the_api_gives_the_same_figures_to_coordinators_only(world: World, unit_history, api) -> None:
    answer = api.as_(world.coordinator).get("/api/insight/", QUERY)
    assert answer.status_code == 200
    body = answer.json()
    assert body["meetings"][1]["booked"] == 7
    assert body["meetings"][1]["no_show"] == "<5"
    assert body["meetings"][0]["period"] == "2026-03-16"
    assert api.as_(world.worker).get("/api/insight/").status_code == 404
    assert api.anonymous().get("/api/insight/").status_code == 401
    bad = api.as_(world.coordinator).get("/api/insight/", {"from": "2026-04-05", "to": "2026-03-01"})
    assert bad.status_code == 400
    assert "from" in bad.json()["error"]["fields"]
