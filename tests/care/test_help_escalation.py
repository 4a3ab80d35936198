"""Urgent help: routing to whoever is on duty and escalating, with a frozen clock (``now``)."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction

from care.models import DutyShift, HelpAlert, HelpRequest
from care.selectors import help as selectors
from care.services import help as services
from config.errors import Conflict, Unprocessable
from messaging.models import Delivery
from reminders.models import MessageKind
from tests.care.help_support import CRISIS_NUMBER, arrange_rota, open_weekdays, oslo

pytestmark = pytest.mark.django_db

# Monday 7 December 2026, 10:00 in Oslo: open, Kari first on duty, the other worker second.
T0 = oslo(2026, 12, 7, 10)
ACK = timedelta(minutes=10)


@pytest.fixture
def rota(world):
    open_weekdays(world.unit)
    return arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator)


def alerted(request: HelpRequest) -> list[str]:
    return [a.staff.username for a in HelpAlert.objects.filter(request=request).order_by("level")]


def alert_sms(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.HELP_ALERT))


def ask(world, now=T0, message: str = "") -> HelpRequest:
    request, created = services.help_request_create(user=world.client, message=message, now=now)
    assert created
    return request


def test_the_first_on_duty_is_alerted_at_once_by_sms_with_initials_only(world, rota):
    request = ask(world, message="Jeg har det veldig vondt")

    assert request.status == HelpRequest.Status.ALERTING
    assert alerted(request) == ["worker"]
    [sms] = alert_sms(world.worker)
    assert sms.channel == "sms"
    assert sms.due_at == T0
    assert sms.context["client"] == world.client.initials
    assert "vondt" not in str(sms.context)
    assert request.due_at == T0 + ACK


def test_nothing_happens_before_the_deadline(world, rota):
    request = ask(world)
    assert services.help_requests_advance(now=T0 + ACK - timedelta(seconds=1)) == 0
    assert alerted(request) == ["worker"]


def test_it_escalates_to_the_second_on_duty_then_to_the_leader_then_stops(world, rota):
    request = ask(world)

    assert services.help_requests_advance(now=T0 + ACK) == 1
    assert alerted(request) == ["worker", "otherworker"]
    assert alert_sms(world.other_worker)[0].context["escalated"] is True

    assert services.help_requests_advance(now=T0 + 2 * ACK - timedelta(seconds=1)) == 0
    assert services.help_requests_advance(now=T0 + 2 * ACK) == 1
    assert alerted(request) == ["worker", "otherworker", "coordinator"]
    assert len(alert_sms(world.coordinator)) == 1

    # The leader is the last in line: nobody else to alert, and nobody alerted twice.
    assert services.help_requests_advance(now=T0 + 5 * ACK) == 0
    assert Delivery.objects.filter(kind=MessageKind.HELP_ALERT).count() == 3
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ALERTING
    assert request.level == 2


def test_acknowledging_stops_the_escalation(world, rota):
    request = ask(world)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=T0 + timedelta(minutes=3))

    assert services.help_requests_advance(now=T0 + 3 * ACK) == 0
    assert alerted(request) == ["worker"]
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ACKNOWLEDGED
    assert request.acknowledged_by == world.worker


def test_someone_alerted_earlier_can_still_acknowledge_after_an_escalation(world, rota):
    request = ask(world)
    services.help_requests_advance(now=T0 + ACK)

    taken = services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=T0 + ACK)
    assert taken.acknowledged_by == world.worker
    assert services.help_requests_advance(now=T0 + 2 * ACK) == 0


def test_the_first_to_acknowledge_wins_and_the_other_is_told_who(world, rota):
    request = ask(world)
    services.help_requests_advance(now=T0 + ACK)
    services.help_request_acknowledge(actor=world.other_worker, request_id=request.pk, now=T0 + ACK)

    with pytest.raises(Conflict) as refused:
        services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=T0 + ACK)
    assert refused.value.extra["taken_by"] == world.other_worker.get_full_name()
    request.refresh_from_db()
    assert request.acknowledged_by == world.other_worker


def test_the_user_is_told_who_is_on_duty_and_by_when(world, rota):
    request = ask(world)
    answer = selectors.help_answer(request=request, now=T0)
    assert answer.unit_open
    assert answer.on_duty == world.worker
    assert answer.answer_by == T0 + ACK


def test_pressing_again_shows_the_open_request_instead_of_a_second_one(world, rota):
    first = ask(world)
    again, created = services.help_request_create(user=world.client, now=T0 + timedelta(minutes=1))
    assert (again.pk, created) == (first.pk, False)
    assert HelpRequest.objects.count() == 1
    assert len(alert_sms(world.worker)) == 1


def test_the_database_allows_one_open_request_per_user(world, rota):
    ask(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        HelpRequest.objects.create(user=world.client, unit=world.unit, status=HelpRequest.Status.WAITING)


def test_resolving_records_the_note_and_a_new_request_can_follow(world, rota):
    request = ask(world)
    services.help_request_acknowledge(actor=world.worker, request_id=request.pk, now=T0 + timedelta(minutes=2))
    done = services.help_request_resolve(
        actor=world.worker, request_id=request.pk, note="Ringte, avtalte møte i morgen", now=T0 + timedelta(hours=1)
    )
    assert done.status == HelpRequest.Status.RESOLVED
    assert done.resolution_note == "Ringte, avtalte møte i morgen"
    assert done.resolved_by == world.worker

    _again, created = services.help_request_create(user=world.client, now=T0 + timedelta(hours=2))
    assert created


def test_resolving_needs_a_note(world, rota):
    request = ask(world)
    with pytest.raises(Unprocessable):
        services.help_request_resolve(actor=world.worker, request_id=request.pk, note="  ", now=T0)


# --- Outside opening hours -----------------------------------------------------------------------


def test_outside_opening_hours_nobody_is_alerted_and_the_answer_has_the_numbers(world, rota):
    evening = oslo(2026, 12, 7, 20)
    request = ask(world, now=evening)

    assert request.status == HelpRequest.Status.WAITING
    assert not HelpAlert.objects.exists()
    assert not Delivery.objects.filter(kind=MessageKind.HELP_ALERT).exists()
    answer = selectors.help_answer(request=request, now=evening)
    assert not answer.unit_open
    assert answer.next_opening == oslo(2026, 12, 8, 8)
    assert answer.crisis_line[1] == CRISIS_NUMBER
    assert (selectors.EMERGENCY_NUMBER, selectors.LEGEVAKT_NUMBER) == ("113", "116 117")


def test_a_request_made_while_closed_is_routed_at_the_next_opening(world, rota):
    request = ask(world, now=oslo(2026, 12, 7, 20))

    assert services.help_requests_advance(now=oslo(2026, 12, 8, 7, 59)) == 0
    assert not HelpAlert.objects.exists()

    assert services.help_requests_advance(now=oslo(2026, 12, 8, 8)) == 1
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ALERTING
    assert alerted(request) == ["worker"]
    assert services.help_requests_advance(now=oslo(2026, 12, 8, 8) + ACK) == 1
    assert alerted(request) == ["worker", "otherworker"]


def test_a_friday_evening_request_waits_for_monday_morning(world, rota):
    request = ask(world, now=oslo(2026, 12, 11, 18))
    assert request.due_at == oslo(2026, 12, 14, 8)
    assert services.help_requests_advance(now=oslo(2026, 12, 12, 12)) == 0
    assert not HelpAlert.objects.exists()


# --- Opening hours across the clock changes (Europe/Oslo) -----------------------------------------


def test_opening_hours_follow_the_wall_clock_after_summer_time_starts(world):
    open_weekdays(world.unit)
    # Monday 30 March 2026, the day after clocks went forward: 06:30 UTC is 08:30 in Oslo.
    assert selectors.unit_is_open(unit=world.unit, at=datetime(2026, 3, 30, 6, 30, tzinfo=UTC))
    assert not selectors.unit_is_open(unit=world.unit, at=datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    # Over the weekend of the change the next opening is Monday 08:00 summer time (06:00 UTC).
    friday_evening = oslo(2026, 3, 27, 16)
    assert selectors.next_opening(unit=world.unit, after=friday_evening) == datetime(2026, 3, 30, 6, tzinfo=UTC)


def test_opening_hours_follow_the_wall_clock_after_summer_time_ends(world):
    open_weekdays(world.unit)
    # Monday 26 October 2026, the day after clocks went back: 07:00 UTC is 08:00 in Oslo.
    assert selectors.unit_is_open(unit=world.unit, at=datetime(2026, 10, 26, 7, 0, tzinfo=UTC))
    assert not selectors.unit_is_open(unit=world.unit, at=datetime(2026, 10, 26, 6, 30, tzinfo=UTC))
    assert selectors.next_opening(unit=world.unit, after=oslo(2026, 10, 23, 16)) == datetime(
        2026, 10, 26, 7, tzinfo=UTC
    )


def test_the_rota_gives_the_order_of_escalation_for_the_day(world):
    open_weekdays(world.unit)
    # In turn: Kari first on Mondays, the other worker first on Tuesdays.
    for weekday, first, second in ((0, world.worker, world.other_worker), (1, world.other_worker, world.worker)):
        DutyShift.objects.create(unit=world.unit, weekday=weekday, start=time(8), end=time(15, 30), staff=first)
        DutyShift.objects.create(
            unit=world.unit, weekday=weekday, start=time(8), end=time(15, 30), staff=second, position=2
        )
    assert selectors.escalation_chain(unit=world.unit, at=T0) == [world.worker, world.other_worker]
    tuesday = T0 + timedelta(days=1)
    assert selectors.escalation_chain(unit=world.unit, at=tuesday) == [world.other_worker, world.worker]
    # Outside the shift only the fallback (the unit's coordinators) remains.
    assert selectors.escalation_chain(unit=world.unit, at=oslo(2026, 12, 7, 16)) == [world.coordinator]
