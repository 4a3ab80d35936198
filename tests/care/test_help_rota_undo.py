"""A shift or a cover removed from the duty rota by mistake is put back with one press."""

from datetime import time, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from care.models import DutyCover, DutyShift
from care.services import help as services
from people.models import User
from tests.care.help_support import OSLO

pytestmark = pytest.mark.django_db


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def shift(world):
    return services.duty_shift_add(
        actor=world.coordinator, weekday=2, start=time(8), end=time(15, 30), staff_id=world.worker.pk, position=1
    )


def test_a_removed_shift_is_put_back_as_it_was(world, shift):
    coordinator = as_(world.coordinator)
    page = coordinator.post(f"/help/rota/shifts/{shift.pk}/delete/", follow=True).content.decode()
    assert not DutyShift.objects.exists()
    assert "Removed: Wednesday 08:00–15:30 Kari Nordmann." in page
    page = coordinator.post("/help/rota/undo/", follow=True).content.decode()
    assert "Put back as it was." in page
    back = DutyShift.objects.get()
    assert (back.weekday, back.start, back.end, back.staff, back.position) == (
        2,
        time(8),
        time(15, 30),
        world.worker,
        1,
    )
    # Once used, the undo is gone.
    assert "There is nothing to undo any more." in coordinator.post("/help/rota/undo/", follow=True).content.decode()
    assert DutyShift.objects.count() == 1


def test_a_removed_cover_is_put_back_as_it_was(world, shift):
    first = timezone.now().astimezone(OSLO).date() + timedelta(days=3)
    cover = services.duty_cover_add(
        actor=world.coordinator,
        absent_id=world.worker.pk,
        cover_id=world.other_worker.pk,
        first_day=first,
        last_day=first,
    )
    coordinator = as_(world.coordinator)
    coordinator.post(f"/help/rota/covers/{cover.pk}/delete/")
    assert not DutyCover.objects.exists()
    coordinator.post("/help/rota/undo/")
    back = DutyCover.objects.get()
    assert (back.absent, back.cover, back.first_day, back.last_day) == (world.worker, world.other_worker, first, first)


def test_the_undo_is_offered_for_ten_minutes_only(world, shift, monkeypatch):
    coordinator = as_(world.coordinator)
    coordinator.post(f"/help/rota/shifts/{shift.pk}/delete/")
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Removed:" not in coordinator.get("/help/rota/").content.decode()
    coordinator.post("/help/rota/undo/")
    assert not DutyShift.objects.exists()


def test_staff_who_are_not_coordinators_cannot_undo(world, shift):
    as_(world.coordinator).post(f"/help/rota/shifts/{shift.pk}/delete/")
    response = as_(world.worker).post("/help/rota/undo/")
    assert response.status_code in (302, 403, 404)
    assert not DutyShift.objects.exists()
