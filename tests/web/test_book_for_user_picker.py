"""A worker books a meeting on a service user's behalf from the free-time picker: finds the
person by name or phone number, picks the meeting type and a free time a week at a time (the
person's own free times under staff rules), or a time outside the usual hours, confirms, and
sees the booked page. Times are right across the daylight-saving changes of 2026."""

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from booking.models import Appointment, CalendarOverride, WorkingHours
from booking.slots import slots_for
from messaging.models import Delivery
from people.models import User
from tests import factories as f
from tests.factories import OSLO, local, make_appointment, next_weekday
from tests.web.support import links_to, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(world, web_client) -> Client:
    return web_client(world.worker)


def times_url(world, person: User | None = None) -> str:
    return f"/calendar/book/{(person or world.client).pk}/{world.meeting_type.pk}/"


def offered(response) -> list[tuple[str, datetime]]:
    """Each free time the picker shows: its label and the instant its link books."""
    html = response.content.decode()
    found = []
    for href, label in re.findall(r'<a class="button slot" href="([^"]+)">(\d\d:\d\d)<', html):
        start = parse_qs(urlparse(href.replace("&amp;", "&")).query)["start"][0]
        found.append((label, parse_datetime(start)))
    return found


def people_listed(response) -> list[str]:
    return [href for href in links_to(response, "/calendar/book/") if re.fullmatch(r"/calendar/book/\d+/", href)]


def confirm_inputs(response) -> dict:
    """What the confirm page's "Yes, book it" button sends."""
    return next(form.inputs for form in parse(response).forms if "token" in form.inputs)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def frozen_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The pages' clock stands at ``moment``: the weeks of the 2026 clock changes are past."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


# --- Choosing the person ----------------------------------------------------------------------


def test_it_finds_a_person_by_name(world, worker):
    f.follow(world.worker, f.make_person(User.Role.SERVICE_USER, world.unit, first_name="Bodil"))

    page = worker.get("/calendar/book/", {"q": "ann"})

    assert page.status_code == 200
    assert people_listed(page) == [f"/calendar/book/{world.client.pk}/"]


def test_it_finds_a_person_by_phone_number_as_typed(world, worker):
    page = worker.get("/calendar/book/", {"q": "+47 400 00 001"})

    assert people_listed(page) == [f"/calendar/book/{world.client.pk}/"]


def test_it_lists_everyone_the_worker_may_book_for_without_a_search(world, worker):
    page = worker.get("/calendar/book/")

    assert f"/calendar/book/{world.client.pk}/" in people_listed(page)
    assert f"/calendar/book/{world.other_client.pk}/" not in people_listed(page)


def test_another_workers_person_is_not_found(world, worker):
    assert worker.get("/calendar/book/", {"q": "otherclient"}).context["people"] == []
    page = worker.get("/calendar/book/", {"q": str(world.other_client.first_name or "x")})
    assert f"/calendar/book/{world.other_client.pk}/" not in people_listed(page)
    assert worker.get("/calendar/book/", {"person": world.other_client.pk}).status_code == 404
    assert worker.get(f"/calendar/book/{world.other_client.pk}/").status_code == 404
    assert worker.get(times_url(world, world.other_client)).status_code == 404
    start = local(next_weekday(1), 10).isoformat()
    response = worker.post(f"{times_url(world, world.other_client)}confirm/", {"start": start, "weeks": 1})
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_a_person_can_be_chosen_by_a_link_and_a_single_meeting_type_is_chosen_for_them(world, worker):
    response = worker.get("/calendar/book/", {"person": world.client.pk}, follow=True)

    assert response.redirect_chain[-1][0] == times_url(world)
    assert response.status_code == 200
    assert "Velg en tid" in response.content.decode()


def test_the_old_link_with_user_still_works(world, worker):
    response = worker.get("/calendar/book/", {"user": world.client.pk})

    assert response.status_code == 302
    assert response.url == f"/calendar/book/{world.client.pk}/"


def test_a_malformed_person_is_a_404(world, worker):
    assert worker.get("/calendar/book/", {"person": "abc"}).status_code == 404


def test_with_several_meeting_types_the_worker_chooses_one_of_their_own(world, worker):
    second = f.make_meeting_type(world.calendar, name="Hjemmebesøk", duration_minutes=60)

    page = worker.get(f"/calendar/book/{world.client.pk}/")

    assert page.status_code == 200
    assert sorted(links_to(page, f"/calendar/book/{world.client.pk}/")) == sorted(
        [times_url(world), f"/calendar/book/{world.client.pk}/{second.pk}/"]
    )
    assert worker.get(f"/calendar/book/{world.client.pk}/{world.other_meeting_type.pk}/").status_code == 404


