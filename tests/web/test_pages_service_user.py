"""The service user's pages: my day, booking in three taps, my meetings, reminders and
details. Every flow is driven through the pages' own links and forms."""

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from booking import services as booking
from booking.models import Appointment, FeedToken
from booking.slots import slots_for
from people.models import PhoneNumber, User
from reminders import services as reminders
from reminders.models import FollowUpTask, ItemDone, MedicationLog, ReminderPlan, ReminderPreferences
from reminders.schedule import rrule_from_simple
from tests import factories as f
from tests.factories import OSLO, local, make_appointment, next_weekday
from tests.web.support import forms_posting_to, links_to, offered_starts, parse

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().astimezone(OSLO).date()


def free_start(world, *, days_ahead: int = 2, skip: int = 0):
    """A time the client may book, far enough ahead that minimum notice cannot catch up with it."""
    slots = slots_for(
        meeting_type=world.meeting_type, actor=world.client, first_day=today(), last_day=today() + timedelta(days=14)
    )
    later = [s.start for s in slots if s.start >= timezone.now() + timedelta(days=days_ahead)]
    return later[skip]


def book(world, start=None) -> Appointment:
    result = booking.appointment_book(
        actor=world.client,
        worker_id=world.worker.pk,
        meeting_type_id=world.meeting_type.pk,
        start=start or free_start(world),
    )
    return result.appointments[0]


def make_plan(user: User, kind: str, title: str, times: list[time], **fields) -> ReminderPlan:
    plan = ReminderPlan(
        owner=user,
        created_by=user,
        kind=kind,
        title=title,
        rrule=rrule_from_simple(times=times),
        starts_on=today() - timedelta(days=1),
        **fields,
    )
    return reminders.plan_save(plan=plan)


def a_day_ahead(times_page, type_id: int) -> tuple[str, datetime]:
    """A confirm link and its start at least a day ahead, so minimum notice cannot overtake
    the offered time between loading the page and pressing the button."""
    links = links_to(times_page, f"/book/{type_id}/confirm/")
    starts = offered_starts(times_page, type_id)
    assert links
    return next((link, s) for link, s in zip(links, starts, strict=True) if s >= timezone.now() + timedelta(days=1))


def tick_forms(response, plan: ReminderPlan):
    return [form for form in forms_posting_to(response, "/my-day/tick/") if form.inputs.get("plan") == str(plan.pk)]


@pytest.fixture
def me(world, web_client) -> Client:
    return web_client(world.client)


# --- My day ---------------------------------------------------------------------------------------


def test_my_day_shows_todays_meetings(world, me):
    meeting = make_appointment(world.meeting_type, world.client, local(today(), 12))
    cancelled = make_appointment(
        world.meeting_type, world.client, local(today(), 14), status=Appointment.Status.CANCELLED
    )

    response = me.get("/my-day/")

    assert response.status_code == 200
    meeting_links = links_to(response, "/meetings/")
    assert f"/meetings/{meeting.pk}/" in meeting_links
    assert f"/meetings/{cancelled.pk}/" not in meeting_links
    today_items = response.context["days"][0].items
    assert [i.appointment for i in today_items if i.kind == "meeting"] == [meeting]


def at_today(monkeypatch, hour: int, minute: int = 0) -> None:
    """The pages' clock stands at this local time today."""
    moment = local(today(), hour, minute)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_my_day_shows_medication_with_a_taken_button_that_records_the_dose(world, me, monkeypatch):
    at_today(monkeypatch, 12)
    plan = make_plan(world.client, ReminderPlan.Kind.MEDICATION, "Morgenmedisin", [time(8), time(20)], dose="1 tablett")

    page = me.get("/my-day/")
    forms = tick_forms(page, plan)
    # Twice a day, today and tomorrow; at noon only this morning's dose can be marked.
    assert len(forms) == 1
    occurrence = forms[0].inputs["occurrence"]

    response = me.post("/my-day/tick/", forms[0].inputs)

    assert response.status_code == 302
    assert response.url == "/my-day/"
    log = MedicationLog.objects.get(plan=plan)
    assert log.status == MedicationLog.Status.TAKEN
    assert log.via == "web"
    assert log.occurrence_at == parse_datetime(occurrence).astimezone(UTC)
    # The dose shows as done and has no button any more.
    again = me.get("/my-day/")
    assert occurrence not in [form.inputs["occurrence"] for form in tick_forms(again, plan)]
    assert len(tick_forms(again, plan)) == 0


