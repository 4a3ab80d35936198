"""The public API of the directory."""

from datetime import time

import pytest

from services.models import Category, RightsPage
from tests.services.support import EVERY_DAY, make_service

pytestmark = pytest.mark.django_db


def test_anyone_may_search_without_signing_in_and_get_pages(api):
    make_service("Suppekjøkkenet", lat=59.92, lon=10.75)
    make_service("Natthjemmet", lat=59.913, lon=10.746, hours=tuple((d, time(0), time(23, 59)) for d in EVERY_DAY))

    answer = api.anonymous().get("/api/services/", {"near": "59.9127,10.7461", "category": "food"})

    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    assert [s["name"] for s in body["results"]] == ["Natthjemmet", "Suppekjøkkenet"]
    assert body["results"][0]["categories"][0]["code"] == "food"


def test_open_now_keeps_only_open_services(api):
    make_service("Døgnåpent", hours=tuple((d, time(0), time(23, 59)) for d in EVERY_DAY), open_on_holidays=True)
    make_service("Aldri", hours=())

    answer = api.anonymous().get("/api/services/", {"open_now": "true"})

    assert [s["name"] for s in answer.json()["results"]] == ["Døgnåpent"]


def test_a_place_that_is_no_place_is_a_400_saying_what_to_write(api):
    answer = api.anonymous().get("/api/services/", {"near": "up north"})

    assert answer.status_code == 400
    assert "59.91,10.75" in answer.json()["error"]["message"]


def test_one_service_and_a_missing_one(api):
    service = make_service("Suppekjøkkenet")

    assert api.anonymous().get(f"/api/services/{service.pk}/").json()["name"] == "Suppekjøkkenet"
    assert api.anonymous().get(f"/api/services/{service.pk + 1}/").status_code == 404


def test_categories_rights_and_the_export(api):
    RightsPage.objects.create(slug="plan", title_nb="Plan", title_en="Plan", body_nb="x", body_en="y", law="hol § 7-1")

    categories = api.anonymous().get("/api/services/categories/").json()
    assert len(categories) == Category.objects.count() == 11
    assert api.anonymous().get("/api/rights/").json()[0]["law"] == "hol § 7-1"
    export = api.anonymous().get("/api/services/export/")
    assert export.status_code == 200
    assert export["Content-Type"] == "application/zip"
