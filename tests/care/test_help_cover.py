"""Someone on the duty rota is away: dated cover without touching the weekly rota."""

from datetime import date, time, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from care.models import DutyCover
from care.selectors import help as selectors
from care.services import help as services
from config.errors import Conflict, NotFound, Unprocessable
from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind
from tests import factories as f
from tests.care.help_support import END_OF_DAY, OSLO, arrange_rota, open_weekdays, oslo

pytestmark = pytest.mark.django_db

# A plain week of 2027: Monday 1 February to Friday 5 February.
MONDAY = date(2027, 2, 1)
TUESDAY, WEDNESDAY = MONDAY + timedelta(1), MONDAY + timedelta(2)
BEFORE = date(2027, 1, 20)  # "today" when the covers are entered


@pytest.fixture
def rota(world):
    """Monday–Friday 08:00–15:30: the worker first, the other worker second, the coordinator last."""
    open_weekdays(world.unit)
    return arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator)


@pytest.fixture
def stand_in(world) -> User:
    return f.make_person(User.Role.SOCIAL_WORKER, world.unit, "standin", first_name="Ola", last_name="Vikar")


def cover(world, absent: User, first: date, last: date, by: User | None = None) -> DutyCover:
    return services.duty_cover_add(
        actor=world.coordinator,
        absent_id=absent.pk,
        cover_id=by.pk if by else None,
        first_day=first,
        last_day=last,
        today=BEFORE,
    )


def test_the_cover_holds_the_away_persons_shifts_on_exactly_those_days(world, rota, stand_in):
    cover(world, world.worker, MONDAY, TUESDAY, by=stand_in)

    for day in (MONDAY, TUESDAY):
        assert selectors.on_duty(unit=world.unit, at=oslo(day.year, day.month, day.day, 10)) == [
            stand_in,
            world.other_worker,
        ]
    assert selectors.on_duty(unit=world.unit, at=oslo(2027, 2, 3, 10)) == [world.worker, world.other_worker]
    assert selectors.on_duty(unit=world.unit, at=oslo(2027, 1, 29, 10)) == [world.worker, world.other_worker]


def test_with_nobody_covering_the_next_on_the_rota_is_first(world, rota):
    cover(world, world.worker, MONDAY, MONDAY)
    assert selectors.escalation_chain(unit=world.unit, at=oslo(2027, 2, 1, 10)) == [
        world.other_worker,
        world.coordinator,
    ]


def test_a_help_request_on_a_covered_day_alerts_the_cover(world, rota, stand_in):
    cover(world, world.worker, MONDAY, WEDNESDAY, by=stand_in)
    request, created = services.help_request_create(user=world.client, now=oslo(2027, 2, 2, 10))
    assert created
    assert [a.staff for a in request.alerts.all()] == [stand_in]
    assert Delivery.objects.filter(recipient=stand_in, kind=MessageKind.HELP_ALERT).count() == 1
    assert not Delivery.objects.filter(recipient=world.worker, kind=MessageKind.HELP_ALERT).exists()


def test_someone_covering_who_is_also_on_the_rota_is_alerted_once_in_the_earlier_place(world, rota):
    cover(world, world.worker, MONDAY, MONDAY, by=world.other_worker)
    assert selectors.escalation_chain(unit=world.unit, at=oslo(2027, 2, 1, 10)) == [
        world.other_worker,
        world.coordinator,
    ]


def test_todays_list_shows_who_holds_each_shift(world, rota, stand_in):
    cover(world, world.worker, MONDAY, MONDAY, by=stand_in)
    today = selectors.duty_today(unit=world.unit, now=oslo(2027, 2, 1, 7))
    assert [(t.shift.staff, t.holder, t.covered) for t in today] == [
        (world.worker, stand_in, True),
        (world.other_worker, world.other_worker, False),
    ]


def test_an_overlapping_cover_for_the_same_person_is_refused_and_others_are_not(world, rota, stand_in):
    cover(world, world.worker, MONDAY, WEDNESDAY, by=stand_in)
    with pytest.raises(Conflict):
        cover(world, world.worker, WEDNESDAY, WEDNESDAY + timedelta(3))
    cover(world, world.worker, WEDNESDAY + timedelta(1), WEDNESDAY + timedelta(3))
    cover(world, world.other_worker, MONDAY, MONDAY, by=stand_in)
    assert DutyCover.objects.count() == 3


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (TUESDAY, MONDAY, "last_day"),  # ends before it starts
        (date(2027, 1, 10), date(2027, 1, 12), "last_day"),  # already over
        (MONDAY, MONDAY + timedelta(days=92), "last_day"),  # a change of the rota, not a cover
    ],
)
def test_a_cover_with_impossible_days_is_refused_with_the_field(world, rota, first, last, field):
    with pytest.raises(Unprocessable) as caught:
        cover(world, world.worker, first, last)
    assert field in caught.value.fields
    assert not DutyCover.objects.exists()