def test_taken_with_htmx_answers_with_a_small_fragment(world, me, monkeypatch):
    at_today(monkeypatch, 19, 30)
    plan = make_plan(world.client, ReminderPlan.Kind.MEDICATION, "Kveldsmedisin", [time(20)])
    form = tick_forms(me.get("/my-day/"), plan)[0]

    response = me.post("/my-day/tick/", form.inputs, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'role="status"' in response.content
    assert len(response.content) < 200
    assert MedicationLog.objects.filter(plan=plan, status=MedicationLog.Status.TAKEN).count() == 1


def test_ticking_the_same_dose_twice_records_it_once(world, me, monkeypatch):
    at_today(monkeypatch, 9, 0)  # the morning dose is on today's list whenever this runs
    plan = make_plan(world.client, ReminderPlan.Kind.MEDICATION, "Morgenmedisin", [time(8)])
    form = tick_forms(me.get("/my-day/"), plan)[0]

    me.post("/my-day/tick/", form.inputs)
    me.post("/my-day/tick/", form.inputs)

    assert MedicationLog.objects.filter(plan=plan).count() == 1


def test_a_routine_done_button_records_the_item_as_done(world, me):
    plan = make_plan(world.client, ReminderPlan.Kind.ROUTINE, "Frokost", [time(9)])
    forms = tick_forms(me.get("/my-day/"), plan)
    assert len(forms) == 2

    me.post("/my-day/tick/", forms[1].inputs)

    done = ItemDone.objects.get(plan=plan)
    assert done.occurrence_at == parse_datetime(forms[1].inputs["occurrence"]).astimezone(UTC)
    assert not MedicationLog.objects.exists()


@pytest.mark.parametrize(("plan", "occurrence"), [("abc", "2026-01-01T08:00:00+01:00"), ("", ""), ("1", "soon")])
def test_a_tick_that_cannot_be_read_is_404(world, me, plan, occurrence):
    make_plan(world.client, ReminderPlan.Kind.MEDICATION, "Medisin", [time(8)])

    response = me.post("/my-day/tick/", {"plan": plan, "occurrence": occurrence})

    assert response.status_code == 404
    assert not MedicationLog.objects.exists()


def test_nobody_can_tick_off_another_persons_reminder(world, me):
    plan = make_plan(world.other_client, ReminderPlan.Kind.MEDICATION, "Medisin", [time(8)])

    response = me.post("/my-day/tick/", {"plan": plan.pk, "occurrence": local(today(), 8).isoformat()})

    assert response.status_code == 404
    assert not MedicationLog.objects.exists()


# --- Booking --------------------------------------------------------------------------------------


def test_booking_from_my_day_in_three_requests(world, me):
    my_day = me.get("/my-day/")
    type_links = links_to(my_day, "/book/")
    assert f"/book/{world.meeting_type.pk}/" in type_links
    assert f"/book/{world.peer_meeting_type.pk}/" in type_links
    # Another worker's caseload-only type is not offered.
    assert f"/book/{world.other_meeting_type.pk}/" not in type_links

    times = me.get(f"/book/{world.meeting_type.pk}/")
    assert times.status_code == 200
    link, start = a_day_ahead(times, world.meeting_type.pk)

    confirm = me.get(link)
    assert confirm.status_code == 200
    (form,) = forms_posting_to(confirm, "")
    assert set(form.inputs) >= {"start", "token"}

    response = me.post(f"/book/{world.meeting_type.pk}/confirm/", form.inputs)

    appointment = Appointment.objects.get(client=world.client)
    assert appointment.start == start
    assert appointment.status == Appointment.Status.BOOKED
    assert response.status_code == 302
    assert response.url == f"/meetings/{appointment.pk}/booked/"

    booked = me.get(response.url)
    assert booked.status_code == 200
    assert world.meeting_type.place in booked.content.decode()
    calendar_link = f"/meetings/{appointment.pk}/meeting.ics"
    assert calendar_link in links_to(booked, "/meetings/")

    ics = me.get(calendar_link)
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content


def test_sending_the_confirm_form_twice_books_once(world, me):
    times = me.get(f"/book/{world.meeting_type.pk}/")
    confirm = me.get(a_day_ahead(times, world.meeting_type.pk)[0])
    (form,) = forms_posting_to(confirm, "")

    first = me.post(f"/book/{world.meeting_type.pk}/confirm/", form.inputs)
    second = me.post(f"/book/{world.meeting_type.pk}/confirm/", form.inputs)

    assert Appointment.objects.filter(client=world.client).count() == 1
    assert first.status_code == second.status_code == 302
    assert first.url == second.url


def test_a_time_taken_meanwhile_shows_an_error_and_books_nothing(world, me):
    times = me.get(f"/book/{world.meeting_type.pk}/")
    link, start = a_day_ahead(times, world.meeting_type.pk)
    confirm = me.get(link)
    (form,) = forms_posting_to(confirm, "")
    neighbour = f.make_person(User.Role.SERVICE_USER, world.unit, "neighbour")
    make_appointment(world.meeting_type, neighbour, start)

    response = me.post(f"/book/{world.meeting_type.pk}/confirm/", form.inputs, follow=True)

    assert response.redirect_chain[-1][0] == f"/book/{world.meeting_type.pk}/"
    assert b'class="message error"' in response.content
    assert not Appointment.objects.filter(client=world.client).exists()
    assert start not in offered_starts(response, world.meeting_type.pk)


def test_the_booking_page_of_a_type_one_may_not_book_is_404(world, me):
    assert me.get(f"/book/{world.other_meeting_type.pk}/").status_code == 404
    start = local(next_weekday(1), 10).isoformat()
    assert me.post(f"/book/{world.other_meeting_type.pk}/confirm/", {"start": start}).status_code == 404
    assert not Appointment.objects.exists()


# --- My meetings ------------------------------------------------------------------------------------


def test_my_meetings_lists_upcoming_and_past(world, me):
    now = timezone.now()
    coming = make_appointment(world.meeting_type, world.client, now + timedelta(days=3))
    held = make_appointment(
        world.meeting_type, world.client, now - timedelta(days=3), status=Appointment.Status.COMPLETED
    )
    cancelled = make_appointment(
        world.meeting_type, world.client, now + timedelta(days=4), status=Appointment.Status.CANCELLED
    )
    theirs = make_appointment(world.other_meeting_type, world.other_client, now + timedelta(days=3))

    response = me.get("/meetings/")

    assert response.status_code == 200
    assert response.context["upcoming"] == [coming]
    assert set(response.context["past"]) == {held, cancelled}
    links = links_to(response, "/meetings/")
    assert f"/meetings/{coming.pk}/" in links
    assert f"/meetings/{theirs.pk}/" not in links


def test_cancelling_with_only_spaces_as_reason_cancels_without_one(world, me):
    appointment = book(world)
    assert me.get(f"/meetings/{appointment.pk}/cancel/").status_code == 200

    response = me.post(f"/meetings/{appointment.pk}/cancel/", {"reason": "  "})

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == ""


def test_cancelling_with_a_reason_frees_the_time(world, me):
    appointment = book(world)
    assert appointment.start not in offered_starts(me.get(f"/book/{world.meeting_type.pk}/"), world.meeting_type.pk)

    response = me.post(f"/meetings/{appointment.pk}/cancel/", {"reason": "Jeg er syk"})

    assert response.status_code == 302
    assert response.url == f"/meetings/{appointment.pk}/cancelled/"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Jeg er syk"
    assert appointment.start in offered_starts(me.get(f"/book/{world.meeting_type.pk}/"), world.meeting_type.pk)


def test_moving_a_meeting_to_another_offered_time(world, me):
    appointment = book(world)
    old_start = appointment.start

    page = me.get(f"/meetings/{appointment.pk}/move/")
    assert page.status_code == 200
    # Each free time is a link to a confirmation; picking one moves nothing yet.
    choices = [
        parse_datetime(parse_qs(urlparse(href).query)["start"][0])
        for href in links_to(page, f"/meetings/{appointment.pk}/move/")
        if "start=" in href
    ]
    assert choices
    chosen = next(c for c in choices if c != old_start and c >= timezone.now() + timedelta(days=1))
    confirm = me.get(f"/meetings/{appointment.pk}/move/", {"start": chosen.isoformat()})
    assert confirm.status_code == 200
    assert "Flytte møtet?" in confirm.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == old_start
    new = next(
        form for form in forms_posting_to(confirm, f"/meetings/{appointment.pk}/move/") if "start" in form.inputs
    )

    response = me.post(f"/meetings/{appointment.pk}/move/", new.inputs)

    assert response.status_code == 302
    assert response.url == f"/meetings/{appointment.pk}/"
    appointment.refresh_from_db()
    assert appointment.start == parse_datetime(new.inputs["start"])
    assert appointment.status == Appointment.Status.BOOKED
    assert Appointment.objects.filter(client=world.client).count() == 1
    assert old_start in offered_starts(me.get(f"/book/{world.meeting_type.pk}/"), world.meeting_type.pk)


def test_moving_to_a_time_that_is_not_offered_changes_nothing(world, me):
    appointment = book(world)
    old_start = appointment.start
    sunday_night = local(next_weekday(6), 23).isoformat()

    response = me.post(f"/meetings/{appointment.pk}/move/", {"start": sunday_night}, follow=True)

    assert response.redirect_chain[-1][0] == f"/meetings/{appointment.pk}/move/"
    assert b'class="message error"' in response.content
    appointment.refresh_from_db()
    assert appointment.start == old_start


def test_another_persons_meeting_is_404_on_every_meeting_url(world, me):
    theirs = make_appointment(world.other_meeting_type, world.other_client, timezone.now() + timedelta(days=3))
    base = f"/meetings/{theirs.pk}"

    for url in (f"{base}/", f"{base}/booked/", f"{base}/cancel/", f"{base}/move/", f"{base}/meeting.ics"):
        assert me.get(url).status_code == 404, url
    assert me.post(f"{base}/cancel/", {"reason": "Nei"}).status_code == 404
    assert me.post(f"{base}/move/", {"start": theirs.start.isoformat()}).status_code == 404
    assert me.post(f"{base}/peer/", {"note": "Hei"}).status_code == 404

    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED
    assert not FollowUpTask.objects.exists()


def test_a_missing_page_is_a_web_page_not_an_api_error(world, me):
    response = me.get("/meetings/999999/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"<html" in response.content


# --- Reminders ------------------------------------------------------------------------------------


def test_adding_a_medication_reminder_from_the_simple_form(world, me):
    assert me.get("/reminders/new/medication/").status_code == 200

    response = me.post(
        "/reminders/new/medication/",
        {
            "title": "Morgenmedisin",
            "times": "08:00 20:00",
            "weekdays": ["0", "2", "4"],
            "dose": "1 tablett",
            "channel_sms": "on",
        },
    )

    assert response.status_code == 302
    assert response.url == "/reminders/"
    plan = ReminderPlan.objects.get(owner=world.client)
    assert plan.kind == ReminderPlan.Kind.MEDICATION
    assert plan.rrule == "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8,20;BYMINUTE=0;BYSECOND=0"
    assert plan.dose == "1 tablett"
    assert plan.channels == ["sms"]
    assert plan.created_by == world.client
    assert f"/reminders/{plan.pk}/" in links_to(me.get("/reminders/"), "/reminders/")


def test_times_that_cannot_be_read_are_a_form_error(world, me):
    for times in ("kl åtte", "25:00", "08:00 20:30"):
        response = me.post("/reminders/new/routine/", {"title": "Tur", "times": times, "channel_sms": "on"})

        assert response.status_code == 200, times
        assert response.context["form"].errors["times"], times
    assert not ReminderPlan.objects.exists()


def test_changing_a_reminder_starts_from_its_current_times_and_days(world, me):
    me.post(
        "/reminders/new/medication/",
        {"title": "Morgenmedisin", "times": "08:00 20:00", "weekdays": ["0", "2", "4"], "channel_sms": "on"},
    )
    plan = ReminderPlan.objects.get(owner=world.client)

    page = me.get(f"/reminders/{plan.pk}/")

    assert page.status_code == 200
    (form,) = [form for form in parse(page).forms if form.method == "post" and form.action == ""]
    assert form.inputs["title"] == "Morgenmedisin"
    assert form.inputs["times"] == "08:00 20:00"
    assert form.inputs["weekdays"] == ["0", "2", "4"]

    # Only the title changes; the schedule stays as it was.
    response = me.post(f"/reminders/{plan.pk}/", {**form.inputs, "title": "Medisin"})

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Medisin"
    assert plan.rrule == "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8,20;BYMINUTE=0;BYSECOND=0"
    assert plan.version == 2


def test_changing_a_reminders_times_and_days(world, me):
    plan = make_plan(world.client, ReminderPlan.Kind.ROUTINE, "Frokost", [time(9)])

    response = me.post(
        f"/reminders/{plan.pk}/", {"title": "Frokost", "times": "7.30", "weekdays": ["5", "6"], "channel_sms": "on"}
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.rrule == "FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=7;BYMINUTE=30;BYSECOND=0"
    assert ReminderPlan.objects.filter(owner=world.client).count() == 1


def test_removing_a_reminder(world, me):
    plan = make_plan(world.client, ReminderPlan.Kind.ROUTINE, "Frokost", [time(9)])

    response = me.post(f"/reminders/{plan.pk}/delete/")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert not plan.is_active
    assert f"/reminders/{plan.pk}/" not in links_to(me.get("/reminders/"), "/reminders/")
    assert me.get(f"/reminders/{plan.pk}/").status_code == 404
    assert not tick_forms(me.get("/my-day/"), plan)


def test_another_persons_reminder_cannot_be_opened_changed_or_removed(world, me):
    plan = make_plan(world.other_client, ReminderPlan.Kind.ROUTINE, "Frokost", [time(9)])

    assert me.get(f"/reminders/{plan.pk}/").status_code == 404
    assert me.post(f"/reminders/{plan.pk}/", {"title": "X", "times": "10:00", "channel_sms": "on"}).status_code == 404
    assert me.post(f"/reminders/{plan.pk}/delete/").status_code == 404
    plan.refresh_from_db()
    assert (plan.title, plan.is_active) == ("Frokost", True)


def test_the_preferences_form_saves_quiet_hours_discreet_texts_and_the_summary(world, me):
    response = me.post(
        "/reminders/",
        {
            "channel_sms": "on",
            "channel_email": "on",
            "quiet_start": "23:00",
            "quiet_end": "07:00",
            "morning_summary": "on",
        },
    )

    assert response.status_code == 302
    prefs = ReminderPreferences.objects.get(user=world.client)
    assert (prefs.quiet_start, prefs.quiet_end) == (time(23), time(7))
    assert prefs.discreet is False
    assert prefs.morning_summary is True
    assert prefs.appointment_channels == ["sms", "email"]


# --- My details ---------------------------------------------------------------------------------------


def test_adding_a_new_phone_number_makes_it_the_active_one(world, me):
    old = PhoneNumber.objects.get(user=world.client)

    response = me.post("/details/phone/", {"number": "412 34 567"})

    assert response.status_code == 302
    assert response.url == "/details/"
    new = PhoneNumber.objects.get(user=world.client, is_active=True)
    assert str(new.number) == "+4741234567"
    old.refresh_from_db()
    assert old.is_active is False
    assert PhoneNumber.objects.filter(user=world.client).count() == 2


def test_a_phone_number_that_cannot_be_read_changes_nothing(world, me):
    response = me.post("/details/phone/", {"number": "12"}, follow=True)

    assert b'class="message error"' in response.content
    assert [str(p.number) for p in PhoneNumber.objects.filter(user=world.client, is_active=True)] == ["+4740000001"]


def test_changing_email_and_language(world, me):
    response = me.post("/details/", {"email": "anna@example.no", "language": "en"})

    assert response.status_code == 302
    world.client.refresh_from_db()
    assert world.client.email == "anna@example.no"
    assert world.client.language == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert b'<html lang="en">' in me.get("/details/").content


def test_a_new_calendar_link_revokes_the_old_feed(world, me, web_client):
    old_url = me.get("/details/").context["feed_url"]
    calendar_app = web_client()
    assert calendar_app.get(urlparse(old_url).path).status_code == 200

    response = me.post("/details/calendar-link/")

    assert response.status_code == 302
    assert response.url == "/details/"
    new_url = me.get("/details/").context["feed_url"]
    assert new_url != old_url
    assert calendar_app.get(urlparse(old_url).path).status_code == 404
    assert calendar_app.get(urlparse(new_url).path).status_code == 200
    assert FeedToken.objects.filter(user=world.client, revoked_at__isnull=True).count() == 1


# --- Who may open these pages ---------------------------------------------------------------------------

SERVICE_USER_PAGES = ["/my-day/", "/book/", "/meetings/", "/reminders/", "/reminders/new/medication/", "/details/"]


@pytest.mark.parametrize("url", SERVICE_USER_PAGES)
def test_staff_opening_a_service_user_page_are_sent_home(world, web_client, url):
    response = web_client(world.worker).get(url)

    assert response.status_code == 302
    assert response.url == "/"


def test_staff_opening_a_meeting_page_of_their_own_calendar_are_sent_home(world, web_client):
    appointment = make_appointment(world.meeting_type, world.client, timezone.now() + timedelta(days=2))

    response = web_client(world.worker).get(f"/meetings/{appointment.pk}/")

    assert response.status_code == 302
    assert response.url == "/"


@pytest.mark.parametrize("url", SERVICE_USER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(world, web_client, url):
    response = web_client().get(url)

    assert response.status_code == 302
    assert response.url == f"/login/?next={url}"


def test_anonymous_posts_change_nothing(world, web_client):
    plan = make_plan(world.client, ReminderPlan.Kind.MEDICATION, "Medisin", [time(8)])
    appointment = book(world)
    anonymous = web_client()

    anonymous.post("/my-day/tick/", {"plan": plan.pk, "occurrence": local(today(), 8).isoformat()})
    anonymous.post(f"/meetings/{appointment.pk}/cancel/", {"reason": "Nei"})
    anonymous.post("/details/phone/", {"number": "41234567"})

    assert not MedicationLog.objects.exists()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert PhoneNumber.objects.filter(user=world.client).count() == 1


def test_the_home_page_sends_each_person_to_their_start(world, web_client):
    assert web_client(world.client).get("/").url == "/my-day/"
    assert web_client(world.worker).get("/").url == "/today/"
    assert web_client(world.peer).get("/").url == "/peer/"
    assert web_client().get("/").url == "/login/"


def test_the_group_and_the_ideas_box_are_one_link_away_without_crowding_the_menu(world, web_client):
    client = web_client(world.client)
    my_day = client.get("/my-day/")
    assert links_to(my_day, "/ideas/")
    assert links_to(client.get("/my-plan/"), "/my-group/")
    menu = re.search(r'<nav aria-label="[^"]*">.*?</nav>', my_day.content.decode(), flags=re.S).group(0)
    assert "/my-group/" not in menu
    assert "/ideas/" not in menu
