"""Whole-project checks: the schema, the docs, the admin and the demo data."""

import pytest
import yaml
from django.core.management import call_command
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from openapi_spec_validator import validate

from booking.models import Appointment, MeetingType, WorkingHours
from people.models import Caseload, User

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_served(api, world):
    response = api.as_(world.client).get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in ("/api/appointments/", "/api/workers/{worker_id}/slots/", "/api/reminder-plans/", "/api/me/"):
        assert path in body


def test_the_schema_builds_without_errors_or_warnings(tmp_path):
    GENERATOR_STATS.reset()
    # --validate checks the result against the OpenAPI 3.0 meta-schema; --fail-on-warn refuses
    # any warning (a serializer it had to guess, two components of one name, …).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert not GENERATOR_STATS


def test_the_served_schema_is_valid_openapi(client):
    document = yaml.safe_load(client.get("/api/schema/").content)
    validate(document)  # raises on the first error, with where it is


def test_every_request_body_is_json_and_only_json(client):
    document = yaml.safe_load(client.get("/api/schema/").content)
    bodies = {
        f"{method.upper()} {path}": list(operation["requestBody"]["content"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    assert bodies
    assert {name: types for name, types in bodies.items() if types != ["application/json"]} == {}


@pytest.mark.parametrize("kind", ["multipart", "form"])
def test_the_api_refuses_a_form_body_with_a_415_that_names_json(api, world, kind):
    client = api.as_(world.client)
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": "2030-01-07T09:00:00+01:00"}
    if kind == "multipart":
        response = client.post("/api/appointments/", body, format="multipart")
    else:
        response = client.post(
            "/api/appointments/", "worker=1&meeting_type=1", content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in response.json()["error"]["message"]
    assert not Appointment.objects.exists()


def test_the_interactive_docs_load_without_a_cdn(client, world):
    client.force_login(world.client)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn.jsdelivr" not in response.content


def test_the_demo_data_is_complete_and_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    usernames = set(User.objects.values_list("username", flat=True))
    assert usernames >= {"worker1", "worker2", "peer1", "coordinator", "user1", "user2", "user3", "user4", "user5"}
    # Besides the five who sign in, the history of the unit's picture has people who cannot.
    assert User.objects.filter(role=User.Role.SERVICE_USER, is_active=True).count() == 5
    assert Caseload.objects.filter(ended_at__isnull=True, worker__username="worker1").count() == 3
    assert Caseload.objects.filter(ended_at__isnull=True, worker__username="worker2").count() == 2
    assert WorkingHours.objects.filter(calendar__owner__username="worker1").count() == 10  # with a lunch break
    assert MeetingType.objects.filter(calendar__owner__username="peer1", audience="unit").exists()
    # Only history before this week: nothing booked ahead.
    assert not Appointment.objects.filter(start__gte=timezone.now()).exists()
    assert Appointment.objects.filter(start__lt=timezone.now()).count() == 16 * 12


def test_a_coordinator_manages_the_unit_in_the_admin(client):
    call_command("seed_demo")
    assert client.login(username="coordinator", password="triangel-demo")
    for url in (
        "/admin/",
        "/admin/people/user/",
        "/admin/people/unit/",
        "/admin/booking/calendar/",
        "/admin/booking/meetingtype/",
        "/admin/booking/appointment/",
        "/admin/messaging/delivery/",
    ):
        assert client.get(url).status_code == 200, url


def test_an_admin_page_that_does_not_exist_is_a_404_for_staff(client):
    call_command("seed_demo")
    assert client.login(username="coordinator", password="triangel-demo")
    assert client.get("/admin/no-such-app/no-such-model/").status_code == 404


def test_the_admin_shows_a_coordinator_only_their_own_unit(client):
    call_command("seed_demo")
    from people.models import Unit

    other = Unit.objects.create(name="Another unit")
    User.objects.create_user(username="stranger", password="x" * 12, role=User.Role.SERVICE_USER, unit=other)
    client.login(username="coordinator", password="triangel-demo")
    page = client.get("/admin/people/user/").content.decode()
    assert "user1" in page
    assert "stranger" not in page


def test_health_reports_database_and_broker(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    from config.celery import app

    app.conf.broker_url = "memory://"
    response = client.get("/health/")
    body = response.json()
    assert body["database"] == "ok"
    assert "last_dispatch" in body


def test_every_admin_page_opens_for_a_superuser(client, world):
    """Every registered model's list (also searched), add and change pages answer 200."""
    from django.contrib import admin

    from tests.factories import PASSWORD, local, make_appointment, next_weekday

    call_command("seed_demo")
    make_appointment(world.meeting_type, world.client, local(next_weekday(1), 10))
    User.objects.create_superuser("root", password=PASSWORD, role=User.Role.COORDINATOR)
    assert client.login(username="root", password=PASSWORD)
    request = client.get("/admin/").wsgi_request
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(base).status_code == 200, base
        if model_admin.search_fields:
            assert client.get(base, {"q": "a"}).status_code == 200, f"{base}?q=a"
        if model_admin.has_add_permission(request):
            assert client.get(f"{base}add/").status_code == 200, f"{base}add/"
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            assert client.get(f"{base}{first.pk}/change/").status_code == 200, f"{base}{first.pk}/change/"


def test_every_task_the_beat_schedules_is_a_registered_task():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def test_the_static_files_collect_for_production(tmp_path, settings) -> None:
    """``collectstatic`` with the production storage (hashed names and a manifest) succeeds:
    every file a stylesheet or script refers to is there."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    assert any(tmp_path.glob("web/vendor/leaflet-1.9.4/leaflet.*.js"))
