"""My day's medication: "Taken" is offered only while the dose may be marked (else "fra 06:00"),
a forged early tick gets a friendly message, and a ticked dose has "Angre" until the next
dose is due. The pages' clock is set to a local time today."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from reminders import services as reminders
from reminders.models import MedicationLog, ReminderPlan
from reminders.schedule import rrule_from_simple
from tests.factories import OSLO, local
from tests.web.support import forms_posting_to

pytestmark = pytest.mark.django_db


def today():
    return timezone.now().astimezone(OSLO).date()


@pytest.fixture
def me(world, web_client) -> Client:
    return web_client(world.client)


def clock(monkeypatch, hour: int, minute: int = 0, days: int = 0) -> None:
    moment = local(today() + timedelta(days=days), hour, minute)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def medicine(user, times: list[time]) -> ReminderPlan:
    plan = ReminderPlan(
        owner=user,
        created_by=user,
        kind=ReminderPlan.Kind.MEDICATION,
        title="Medisin",
        dose="1 tablett",
        rrule=rrule_from_simple(times=times),
        starts_on=today() - timedelta(days=1),
    )
    return reminders.plan_save(plan=plan)


def forms(response, action: str, plan: ReminderPlan):
    return [form for form in forms_posting_to(response, action) if form.inputs.get("plan") == str(plan.pk)]


def test_a_dose_not_yet_due_shows_from_when_instead_of_a_button(world, me, monkeypatch):
    clock(monkeypatch, 5)
    plan = medicine(world.client, [time(8)])

    page = me.get("/my-day/")

    assert forms(page, "/my-day/tick/", plan) == []
    assert "fra 06:00" in page.content.decode()


def test_the_button_is_offered_two_hours_before_the_dose(world, me, monkeypatch):
    clock(monkeypatch, 6)
    plan = medicine(world.client, [time(8)])

    [form] = forms(me.get("/my-day/"), "/my-day/tick/", plan)

    assert form.inputs["occurrence"] == local(today(), 8).isoformat()


def test_a_forged_tick_for_tomorrows_dose_gets_a_friendly_message(world, me, monkeypatch):
    clock(monkeypatch, 9)
    plan = medicine(world.client, [time(8)])
    tomorrow = local(today() + timedelta(days=1), 8)

    response = me.post("/my-day/tick/", {"plan": plan.pk, "occurrence": tomorrow.isoformat()}, follow=True)

    assert response.status_code == 200
    assert f"Du kan krysse av denne dosen fra {tomorrow:%d.%m.%Y} 06:00." in response.content.decode()
    assert not MedicationLog.objects.exists()


def test_a_forged_htmx_tick_too_early_answers_with_the_message(world, me, monkeypatch):
    clock(monkeypatch, 5)
    plan = medicine(world.client, [time(8)])

    response = me.post(
        "/my-day/tick/", {"plan": plan.pk, "occurrence": local(today(), 8).isoformat()}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "Du kan krysse av denne dosen fra 06:00." in response.content.decode()
    assert not MedicationLog.objects.exists()


def test_a_dose_whose_time_has_passed_has_no_button(world, me, monkeypatch):
    clock(monkeypatch, 21)
    plan = medicine(world.client, [time(8), time(20)])

    page = me.get("/my-day/")

    # This evening's dose can still be marked; this morning's closed at 20:00.
    assert [f.inputs["occurrence"] for f in forms(page, "/my-day/tick/", plan)] == [local(today(), 20).isoformat()]
    assert "Ikke krysset av" in page.content.decode()


def test_a_ticked_dose_can_be_undone_with_angre_until_the_next_dose(world, me, monkeypatch):
    clock(monkeypatch, 9)
    plan = medicine(world.client, [time(8), time(20)])
    [tick] = forms(me.get("/my-day/"), "/my-day/tick/", plan)
    me.post("/my-day/tick/", tick.inputs)

    page = me.get("/my-day/")
    [undo] = forms(page, "/my-day/undo-taken/", plan)
    assert "Angre" in page.content.decode()
    response = me.post("/my-day/undo-taken/", undo.inputs, follow=True)

    assert "Angret. Dosen er ikke lenger krysset av som tatt." in response.content.decode()
    assert not MedicationLog.objects.exists()
    assert forms(response, "/my-day/tick/", plan)


def test_angre_is_gone_once_the_next_dose_is_due(world, me, monkeypatch):
    plan = medicine(world.client, [time(8), time(20)])
    reminders.medication_mark_taken(plan=plan, occurrence_at=local(today(), 8), via="web", now=local(today(), 9))
    clock(monkeypatch, 20)

    page = me.get("/my-day/")
    assert forms(page, "/my-day/undo-taken/", plan) == []

    response = me.post(
        "/my-day/undo-taken/", {"plan": plan.pk, "occurrence": local(today(), 8).isoformat()}, follow=True
    )
    assert response.status_code == 200
    assert "«Tatt» kan ikke angres lenger: tiden for denne dosen var ute 20:00." in response.content.decode()
    assert MedicationLog.objects.get().status == MedicationLog.Status.TAKEN


def test_nobody_can_undo_another_persons_dose(world, me, monkeypatch):
    clock(monkeypatch, 9)
    theirs = medicine(world.other_client, [time(8)])
    reminders.medication_mark_taken(plan=theirs, occurrence_at=local(today(), 8), via="web", now=local(today(), 9))

    response = me.post("/my-day/undo-taken/", {"plan": theirs.pk, "occurrence": local(today(), 8).isoformat()})

    assert response.status_code == 404
    assert MedicationLog.objects.get().status == MedicationLog.Status.TAKEN


def test_undo_of_a_dose_never_marked_is_404(world, me, monkeypatch):
    clock(monkeypatch, 9)
    plan = medicine(world.client, [time(8)])

    response = me.post("/my-day/undo-taken/", {"plan": plan.pk, "occurrence": local(today(), 8).isoformat()})

    assert response.status_code == 404