def test_nobody_covers_for_themselves_and_only_the_units_staff_can_be_chosen(world, rota):
    with pytest.raises(Unprocessable) as caught:
        cover(world, world.worker, MONDAY, MONDAY, by=world.worker)
    assert "cover" in caught.value.fields
    stranger = f.make_person(User.Role.SOCIAL_WORKER, f.make_unit("Nord"), "stranger")
    with pytest.raises(Unprocessable):
        cover(world, world.worker, MONDAY, MONDAY, by=stranger)
    with pytest.raises(Unprocessable):
        cover(world, stranger, MONDAY, MONDAY)
    assert not DutyCover.objects.exists()


def test_only_a_coordinator_enters_or_removes_covers_and_only_their_units(world, rota, stand_in):
    with pytest.raises(NotFound):
        services.duty_cover_add(
            actor=world.worker, absent_id=world.worker.pk, cover_id=None, first_day=MONDAY, last_day=MONDAY
        )
    entered = cover(world, world.worker, MONDAY, MONDAY, by=stand_in)
    other_coordinator = f.make_person(User.Role.COORDINATOR, f.make_unit("Nord"), "othercoordinator")
    with pytest.raises(NotFound):
        services.duty_cover_delete(actor=other_coordinator, cover_id=entered.pk)
    services.duty_cover_delete(actor=world.coordinator, cover_id=entered.pk)
    assert not DutyCover.objects.exists()


# --- The rota page ------------------------------------------------------------------------------


def as_(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_coordinator_enters_a_cover_on_the_rota_page_and_staff_see_it(world, rota, stand_in):
    first = date.today() + timedelta(days=3)
    response = as_(world.coordinator).post(
        "/help/rota/",
        {
            "cover-absent": str(world.worker.pk),
            "cover-first_day": first.isoformat(),
            "cover-last_day": (first + timedelta(days=4)).isoformat(),
            "cover-cover": str(stand_in.pk),
        },
    )
    assert response.status_code == 302
    saved = DutyCover.objects.get()
    assert (saved.absent, saved.cover, saved.first_day, saved.created_by) == (
        world.worker,
        stand_in,
        first,
        world.coordinator,
    )

    page = as_(world.worker).get("/help/rota/").content.decode()
    assert "covered by Ola Vikar" in page
    assert "Add the cover" not in page
    assert as_(world.worker).post(f"/help/rota/covers/{saved.pk}/delete/").status_code == 404
    assert DutyCover.objects.exists()

    assert as_(world.coordinator).post(f"/help/rota/covers/{saved.pk}/delete/").status_code == 302
    assert not DutyCover.objects.exists()


def test_a_cover_that_ends_before_it_starts_is_shown_on_the_form_and_nothing_is_saved(world, rota):
    first = date.today() + timedelta(days=3)
    response = as_(world.coordinator).post(
        "/help/rota/",
        {
            "cover-absent": str(world.worker.pk),
            "cover-first_day": first.isoformat(),
            "cover-last_day": (first - timedelta(days=1)).isoformat(),
            "cover-cover": "",
        },
    )
    assert response.status_code == 200
    assert "The last day must be on or after the first." in response.content.decode()
    assert not DutyCover.objects.exists()


def test_todays_shift_of_someone_away_names_who_holds_it(world, stand_in):
    open_weekdays(world.unit, days=range(7), start=time(0), end=END_OF_DAY)
    arrange_rota(world.unit, world.worker, world.other_worker, world.coordinator, days=range(7))
    today = timezone.now().astimezone(OSLO).date()  # the unit's day
    services.duty_cover_add(
        actor=world.coordinator, absent_id=world.worker.pk, cover_id=stand_in.pk, first_day=today, last_day=today
    )
    page = as_(world.coordinator).get("/help/rota/").content.decode()
    assert "Kari Nordmann is away" in page
    assert "<strong>Ola Vikar</strong>" in page


def test_a_cover_the_service_refuses_shows_why_on_the_form_and_beside_the_field(world, rota):
    yesterday = timezone.now().astimezone(OSLO).date() - timedelta(days=1)
    response = as_(world.coordinator).post(
        "/help/rota/",
        {
            "cover-absent": str(world.worker.pk),
            "cover-first_day": (yesterday - timedelta(days=2)).isoformat(),
            "cover-last_day": yesterday.isoformat(),
            "cover-cover": "",
        },
    )
    assert response.status_code == 200
    form = response.context["cover_form"]
    assert form.non_field_errors() == ["This cover has already ended."]
    assert form.errors["last_day"] == ["In the past."]
    assert not DutyCover.objects.exists()
