"""Whole-project checks: the schema, the docs, the admin and the demo data."""

import pytest
from django.core.management import call_command

from booking.models import Appointment, MeetingType, WorkingHours
from people.models import Caseload, User

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_is_served(api, world):
    response = api.as_(world.client).get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in ("/api/appointments/", "/api/workers/{worker_id}/slots/", "/api/reminder-plans/", "/api/me/"):
        assert path in body


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
    assert User.objects.filter(role=User.Role.SERVICE_USER).count() == 5
    assert Caseload.objects.filter(ended_at__isnull=True, worker__username="worker1").count() == 3
    assert Caseload.objects.filter(ended_at__isnull=True, worker__username="worker2").count() == 2
    assert WorkingHours.objects.filter(calendar__owner__username="worker1").count() == 10  # with a lunch break
    assert MeetingType.objects.filter(calendar__owner__username="peer1", audience="unit").exists()
    assert Appointment.objects.count() == 0


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
        "/admin/reminders/delivery/",
    ):
        assert client.get(url).status_code == 200, url


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
