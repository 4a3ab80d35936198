"""Finding a service: words (Norwegian stemming on PostgreSQL), categories, open now with public
holidays and hours past midnight, and nearest first."""

from datetime import time

import pytest

from services import geo, hours, selectors
from services.models import HoursException, Location
from tests.reminders.support import at
from tests.services.support import EVERY_DAY, make_service

pytestmark = pytest.mark.django_db


def names(found):
    return [f.service.name for f in found]


@pytest.mark.postgres
def test_a_search_for_an_inflected_norwegian_word_finds_the_base_form():
    make_service("Boligkontoret", categories=("money",), description="Vi hjelper deg å finne en bolig.")
    make_service("Suppekjøkkenet", description="Varm mat hver dag.")

    assert names(selectors.services_find(q="boliger")) == ["Boligkontoret"]
    assert names(selectors.services_find(q="måltidet maten")) == []  # every word must match
    assert names(selectors.services_find(q="maten")) == ["Suppekjøkkenet"]


def test_a_search_matches_words_in_the_description_and_category_names():
    make_service("Boligkontoret", categories=("housing",), description="Vi hjelper deg å finne en bolig.")
    make_service("Suppekjøkkenet", description="Varm mat hver dag.")

    assert names(selectors.services_find(q="bolig")) == ["Boligkontoret"]
    assert names(selectors.services_find(q="Mat og klær")) == ["Suppekjøkkenet"]


def test_a_category_narrows_the_list_to_its_services():
    make_service("Boligkontoret", categories=("housing",))
    make_service("Suppekjøkkenet", categories=("food", "harm-reduction"))

    assert names(selectors.services_find(category="harm-reduction")) == ["Suppekjøkkenet"]
    assert names(selectors.services_find(category="housing")) == ["Boligkontoret"]
    assert selectors.services_find(category="no-such") == []


def test_a_location_is_closed_on_a_public_holiday_unless_it_says_it_opens():
    make_service("Vanlig")
    make_service("Åpen på helligdager", open_on_holidays=True)
    monday_17_may = at(2027, 5, 17, 10, 0)

    assert names(selectors.services_find(open_now=True, now=monday_17_may)) == ["Åpen på helligdager"]
    assert len(selectors.services_find(open_now=True, now=at(2027, 5, 18, 10, 0))) == 2


def test_hours_past_midnight_belong_to_the_day_they_start_even_into_a_holiday():
    # Open Thursdays 20:00–08:00: 1 January 2027 is a Friday and a public holiday.
    make_service("Natthjemmet", hours=((3, time(20), time(8)),))

    assert names(selectors.services_find(open_now=True, now=at(2027, 1, 1, 2, 0))) == ["Natthjemmet"]
    assert selectors.services_find(open_now=True, now=at(2027, 1, 1, 9, 0)) == []
    found = selectors.services_find(now=at(2027, 1, 1, 9, 0))[0]
    assert found.opens_next == at(2027, 1, 7, 20, 0)


def test_a_location_open_around_the_clock_is_open_at_midnight_and_just_before():
    make_service("Døgnåpent", hours=tuple((d, time(0), time(23, 59)) for d in EVERY_DAY), open_on_holidays=True)

    for moment in (at(2026, 12, 24, 23, 59), at(2026, 12, 25, 0, 0), at(2026, 12, 25, 12, 0)):
        found = selectors.services_find(open_now=True, now=moment)
        assert names(found) == ["Døgnåpent"]
        assert found[0].all_day


def test_an_exception_closes_one_date_and_another_sets_its_own_hours():
    service = make_service("Kafeen")
    place = Location.objects.get(services=service)
    HoursException.objects.create(location=place, day=at(2027, 3, 1).date(), note="Stengt for kurs")
    HoursException.objects.create(location=place, day=at(2027, 3, 6).date(), opens=time(10), closes=time(12))
    place = Location.objects.prefetch_related("weekly_hours", "exceptions").get(pk=place.pk)

    assert hours.open_interval(place, at(2027, 3, 1, 10, 0)) is None
    assert hours.open_interval(place, at(2027, 3, 2, 10, 0)) is not None
    assert hours.open_interval(place, at(2027, 3, 6, 11, 0)) is not None  # a Saturday


def test_nearest_first_when_a_place_is_given():
    make_service("Langt unna", lat=59.99, lon=10.90)
    make_service("Nærmest", lat=59.913, lon=10.747)
    make_service("Midt i mellom", lat=59.93, lon=10.77)
    make_service("Uten kart", lat=None, lon=None)

    found = selectors.services_find(near=geo.Point(59.9127, 10.7461))

    assert names(found) == ["Nærmest", "Midt i mellom", "Langt unna", "Uten kart"]
    assert found[0].distance_km < 0.2 < found[1].distance_km < found[2].distance_km


def test_a_named_place_or_coordinates_may_be_given_and_nonsense_is_no_place():
    assert geo.near_parse("sentrum") == geo.Point(59.9127, 10.7461)
    assert geo.near_parse("59.9, 10.7") == geo.Point(59.9, 10.7)
    assert geo.near_parse("91,10") is None
    assert geo.near_parse("nan,inf") is None
