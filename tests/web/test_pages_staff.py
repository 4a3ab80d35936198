"""The pages of social workers and peers: today, the calendar and its set-up, booking on
someone's behalf, closing meetings, the caseload and "lost my phone"."""

import re
from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from booking.models import Appointment, CalendarOverride, MeetingType, WorkingHours
from messaging.models import Delivery
from people.models import PhoneNumber, User
from reminders.models import FollowUpTask, MessageKind
from tests import factories as f
from tests.factories import OSLO, local, make_appointment, next_weekday
from tests.web.support import forms_posting_to, links_to, parse

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().astimezone(OSLO).date()


def monday_of(day):
    return day - timedelta(days=day.weekday())


def row_with(response, text: str) -> str:
    """The table row (or list item) of the page that mentions ``text``."""
    html = response.content.decode()
    for row in re.findall(r"<tr>.*?</tr>|<li[ >].*?</li>", html, flags=re.S):
        if text in row:
            return row
    raise AssertionError(f"{text!r} not on the page")


def client_of(world, first_name: str, phone: str | None = None) -> User:
    person = f.make_person(User.Role.SERVICE_USER, world.unit, phone=phone, first_name=first_name)
    f.follow(world.worker, person)
    return person


def failed_delivery(person: User, days_ago: int) -> Delivery:
    at = timezone.now() - timedelta(days=days_ago)
    return Delivery.objects.create(
        recipient=person,
        kind=MessageKind.MEDICATION,
        channel="sms",
        occurrence_at=at,
        due_at=at,
        expires_at=at + timedelta(hours=2),
        dedupe_key=f"test:{person.pk}:{days_ago}",
        status=Delivery.Status.FAILED,
    )


@pytest.fixture
def worker(world, web_client) -> Client:
    return web_client(world.worker, english=True)


# --- Today --------------------------------------------------------------------------------------


def test_today_shows_todays_meetings_with_their_confirmation_status(world, worker):
    confirmed = client_of(world, "Bjørn")
    silent = client_of(world, "Cecilie")
    make_appointment(world.meeting_type, confirmed, local(today(), 9), confirmed_at=timezone.now())
    make_appointment(world.meeting_type, silent, local(today(), 10))
    make_appointment(world.meeting_type, world.client, local(today(), 11), status=Appointment.Status.CANCELLED)
    make_appointment(world.other_meeting_type, world.other_client, local(today(), 9))
    make_appointment(world.meeting_type, world.client, local(today() + timedelta(days=1), 9))

    response = worker.get("/today/")

    assert response.status_code == 200
    assert len(response.context["appointments"]) == 3
    assert "Confirmed by SMS" in row_with(response, "Bjørn")
    assert "No answer yet" in row_with(response, "Cecilie")
    assert "Cancelled" in row_with(response, world.client.get_full_name())
    assert world.other_client.get_full_name() not in response.content.decode()


def test_today_lists_open_tasks_with_a_done_button(world, worker):
    task = FollowUpTask.objects.create(worker=world.worker, client=world.client, kind=FollowUpTask.Kind.CALL_BACK)
    FollowUpTask.objects.create(
        worker=world.worker, client=world.client, kind=FollowUpTask.Kind.NO_SHOW, done_at=timezone.now()
    )
    FollowUpTask.objects.create(worker=world.other_worker, client=world.other_client, kind=FollowUpTask.Kind.CALL_BACK)

    page = worker.get("/today/")

    assert [t.pk for t in page.context["tasks"]] == [task.pk]
    (form,) = forms_posting_to(page, f"/tasks/{task.pk}/done/")

    response = worker.post(f"/tasks/{task.pk}/done/", form.inputs)

    assert response.status_code == 302
    assert response.url == "/today/"
    task.refresh_from_db()
    assert task.done_at is not None
    assert worker.get("/today/").context["tasks"] == []