def test_the_persons_page_and_the_caseload_link_to_booking_for_them(world, worker):
    person_page = worker.get(f"/people/{world.client.pk}/").content.decode()
    caseload = worker.get("/caseload/").content.decode()

    link = f"/calendar/book/?person={world.client.pk}"
    assert link in person_page
    assert "Bestill et møte" in person_page
    assert link in caseload


# --- The week's free times --------------------------------------------------------------------


def test_the_picker_lists_the_persons_free_times_under_staff_rules(world, worker):
    day = next_weekday(2)
    make_appointment(world.meeting_type, world.other_client, local(day, 10))
    monday = monday_of(day)

    page = worker.get(times_url(world), {"week": day.isoformat()})

    listed = [start for _label, start in offered(page)]
    staff_slots = slots_for(
        meeting_type=world.meeting_type, actor=world.worker, first_day=monday, last_day=monday + timedelta(days=6)
    )
    assert listed == [slot.start for slot in staff_slots]
    persons_own = slots_for(
        meeting_type=world.meeting_type, actor=world.client, first_day=monday, last_day=monday + timedelta(days=6)
    )
    assert {slot.start for slot in persons_own} <= set(listed)
    assert local(day, 10) not in listed
    assert all(label == start.astimezone(OSLO).strftime("%H:%M") for label, start in offered(page))


def test_staff_may_book_at_shorter_notice_than_the_person(world, worker, monkeypatch):
    # A Tuesday at 08:10: the person needs two hours' notice, staff none.
    tuesday = next_weekday(1)
    frozen_at(monkeypatch, local(tuesday, 8, 10))

    listed = [start for _label, start in offered(worker.get(times_url(world)))]

    assert local(tuesday, 8, 30) in listed
    assert local(tuesday, 8) not in listed


def test_the_picker_moves_a_week_at_a_time(world, worker):
    this_monday = monday_of(timezone.now().astimezone(OSLO).date())
    page = worker.get(times_url(world))
    assert page.context["monday"] == this_monday
    assert page.context["previous"] is None

    later = worker.get(page.context["next"])

    assert later.context["monday"] == this_monday + timedelta(days=7)
    assert later.context["previous"].endswith(f"?week={this_monday.isoformat()}")
    assert worker.get(times_url(world), {"week": "2026-02-30"}).context["monday"] == this_monday


# --- Booking a listed time --------------------------------------------------------------------


def test_booking_a_listed_time_books_exactly_that_time_and_tells_the_person(world, worker):
    day = next_weekday(3)
    page = worker.get(times_url(world), {"week": day.isoformat()})
    _label, start = next(item for item in offered(page) if item[1] == local(day, 13))
    href = next(
        h
        for h in links_to(page, f"{times_url(world)}confirm/")
        if parse_qs(urlparse(h).query)["start"][0] == start.isoformat()
    )

    confirm = worker.get(href)
    assert confirm.status_code == 200
    assert "Stemmer dette?" in confirm.content.decode()
    response = worker.post(href.split("?")[0], confirm_inputs(confirm))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response.url == f"/calendar/meetings/{appointment.pk}/booked/"
    assert appointment.start == start == local(day, 13)
    assert (appointment.client, appointment.booked_by) == (world.client, world.worker)
    assert Delivery.objects.filter(recipient=world.client).exists()
    booked = worker.get(response.url)
    assert booked.status_code == 200
    assert "Møtet er bestilt" in booked.content.decode()


def test_a_weekly_series_can_be_booked_from_the_confirm_page(world, worker):
    day = next_weekday(3)
    start = local(day, 13)

    response = worker.post(f"{times_url(world)}confirm/", {"start": start.isoformat(), "weeks": 3})

    assert response.status_code == 302
    assert [a.start for a in Appointment.objects.order_by("start")] == [
        local(day + timedelta(weeks=k), 13) for k in range(3)
    ]


def test_a_time_taken_meanwhile_is_refused_with_free_times_to_click(world, worker):
    day = next_weekday(1)
    make_appointment(world.meeting_type, world.other_client, local(day, 10))

    response = worker.post(f"{times_url(world)}confirm/", {"start": local(day, 10).isoformat(), "weeks": 1})

    assert response.status_code == 409
    assert Appointment.objects.count() == 1
    choices = [h for h in links_to(response, f"{times_url(world)}confirm/") if "outside" not in h]
    alternatives = response.context["alternatives"]
    assert alternatives
    for item in alternatives:
        assert item["url"] in choices


