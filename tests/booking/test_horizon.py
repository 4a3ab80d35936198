"""Asking for free times beyond how far ahead one may book gets an answer that says so."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import OSLO

pytestmark = pytest.mark.django_db


def ask(api, user, world, start, end):
    return api.as_(user).get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"start": str(start), "end": str(end), "meeting_type": world.meeting_type.pk},
    )


def test_a_range_that_starts_beyond_the_horizon_is_a_400_that_says_how_far_ahead(world, api):
    today = timezone.now().astimezone(OSLO).date()
    last = today + timedelta(days=world.meeting_type.horizon_days)
    response = ask(api, world.client, world, last + timedelta(days=1), last + timedelta(days=7))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "beyond_horizon"
    assert error["bookable_until"] == last.isoformat()
    assert "28" in error["message"]
    assert last.isoformat() in error["message"]


def test_a_range_that_only_ends_beyond_the_horizon_gets_the_times_inside_it(world, api):
    today = timezone.now().astimezone(OSLO).date()
    last = today + timedelta(days=world.meeting_type.horizon_days)
    response = ask(api, world.client, world, last - timedelta(days=6), last + timedelta(days=6))
    assert response.status_code == 200
    days = {slot["start"][:10] for slot in response.json()}
    assert days
    assert max(days) <= last.isoformat()


def test_staff_booking_on_someones_behalf_reach_further(world, api, settings):
    today = timezone.now().astimezone(OSLO).date()
    beyond_users = today + timedelta(days=world.meeting_type.horizon_days + 7)
    response = ask(api, world.worker, world, beyond_users, beyond_users + timedelta(days=6))
    assert response.status_code == 200