def test_marking_a_task_done_with_htmx_answers_with_a_fragment(world, worker):
    task = FollowUpTask.objects.create(worker=world.worker, client=world.client, kind=FollowUpTask.Kind.CALL_BACK)

    response = worker.post(f"/tasks/{task.pk}/done/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert b"<html" not in response.content
    task.refresh_from_db()
    assert task.done_at is not None


def test_another_workers_task_is_404(world, worker):
    theirs = FollowUpTask.objects.create(
        worker=world.other_worker, client=world.other_client, kind=FollowUpTask.Kind.CALL_BACK
    )

    assert worker.post(f"/tasks/{theirs.pk}/done/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.done_at is None


def test_today_lists_people_whose_reminders_are_not_getting_through(world, worker):
    failing = client_of(world, "Feiler", phone="+4740000011")
    failed_delivery(failing, days_ago=2)
    without_phone = client_of(world, "Utentelefon")
    unusable = client_of(world, "Ubrukelig", phone="+4740000012")
    unusable.phone_numbers.update(unusable_since=timezone.now())
    long_ago = client_of(world, "Lengesiden", phone="+4740000013")
    failed_delivery(long_ago, days_ago=10)
    failed_delivery(world.other_client, days_ago=1)

    response = worker.get("/today/")

    names = {u.first_name for u in response.context["failing"]}
    assert names == {"Feiler", "Utentelefon", "Ubrukelig"}
    assert "reminders failed this week" in row_with(response, "Feiler")
    assert "no working phone number" in row_with(response, "Utentelefon")
    assert f"/caseload/{without_phone.pk}/phone/" in links_to(response, "/caseload/")


# --- Calendar --------------------------------------------------------------------------------------


def test_the_week_view_shows_appointments_and_time_off_and_moves_between_weeks(world, worker):
    next_monday = monday_of(today()) + timedelta(days=7)
    tuesday, wednesday = next_monday + timedelta(days=1), next_monday + timedelta(days=2)
    make_appointment(world.meeting_type, world.client, local(tuesday, 10))
    make_appointment(world.meeting_type, world.client, local(tuesday, 12), status=Appointment.Status.CANCELLED)
    CalendarOverride.objects.create(
        calendar=world.calendar,
        kind=CalendarOverride.Kind.TIME_OFF,
        start=local(wednesday, 0),
        end=local(wednesday + timedelta(days=1), 0),
        note="Kurs",
    )

    this_week = worker.get("/calendar/")
    assert this_week.status_code == 200
    assert this_week.context["monday"] == monday_of(today())
    assert f"?week={next_monday.isoformat()}" in parse(this_week).links

    response = worker.get(f"/calendar/?week={next_monday.isoformat()}")

    assert response.context["monday"] == next_monday
    days = {d["day"]: d for d in response.context["days"]}
    assert [a.start for a in days[tuesday]["appointments"]] == [local(tuesday, 10)]
    assert [o.note for o in days[wednesday]["off"]] == ["Kurs"]
    assert not days[tuesday]["off"]
    assert not days[wednesday + timedelta(days=1)]["off"]
    assert world.client.get_full_name() in response.content.decode()
    assert "Time off all day: Kurs" in response.content.decode()
    assert f"?week={monday_of(today()).isoformat()}" in parse(response).links
    # Any day of the week shows that week.
    assert worker.get(f"/calendar/?week={wednesday.isoformat()}").context["monday"] == next_monday


def test_a_week_that_cannot_be_read_shows_this_week(world, worker):
    assert worker.get("/calendar/?week=nonsense").context["monday"] == monday_of(today())


def test_the_week_view_does_not_show_other_calendars(world, worker):
    make_appointment(world.other_meeting_type, world.other_client, local(next_weekday(1, min_days_ahead=0), 10))

    response = worker.get(f"/calendar/?week={next_weekday(1, min_days_ahead=0).isoformat()}")

    assert all(not d["appointments"] for d in response.context["days"])


def week_form(**days: list[tuple[str, str]]) -> dict[str, str]:
    """The working-hours form: ``mon=[("08:00", "11:30"), ("12:00", "15:30")]``."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    data = {}
    for weekday, name in enumerate(names):
        periods = days.get(name, [])
        for i in (1, 2, 3):
            start, end = periods[i - 1] if i <= len(periods) else ("", "")
            data[f"d{weekday}-start{i}"], data[f"d{weekday}-end{i}"] = start, end
    return data


def hours_of(world) -> list[tuple[int, time, time]]:
    return list(world.calendar.working_hours.order_by("weekday", "start").values_list("weekday", "start", "end"))


def test_saving_a_week_of_working_hours_with_a_lunch_break(world, worker):
    assert worker.get("/calendar/hours/").status_code == 200

    response = worker.post(
        "/calendar/hours/", week_form(mon=[("08:00", "11:30"), ("12:00", "15:30")], thu=[("09:00", "14:00")])
    )

    assert response.status_code == 302
    assert response.url == "/calendar/"
    assert hours_of(world) == [
        (0, time(8), time(11, 30)),
        (0, time(12), time(15, 30)),
        (3, time(9), time(14)),
    ]


def test_the_hours_page_starts_from_the_saved_week(world, worker):
    page = worker.get("/calendar/hours/")

    (form,) = forms_posting_to(page, "")
    assert form.inputs["d0-start1"].startswith("08:00")
    assert form.inputs["d0-end2"].startswith("15:30")
    assert form.inputs["d5-start1"] == ""


def test_overlapping_periods_are_refused_and_nothing_changes(world, worker):
    before = hours_of(world)

    response = worker.post("/calendar/hours/", week_form(mon=[("08:00", "12:00"), ("11:00", "15:00")]))

    assert response.status_code == 200
    assert 'class="message error"' in response.content.decode()
    assert hours_of(world) == before


@pytest.mark.parametrize("period", [("08:00", ""), ("", "15:00"), ("15:00", "08:00")])
def test_a_half_filled_or_backwards_period_is_refused_and_nothing_changes(world, worker, period):
    before = hours_of(world)

    response = worker.post("/calendar/hours/", week_form(tue=[period]))

    assert response.status_code == 200
    day_forms = {weekday: form for weekday, _label, form in response.context["day_forms"]}
    assert day_forms[1].non_field_errors()
    assert 'role="alert"' in response.content.decode()
    assert hours_of(world) == before


def test_adding_and_removing_whole_days_off(world, worker, web_client):
    first = next_weekday(1)
    last = first + timedelta(days=1)

    response = worker.post(
        "/calendar/time-off/", {"first_day": first.isoformat(), "last_day": last.isoformat(), "note": "Ferie"}
    )

    assert response.status_code == 302
    item = CalendarOverride.objects.get(calendar=world.calendar)
    assert item.kind == CalendarOverride.Kind.TIME_OFF
    assert item.start == local(first, 0)
    assert item.end == local(last + timedelta(days=1), 0)
    assert item.note == "Ferie"
    # The days off are no longer offered to the person booking.
    times = web_client(world.client).get(f"/book/{world.meeting_type.pk}/")
    offered_days = {day for day, _times in times.context["days"]}
    assert first not in offered_days
    assert last not in offered_days

    page = worker.get("/calendar/time-off/")
    (form,) = forms_posting_to(page, f"/calendar/time-off/{item.pk}/delete/")
    assert worker.post(f"/calendar/time-off/{item.pk}/delete/", form.inputs).status_code == 302
    assert not CalendarOverride.objects.exists()


def test_time_off_ending_before_it_starts_is_refused(world, worker):
    first = next_weekday(1)

    response = worker.post(
        "/calendar/time-off/",
        {"first_day": first.isoformat(), "last_day": (first - timedelta(days=1)).isoformat(), "note": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not CalendarOverride.objects.exists()


def test_another_workers_time_off_cannot_be_removed(world, worker):
    theirs = CalendarOverride.objects.create(
        calendar=world.other_calendar,
        kind=CalendarOverride.Kind.TIME_OFF,
        start=local(next_weekday(1), 0),
        end=local(next_weekday(1) + timedelta(days=1), 0),
    )

    assert worker.post(f"/calendar/time-off/{theirs.pk}/delete/").status_code == 404
    assert CalendarOverride.objects.filter(pk=theirs.pk).exists()


def meeting_type_form(**changes) -> dict[str, str]:
    data = {
        "name": "Kort prat",
        "description": "",
        "duration_minutes": "30",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "slot_step_minutes": "15",
        "min_notice_minutes": "60",
        "horizon_days": "14",
        "mode": "phone",
        "place": "",
        "audience": "caseload",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_creating_and_changing_a_meeting_type(world, worker):
    assert worker.get("/calendar/types/").status_code == 200

    response = worker.post("/calendar/types/", meeting_type_form())

    assert response.status_code == 302
    created = MeetingType.objects.get(name="Kort prat")
    assert created.calendar == world.calendar
    assert (created.duration_minutes, created.mode, created.is_active) == (30, "phone", True)

    page = worker.get(f"/calendar/types/{created.pk}/")
    assert page.status_code == 200
    (form,) = forms_posting_to(page, "")
    assert form.inputs["name"] == "Kort prat"

    response = worker.post(f"/calendar/types/{created.pk}/", meeting_type_form(duration_minutes="60", is_active=None))

    assert response.status_code == 302
    created.refresh_from_db()
    assert (created.duration_minutes, created.is_active) == (60, False)
    assert MeetingType.objects.filter(calendar=world.calendar).count() == 2


def test_a_meeting_type_outside_the_allowed_lengths_is_a_form_error(world, worker):
    response = worker.post("/calendar/types/", meeting_type_form(duration_minutes="1"))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not MeetingType.objects.filter(name="Kort prat").exists()


def test_another_workers_meeting_type_is_404(world, worker):
    assert worker.get(f"/calendar/types/{world.other_meeting_type.pk}/").status_code == 404
    response = worker.post(f"/calendar/types/{world.other_meeting_type.pk}/", meeting_type_form(name="Kapret"))
    assert response.status_code == 404
    world.other_meeting_type.refresh_from_db()
    assert world.other_meeting_type.name == "Samtale"


# --- Booking for a service user --------------------------------------------------------------------


def book_for(worker: Client, world, person: User, day, at: str = "10:00", weeks: int = 1):
    """Confirm a free time from the picker (``/calendar/book/``) for ``person``."""
    hour, minute = (int(part) for part in at.split(":"))
    return worker.post(
        f"/calendar/book/{person.pk}/{world.meeting_type.pk}/confirm/",
        {"start": local(day, hour, minute).isoformat(), "weeks": weeks},
    )


def test_booking_for_someone_in_the_caseload(world, worker):
    day = next_weekday(1)
    page = worker.get(f"/calendar/book/?user={world.client.pk}")
    assert page.status_code == 302
    assert page.url == f"/calendar/book/{world.client.pk}/"

    response = book_for(worker, world, world.client, day)

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response.url == f"/calendar/meetings/{appointment.pk}/booked/"
    assert appointment.client == world.client
    assert appointment.booked_by == world.worker
    assert appointment.start == local(day, 10)


def test_booking_a_weekly_series(world, worker):
    day = next_weekday(3)

    response = book_for(worker, world, world.client, day, at="13:00", weeks=4)

    assert response.status_code == 302
    booked = list(Appointment.objects.order_by("start"))
    assert [a.start for a in booked] == [local(day + timedelta(weeks=k), 13) for k in range(4)]
    assert len({a.series_id for a in booked}) == 1
    assert booked[0].series_id is not None


def test_someone_outside_the_caseload_is_not_a_choice(world, worker):
    page = worker.get("/calendar/book/")
    assert [p.pk for p in page.context["people"]] == [world.client.pk]

    response = book_for(worker, world, world.other_client, next_weekday(1))

    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_a_taken_time_shows_nearby_free_times_with_409(world, worker):
    day = next_weekday(1)
    make_appointment(world.meeting_type, world.client, local(day, 10))
    neighbour = client_of(world, "Dag")

    response = book_for(worker, world, neighbour, day)

    assert response.status_code == 409
    assert response.context["refusal"].message
    assert response.context["alternatives"]
    assert local(day, 10) not in [t["start"] for t in response.context["alternatives"]]
    assert not Appointment.objects.filter(client=neighbour).exists()


def test_one_click_on_a_nearby_free_time_books_it(world, worker):
    day = next_weekday(1)
    make_appointment(world.meeting_type, world.client, local(day, 10))
    neighbour = client_of(world, "Dag")
    taken = book_for(worker, world, neighbour, day)
    first = taken.context["alternatives"][0]
    # Each free time is a link of its own to the confirm page, carrying the time.
    assert first["url"] in links_to(taken, f"/calendar/book/{neighbour.pk}/")

    confirm = worker.get(first["url"])
    form = next(f for f in parse(confirm).forms if "token" in f.inputs)
    response = worker.post(first["url"].split("?")[0], form.inputs)

    assert response.status_code == 302
    assert Appointment.objects.get(client=neighbour).start == first["start"]


def test_a_series_with_a_taken_date_books_nothing(world, worker):
    day = next_weekday(1)
    make_appointment(world.meeting_type, world.client, local(day + timedelta(weeks=2), 10))
    neighbour = client_of(world, "Dag")

    response = book_for(worker, world, neighbour, day, weeks=4)

    assert response.status_code == 409
    assert response.context["refusal"].extra["conflicts"]
    assert not Appointment.objects.filter(client=neighbour).exists()


# --- Closing a meeting ----------------------------------------------------------------------------


def started(world, person: User | None = None) -> Appointment:
    """A meeting that began a little while ago, and today (also just after midnight)."""
    start = max(timezone.now() - timedelta(minutes=30), local(today(), 0))
    return make_appointment(world.meeting_type, person or world.client, start)


def test_a_started_meeting_can_be_marked_held(world, worker):
    appointment = started(world)
    page = worker.get("/today/")
    assert forms_posting_to(page, f"/appointments/{appointment.pk}/completed/")

    response = worker.post(f"/appointments/{appointment.pk}/completed/")

    assert response.status_code == 302
    assert response.url == "/today/"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert not FollowUpTask.objects.exists()


def test_did_not_come_marks_the_meeting_and_gives_the_worker_a_task(world, worker):
    appointment = started(world)

    response = worker.post(f"/appointments/{appointment.pk}/no_show/")

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW
    task = FollowUpTask.objects.get()
    assert (task.kind, task.worker, task.client, task.appointment) == (
        FollowUpTask.Kind.NO_SHOW,
        world.worker,
        world.client,
        appointment,
    )
    # Pressing the button again does not make a second task.
    worker.post(f"/appointments/{appointment.pk}/no_show/")
    assert FollowUpTask.objects.count() == 1


def test_a_past_meeting_in_the_week_opens_its_page_where_it_is_marked(world, worker):
    appointment = started(world)
    week = f"/calendar/?week={appointment.start.astimezone(OSLO).date().isoformat()}"
    page = worker.get(week)
    # The grid's blocks stay small: marking is on the meeting's page, one click away.
    assert f"/calendar/meetings/{appointment.pk}/" in parse(page).links
    assert "not marked yet" in page.content.decode()
    meeting = f"/calendar/meetings/{appointment.pk}/"
    (form,) = forms_posting_to(worker.get(meeting), f"/appointments/{appointment.pk}/completed/")

    response = worker.post(f"/appointments/{appointment.pk}/completed/", form.inputs)

    assert response.url == meeting


def test_closing_never_redirects_to_another_site(world, worker):
    appointment = started(world)

    response = worker.post(f"/appointments/{appointment.pk}/completed/", {"next": "https://evil.example/"})

    assert response.status_code == 302
    assert response.url == "/today/"


def test_a_meeting_that_has_not_started_cannot_be_closed(world, worker):
    appointment = make_appointment(world.meeting_type, world.client, timezone.now() + timedelta(hours=3))

    response = worker.post(f"/appointments/{appointment.pk}/no_show/", follow=True)

    assert 'class="message error"' in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert not FollowUpTask.objects.exists()


def test_another_workers_meeting_and_unknown_outcomes_change_nothing(world, worker):
    theirs = make_appointment(world.other_meeting_type, world.other_client, timezone.now() - timedelta(minutes=30))
    mine = started(world)

    worker.post(f"/appointments/{theirs.pk}/no_show/")
    assert worker.post(f"/appointments/{mine.pk}/cancelled/").status_code == 404

    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status == mine.status == Appointment.Status.BOOKED
    assert not FollowUpTask.objects.exists()


# --- Caseload -------------------------------------------------------------------------------------


def test_the_caseload_lists_own_people_with_next_and_last_meeting_and_recent_no_shows(world, worker):
    now = timezone.now()
    person = world.client
    make_appointment(world.meeting_type, person, now + timedelta(days=5))
    soonest = make_appointment(world.meeting_type, person, now + timedelta(days=2))
    make_appointment(world.meeting_type, person, now + timedelta(days=1), status=Appointment.Status.CANCELLED)
    last = make_appointment(world.meeting_type, person, now - timedelta(days=3), status=Appointment.Status.COMPLETED)
    make_appointment(world.meeting_type, person, now - timedelta(days=1), status=Appointment.Status.CANCELLED)
    for days in (10, 20, 100):
        make_appointment(world.meeting_type, person, now - timedelta(days=days), status=Appointment.Status.NO_SHOW)
    quiet = client_of(world, "Stille", phone="+4740000021")

    response = worker.get("/caseload/")

    assert response.status_code == 200
    people = {p.pk: p for p in response.context["people"]}
    assert set(people) == {person.pk, quiet.pk}
    assert people[person.pk].next_meeting == soonest.start
    assert people[person.pk].last_meeting == last.start
    assert people[person.pk].no_shows == 2
    assert (people[quiet.pk].next_meeting, people[quiet.pk].last_meeting, people[quiet.pk].no_shows) == (None, None, 0)
    html = response.content.decode()
    assert world.other_client.get_full_name() not in html
    assert "reach out" in row_with(response, person.get_full_name())


def test_lost_my_phone_the_worker_saves_a_new_number_in_two_steps(world, worker):
    old = PhoneNumber.objects.get(user=world.client)
    caseload = worker.get("/caseload/")
    link = f"/caseload/{world.client.pk}/phone/"
    assert link in links_to(caseload, "/caseload/")

    page = worker.get(link)
    assert page.status_code == 200
    response = worker.post(link, {"number": "98 76 54 32"})

    assert response.status_code == 302
    assert response.url == "/caseload/"
    active = PhoneNumber.objects.get(user=world.client, is_active=True)
    assert str(active.number) == "+4798765432"
    old.refresh_from_db()
    assert old.is_active is False
    assert PhoneNumber.objects.filter(user=world.client).count() == 2


def test_a_new_number_that_cannot_be_read_is_a_form_error(world, worker):
    response = worker.post(f"/caseload/{world.client.pk}/phone/", {"number": "123"})

    assert response.status_code == 200
    assert response.context["form"].errors["number"]
    assert PhoneNumber.objects.filter(user=world.client).count() == 1


def test_another_workers_person_is_404_for_lost_my_phone(world, worker):
    url = f"/caseload/{world.other_client.pk}/phone/"

    assert worker.get(url).status_code == 404
    assert worker.post(url, {"number": "98765432"}).status_code == 404
    assert not PhoneNumber.objects.filter(user=world.other_client).exists()


# --- Peers and who may open what --------------------------------------------------------------------


def test_a_peer_sees_today_and_the_calendar_but_nobody_elses_caseload(world, web_client):
    peer = web_client(world.peer, english=True)
    make_appointment(world.peer_meeting_type, world.client, local(next_weekday(1, min_days_ahead=0), 10))

    assert peer.get("/today/").status_code == 200
    calendar = peer.get(f"/calendar/?week={next_weekday(1, min_days_ahead=0).isoformat()}")
    assert calendar.status_code == 200
    assert world.client.get_full_name() in calendar.content.decode()

    caseload = peer.get("/caseload/")
    assert caseload.context["people"] == []
    assert world.client.get_full_name() not in caseload.content.decode()
    assert peer.get(f"/caseload/{world.client.pk}/phone/").status_code == 404
    assert peer.post(f"/caseload/{world.client.pk}/phone/", {"number": "98765432"}).status_code == 404
    assert PhoneNumber.objects.filter(user=world.client).count() == 1


STAFF_PAGES = [
    "/today/",
    "/calendar/",
    "/calendar/hours/",
    "/calendar/time-off/",
    "/calendar/types/",
    "/calendar/book/",
    "/caseload/",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_service_users_opening_a_staff_page_are_sent_home(world, web_client, url):
    response = web_client(world.client).get(url)

    assert response.status_code == 302
    assert response.url == "/"


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_anonymous_visitors_to_staff_pages_are_sent_to_sign_in(world, web_client, url):
    response = web_client().get(url)

    assert response.status_code == 302
    assert response.url == f"/login/?next={url}"


def test_a_service_user_cannot_close_a_meeting(world, web_client):
    appointment = started(world)

    response = web_client(world.client).post(f"/appointments/{appointment.pk}/no_show/")

    assert response.url == "/"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_working_hours_are_per_calendar(world, worker):
    worker.post("/calendar/hours/", week_form(mon=[("08:00", "12:00")]))

    assert WorkingHours.objects.filter(calendar=world.other_calendar).count() == 10


def test_a_coordinator_lands_on_the_units_help_requests_not_the_admin(world, web_client):
    response = web_client(world.coordinator).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/help/requests/"


def test_the_coordinators_menu_reaches_every_unit_page(world, web_client):
    world.coordinator.is_staff = True
    world.coordinator.save(update_fields=["is_staff"])
    page = web_client(world.coordinator).get("/help/requests/")
    unit_pages = ("/groups/", "/handover/", "/help/requests/", "/help/rota/", "/feedback/summary/", "/ideas/")
    for href in (*unit_pages, "/admin/"):
        assert links_to(page, href), href


def test_a_coordinator_without_a_unit_is_not_sent_round_in_circles(world, web_client):
    world.coordinator.unit = None
    world.coordinator.save(update_fields=["unit"])
    client = web_client(world.coordinator)
    assert client.get("/").headers.get("Location") != "/help/requests/"
    assert client.get("/handover/")["Location"] == "/"