def test_bad_input_on_the_confirm_page_is_a_form_error_not_a_booking(world, worker):
    start = local(next_weekday(1), 10).isoformat()
    assert worker.get(f"{times_url(world)}confirm/", {"start": "tomorrow"}).status_code == 302
    response = worker.post(f"{times_url(world)}confirm/", {"start": start, "weeks": 0})
    assert response.status_code == 400
    assert response.context["form"].errors["weeks"]
    assert not Appointment.objects.exists()


# --- Outside the usual hours ------------------------------------------------------------------


def outside(worker: Client, world, day: date, at: str):
    return worker.post(f"{times_url(world)}outside/", {"day": day.isoformat(), "start": at})


def test_a_time_outside_the_usual_hours_is_booked_after_confirming(world, worker):
    day = next_weekday(2)

    checked = outside(worker, world, day, "18:10")

    assert checked.status_code == 302
    query = parse_qs(urlparse(checked.url).query)
    assert query["outside"] == ["1"]
    confirm = worker.get(checked.url)
    assert "utenom de vanlige tidene" in confirm.content.decode()
    response = worker.post(checked.url.split("?")[0], confirm_inputs(confirm))
    assert response.status_code == 302
    assert Appointment.objects.get().start == local(day, 18, 10)


def test_outside_the_usual_hours_cannot_double_book(world, worker):
    day = next_weekday(2)
    make_appointment(world.meeting_type, world.other_client, local(day, 18))

    response = outside(worker, world, day, "18:30")

    assert response.status_code == 409
    assert Appointment.objects.count() == 1
    assert response.context["alternatives"]
    assert "Nærmeste ledige tider" in response.content.decode()
    # Straight to the booking (a page left open while someone else booked): refused too.
    direct = worker.post(
        f"{times_url(world)}confirm/", {"start": local(day, 18, 30).isoformat(), "outside": "1", "weeks": 1}
    )
    assert direct.status_code == 409
    assert Appointment.objects.count() == 1


def test_the_buffer_after_a_meeting_counts_outside_the_usual_hours_too(world, worker):
    day = next_weekday(2)
    make_appointment(world.meeting_type, world.other_client, local(day, 18))  # 18:00–18:45, 15 min after

    assert outside(worker, world, day, "18:50").status_code == 409
    assert outside(worker, world, day, "19:00").status_code == 302


def test_time_off_cannot_be_booked_outside_the_usual_hours(world, worker):
    day = next_weekday(2)
    CalendarOverride.objects.create(
        calendar=world.calendar, kind=CalendarOverride.Kind.TIME_OFF, start=local(day, 0), end=local(day, 23, 59)
    )

    response = outside(worker, world, day, "18:00")

    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_a_time_in_the_past_or_that_does_not_exist_is_a_form_error(world, worker):
    yesterday = timezone.now().astimezone(OSLO).date() - timedelta(days=1)
    assert outside(worker, world, yesterday, "18:00").status_code == 400
    skipped = outside(worker, world, date(2027, 3, 28), "02:30")
    assert skipped.status_code == 400
    assert skipped.context["outside_form"].errors["start"]
    assert outside(worker, world, day=next_weekday(2), at="25:00").status_code == 400
    assert not Appointment.objects.exists()


def test_a_service_user_cannot_book_outside_the_usual_hours(world):
    from booking.services import appointment_book
    from config.errors import ApplicationError

    with pytest.raises(ApplicationError):
        appointment_book(
            actor=world.client,
            worker_id=world.worker.pk,
            meeting_type_id=world.meeting_type.pk,
            start=local(next_weekday(2), 18),
            any_hour=True,
        )
    assert not Appointment.objects.exists()


# --- Across the daylight-saving changes -------------------------------------------------------


def open_on_sunday_night(world) -> None:
    """Sunday 01:00–04:00, so the night the clocks change has free times."""
    WorkingHours.objects.create(calendar=world.calendar, weekday=6, start=time(1), end=time(4))


