"""A meeting type may limit how many of its meetings one person holds ahead, so nobody fills a
worker's week alone; staff may still book more on the person's behalf."""

from datetime import timedelta

import pytest

from booking.models import Appointment
from tests.factories import local, next_weekday

pytestmark = pytest.mark.django_db


def book(api, actor, world, start, **extra):
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start.isoformat(), **extra}
    return api.as_(actor).post("/api/appointments/", body, format="json")


@pytest.fixture
def limited(world):
    world.meeting_type.max_ahead_per_person = 2
    world.meeting_type.save()
    return world


def test_a_person_may_hold_as_many_meetings_ahead_as_the_type_allows_and_no_more(limited, api):
    monday = next_weekday(0)
    assert book(api, limited.client, limited, local(monday, 9)).status_code == 201
    assert book(api, limited.client, limited, local(monday, 10)).status_code == 201
    refused = book(api, limited.client, limited, local(monday, 13))
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "meeting_limit_reached"
    assert error["limit"] == 2
    assert "2" in error["message"]
    assert Appointment.objects.filter(client=limited.client).count() == 2


def test_a_series_that_would_pass_the_limit_is_refused_whole(limited, api):
    response = book(api, limited.client, limited, local(next_weekday(1), 9), repeat={"count": 3})
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "meeting_limit_reached"
    assert not Appointment.objects.exists()


def test_a_cancelled_or_past_meeting_does_not_count(limited, api):
    monday = next_weekday(0)
    first = book(api, limited.client, limited, local(monday, 9)).json()
    book(api, limited.client, limited, local(monday, 10))
    cancel = api.as_(limited.client).post(f"/api/appointments/{first['id']}/cancel/", {"reason": "syk"}, format="json")
    assert cancel.status_code == 200
    assert book(api, limited.client, limited, local(monday + timedelta(days=1), 9)).status_code == 201


def test_staff_may_book_beyond_the_limit_on_the_persons_behalf(limited, api):
    monday = next_weekday(0)
    book(api, limited.client, limited, local(monday, 9))
    book(api, limited.client, limited, local(monday, 10))
    response = book(api, limited.worker, limited, local(monday, 13), user=limited.client.pk)
    assert response.status_code == 201, response.json()


def test_without_a_limit_a_person_books_as_many_as_are_free(world, api):
    monday = next_weekday(0)
    for hour in (9, 10, 13):
        assert book(api, world.client, world, local(monday, hour)).status_code == 201


def test_the_limit_must_be_between_1_and_20(world, api):
    client = api.as_(world.worker)
    response = client.patch(
        f"/api/calendar/meeting-types/{world.meeting_type.pk}/", {"max_ahead_per_person": 0}, format="json"
    )
    assert response.status_code == 400
    ok = client.patch(
        f"/api/calendar/meeting-types/{world.meeting_type.pk}/", {"max_ahead_per_person": 3}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["max_ahead_per_person"] == 3
