"""A worker connects the calendar they already use on the web, sees when it was last read and
why it failed, reads it now, and disconnects it; nobody else sees or touches it."""

import pytest

from booking.models import ExternalBusy, ExternalCalendar
from tests.external_calendars.calendars import calendar_text, event
from tests.factories import local, next_weekday

pytestmark = pytest.mark.django_db

PAGE = "/calendar/connected/"


def test_a_worker_connects_an_outlook_link_and_its_busy_time_counts_at_once(world, web_client, ics_server):
    day = next_weekday(0)
    url = ics_server.put("/outlook.ics", calendar_text(event("a1", local(day, 10), local(day, 11))))
    client = web_client(world.worker, english=True)
    response = client.post(PAGE, {"kind": "ics", "url": url}, follow=True)
    page = response.content.decode()
    assert "Calendar connected. 1 busy times read" in page
    assert "Last read:" in page
    assert ExternalBusy.objects.filter(calendar=world.calendar).count() == 1


def test_the_page_speaks_bokmal_by_default(world, web_client, ics_server):
    page = web_client(world.worker).get(PAGE).content.decode()
    assert "Dine andre kalendere" in page
    assert "Koble til og les nå" in page


def test_a_calendar_that_cannot_be_read_is_explained_on_the_form_and_nothing_is_saved(world, web_client, ics_server):
    client = web_client(world.worker, english=True)
    response = client.post(PAGE, {"kind": "ics", "url": ics_server.url("/nothing-here.ics")})
    assert response.status_code == 200
    assert "The calendar is not there any more" in response.content.decode()
    assert not ExternalCalendar.objects.exists()


def test_an_address_in_a_private_network_is_refused_on_the_form(world, web_client, settings):
    settings.EXTERNAL_CALENDAR_ALLOW_PRIVATE = False
    response = web_client(world.worker, english=True).post(PAGE, {"kind": "ics", "url": "http://10.1.2.3/c.ics"})
    assert "private network" in response.content.decode()
    assert not ExternalCalendar.objects.exists()


def test_a_failing_calendar_shows_why_and_when_it_was_last_read(world, web_client, ics_server):
    url = ics_server.put("/w.ics", calendar_text())
    client = web_client(world.worker, english=True)
    client.post(PAGE, {"kind": "ics", "url": url})
    del ics_server.files["/w.ics"]
    item = ExternalCalendar.objects.get()
    response = client.post(f"{PAGE}{item.pk}/sync/", follow=True)
    page = response.content.decode()
    assert "The calendar could not be read" in page
    assert "Could not be read" in page
    assert "Last read:" in page


def test_read_now_and_disconnect(world, web_client, ics_server):
    day = next_weekday(1)
    url = ics_server.put("/w.ics", calendar_text())
    client = web_client(world.worker, english=True)
    client.post(PAGE, {"kind": "ics", "url": url})
    item = ExternalCalendar.objects.get()
    ics_server.put("/w.ics", calendar_text(event("n", local(day, 9), local(day, 10))))
    page = client.post(f"{PAGE}{item.pk}/sync/", follow=True).content.decode()
    assert "1 new and 0 removed busy times" in page
    page = client.post(f"{PAGE}{item.pk}/delete/", follow=True).content.decode()
    assert "Calendar disconnected" in page
    assert not ExternalBusy.objects.exists()


def test_another_workers_calendar_is_not_found_and_not_listed(world, web_client, ics_server):
    url = ics_server.put("/w.ics", calendar_text())
    web_client(world.worker).post(PAGE, {"kind": "ics", "url": url})
    item = ExternalCalendar.objects.get()
    other = web_client(world.other_worker, english=True)
    assert url not in other.get(PAGE).content.decode()
    assert other.post(f"{PAGE}{item.pk}/sync/").status_code == 404
    assert other.post(f"{PAGE}{item.pk}/delete/").status_code == 404
    assert ExternalCalendar.objects.filter(pk=item.pk).exists()


def test_service_users_have_no_such_page(world, web_client):
    response = web_client(world.client).get(PAGE)
    assert response.status_code in (302, 403, 404)
    assert not ExternalCalendar.objects.exists()


def test_the_week_shows_busy_time_from_the_other_calendar_as_grey_blocks_without_details(world, web_client, ics_server):
    day = next_weekday(2)
    url = ics_server.put("/w.ics", calendar_text(event("a1", local(day, 13), local(day, 14), summary="Legetime")))
    client = web_client(world.worker)
    client.post(PAGE, {"kind": "ics", "url": url})
    page = client.get("/calendar/", {"week": str(day)}).content.decode()
    assert "Opptatt 13:00–14:00" in page
    assert "Legetime" not in page
    assert 'href="/calendar/connected/"' in page


def test_the_week_says_when_a_connected_calendar_could_not_be_read(world, web_client, ics_server):
    url = ics_server.put("/w.ics", calendar_text())
    client = web_client(world.worker, english=True)
    client.post(PAGE, {"kind": "ics", "url": url})
    del ics_server.files["/w.ics"]
    client.post(f"{PAGE}{ExternalCalendar.objects.get().pk}/sync/")
    page = client.get("/calendar/").content.decode()
    assert "could not be read, so its busy time may be out of date" in page