def test_the_spring_week_lists_the_right_local_times_and_books_that_instant(world, worker, monkeypatch):
    open_on_sunday_night(world)
    frozen_at(monkeypatch, datetime(2026, 3, 20, 12, tzinfo=OSLO))

    page = worker.get(times_url(world), {"week": "2026-03-23"})

    listed = offered(page)
    assert [start.astimezone(UTC) for _label, start in listed] == [
        slot.start.astimezone(UTC)
        for slot in slots_for(
            meeting_type=world.meeting_type, actor=world.worker, first_day=date(2026, 3, 23), last_day=date(2026, 3, 29)
        )
    ]
    assert all(label == start.astimezone(OSLO).strftime("%H:%M") for label, start in listed)
    sunday = [(label, start.astimezone(UTC)) for label, start in listed if start.astimezone(OSLO).day == 29]
    # 02:00–03:00 does not exist that night; 03:00 is summer time, one hour after 01:00 UTC.
    assert sunday == [
        ("01:00", datetime(2026, 3, 29, 0, tzinfo=UTC)),
        ("01:30", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
        ("03:00", datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ]
    assert ("08:00", datetime(2026, 3, 23, 7, tzinfo=UTC)) in [(la, s.astimezone(UTC)) for la, s in listed]
    next_week = offered(worker.get(times_url(world), {"week": "2026-03-30"}))
    assert ("08:00", datetime(2026, 3, 30, 6, tzinfo=UTC)) in [(la, s.astimezone(UTC)) for la, s in next_week]

    href = next(h for h in links_to(page, f"{times_url(world)}confirm/") if "T03%3A00" in h or "T03:00" in h)
    response = worker.post(href.split("?")[0], confirm_inputs(worker.get(href)))
    assert response.status_code == 302
    assert Appointment.objects.get().start == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_the_autumn_week_lists_the_right_local_times_and_books_that_instant(world, worker, monkeypatch):
    open_on_sunday_night(world)
    frozen_at(monkeypatch, datetime(2026, 10, 16, 12, tzinfo=OSLO))

    page = worker.get(times_url(world), {"week": "2026-10-19"})

    listed = offered(page)
    assert [start.astimezone(UTC) for _label, start in listed] == [
        slot.start.astimezone(UTC)
        for slot in slots_for(
            meeting_type=world.meeting_type,
            actor=world.worker,
            first_day=date(2026, 10, 19),
            last_day=date(2026, 10, 25),
        )
    ]
    assert all(label == start.astimezone(OSLO).strftime("%H:%M") for label, start in listed)
    sunday = [(label, start.astimezone(UTC)) for label, start in listed if start.astimezone(OSLO).day == 25]
    # 02:00–03:00 happens twice; the first time (summer time) is offered, once.
    assert ("02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) in sunday
    assert ("03:00", datetime(2026, 10, 25, 2, tzinfo=UTC)) in sunday
    assert len({label for label, _s in sunday}) == len(sunday)
    assert ("08:00", datetime(2026, 10, 19, 6, tzinfo=UTC)) in [(la, s.astimezone(UTC)) for la, s in listed]
    next_week = offered(worker.get(times_url(world), {"week": "2026-10-26"}))
    assert ("08:00", datetime(2026, 10, 26, 7, tzinfo=UTC)) in [(la, s.astimezone(UTC)) for la, s in next_week]

    href = next(
        h
        for h in links_to(page, f"{times_url(world)}confirm/")
        if parse_datetime(parse_qs(urlparse(h).query)["start"][0]) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    )
    response = worker.post(href.split("?")[0], confirm_inputs(worker.get(href)))
    assert response.status_code == 302
    assert Appointment.objects.get().start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_time_outside_the_usual_hours_on_the_autumn_night_is_summer_time(world, worker, monkeypatch):
    frozen_at(monkeypatch, datetime(2026, 10, 20, 12, tzinfo=OSLO))

    checked = outside(worker, world, date(2026, 10, 25), "02:30")
    response = worker.post(checked.url.split("?")[0], confirm_inputs(worker.get(checked.url)))

    assert response.status_code == 302
    assert Appointment.objects.get().start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_peer_books_coffee_for_someone_in_their_unit(world, web_client):
    peer = web_client(world.peer)
    tuesday = next_weekday(1)

    listed = people_listed(peer.get("/calendar/book/", {"q": "Anna"}))
    times = peer.get(f"/calendar/book/{world.client.pk}/", follow=True)
    response = peer.post(
        f"/calendar/book/{world.client.pk}/{world.peer_meeting_type.pk}/confirm/",
        {"start": local(tuesday, 10).isoformat(), "weeks": 1},
    )

    assert listed == [f"/calendar/book/{world.client.pk}/"]
    assert times.redirect_chain[-1][0] == f"/calendar/book/{world.client.pk}/{world.peer_meeting_type.pk}/"
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.calendar, appointment.client, appointment.start) == (
        world.peer_calendar,
        world.client,
        local(tuesday, 10),
    )
