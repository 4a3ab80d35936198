"""What help now says depends on the hour: who a request made now goes to and by when, or
when the unit opens; and "we will contact you" only for a request that waits for the opening."""

from datetime import timedelta

import pytest

from care.models import DutyShift, HelpRequest, HelpSettings
from care.selectors import help as selectors
from care.services import help as services
from tests.care.help_support import arrange_rota, open_weekdays, oslo

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekdays(world, settings):
    settings.PUBLIC_HOLIDAYS_COUNTRY = "NO"
    open_weekdays(world.unit)
    return arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator)


def test_open_a_request_made_now_goes_to_the_first_on_duty_who_answers_within_the_minutes(world, weekdays):
    now = oslo(2027, 3, 2, 10, 0)
    state = selectors.help_now_for(user=world.client, now=now)
    assert state.unit_open
    assert state.first == world.worker
    assert state.answer_by == now + timedelta(minutes=10)
    assert state.next_opening is None
    assert state.answer is None


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        (oslo(2027, 3, 2, 19, 0), oslo(2027, 3, 3, 8, 0)),  # evening
        (oslo(2027, 3, 3, 0, 57), oslo(2027, 3, 3, 8, 0)),  # night
        (oslo(2027, 3, 6, 11, 0), oslo(2027, 3, 8, 8, 0)),  # Saturday
        (oslo(2027, 5, 17, 10, 0), oslo(2027, 5, 18, 8, 0)),  # 17 May, a Monday
        (oslo(2026, 12, 25, 10, 0), oslo(2026, 12, 28, 8, 0)),  # Christmas Day, then Boxing Day
    ],
    ids=["evening", "night", "weekend", "17-may", "christmas-day"],
)
def test_closed_nobody_is_named_and_the_next_opening_is_given(world, weekdays, now, opens):
    state = selectors.help_now_for(user=world.client, now=now)
    assert not state.unit_open
    assert (state.first, state.answer_by) == (None, None)
    assert state.next_opening == opens
    assert state.crisis_line is not None


def test_only_a_waiting_request_promises_contact_at_the_moment_it_is_routed(world, weekdays):
    night = oslo(2027, 3, 3, 0, 57)
    request, _ = services.help_request_create(user=world.client, now=night)
    answer = selectors.help_answer(request=request, now=night)
    assert answer.contact_at == request.due_at == oslo(2027, 3, 3, 8, 0)

    services.help_requests_advance(now=answer.contact_at)
    request.refresh_from_db()
    assert request.status == HelpRequest.Status.ALERTING
    routed = selectors.help_answer(request=request, now=answer.contact_at)
    assert routed.contact_at is None
    assert routed.on_duty == world.worker


def test_with_nobody_on_duty_and_no_leader_the_coordinators_get_it(world, weekdays):
    DutyShift.objects.all().delete()
    HelpSettings.objects.update(leader=None)
    state = selectors.help_now_for(user=world.client, now=oslo(2027, 3, 2, 10, 0))
    assert state.first == world.coordinator


def test_a_person_without_a_unit_has_no_help_state(world):
    world.client.unit = None
    world.client.save()
    assert selectors.help_now_for(user=world.client, now=oslo(2027, 3, 2, 10, 0)) is None
