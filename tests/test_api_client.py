"""A Python client generated from the API's schema works: every module of it imports, and it signs
in and books a meeting against a running Triangel.

The client is made as the README says (``openapi-python-client`` from ``/api/schema/``), into a
temporary folder, by the generator pinned in requirements-dev.txt; it needs no network beyond the
test's own server. No formatter runs after generating (``post_hooks`` empty): the client is only
imported, never read.
"""

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from urllib.request import urlopen

import pytest
import yaml
from pytest_django import DjangoDbBlocker
from pytest_django.live_server_helper import LiveServer

from booking.models import Appointment
from tests import factories as f

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "triangel_client"


# Made once for the module: the schema does not change from one test to the next.
@pytest.fixture(scope="module")
def client_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


@pytest.fixture(scope="module")
def schema(live_server: LiveServer, client_folder: Path, django_db_blocker: DjangoDbBlocker) -> Path:
    """The schema as the running server serves it."""
    path = client_folder / "schema.yaml"
    # Fetched before any test of the module holds the database: the server may touch the
    # database while it answers, so it is let through the test run's block on database access.
    with django_db_blocker.unblock(), urlopen(f"{live_server.url}/api/schema/", timeout=30) as response:
        path.write_bytes(response.read())
    return path


@pytest.fixture(scope="module")
def generated(schema: Path, client_folder: Path) -> Iterator[ModuleType]:
    """The client generated from ``schema``, importable as ``triangel_client`` while the test runs."""
    config = client_folder / "generator.json"
    # The directory's HSDS download is a zip; the generator reads any binary answer as a file.
    config.write_text(
        json.dumps({"post_hooks": [], "content_type_overrides": {"application/zip": "application/octet-stream"}})
    )
    command = [
        *(sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema)),
        *("--output-path", str(client_folder / PACKAGE), "--meta", "none", "--config", str(config)),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    # The generator says "Warning(s) encountered" for every operation it had to leave out.
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert "Warning" not in said, said
    sys.path.insert(0, str(client_folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(client_folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _operations(schema: Path) -> int:
    document = yaml.safe_load(schema.read_text())
    methods = {"get", "put", "post", "patch", "delete"}
    return sum(1 for item in document["paths"].values() for method in item if method in methods)


def test_every_module_of_the_generated_client_imports(generated: ModuleType, schema: Path):
    failed, endpoints = {}, 0
    for module in pkgutil.walk_packages(generated.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # every failure is reported, not only the first
            failed[module.name] = f"{type(exc).__name__}: {exc}"
        else:
            endpoints += module.name.startswith(f"{PACKAGE}.api.") and not module.ispkg
    assert failed == {}
    # One module per operation: none was left out.
    assert endpoints == _operations(schema)


def test_a_service_user_signs_in_and_books_a_meeting_with_the_generated_client(
    generated: ModuleType, live_server: LiveServer, world
):
    from triangel_client import AuthenticatedClient, Client
    from triangel_client.api.appointments import appointments_create, appointments_retrieve
    from triangel_client.api.auth import auth_token_create
    from triangel_client.api.workers import workers_slots_list
    from triangel_client.models import AppointmentCreate, Credentials

    signed_out = Client(base_url=live_server.url, raise_on_unexpected_status=True)
    token = auth_token_create.sync(client=signed_out, body=Credentials(username="client", password=f.PASSWORD))
    api = AuthenticatedClient(base_url=live_server.url, token=token.token, prefix="Token")

    monday = f.next_weekday(0, min_days_ahead=3)
    slots = workers_slots_list.sync(
        client=api,
        worker_id=world.worker.pk,
        meeting_type=world.meeting_type.pk,
        start=monday,
        end=monday + timedelta(days=4),
    )
    assert slots, "the worker has free times that week"

    body = AppointmentCreate(worker=world.worker.pk, meeting_type=world.meeting_type.pk, start=slots[0].start)
    answer = appointments_create.sync_detailed(client=api, body=body)
    assert answer.status_code == 201, answer.content
    booked = answer.parsed
    assert booked.start == slots[0].start

    appointment = Appointment.objects.get(pk=booked.id)
    assert appointment.client == world.client
    assert appointment.calendar.owner == world.worker
    assert appointment.status == Appointment.Status.BOOKED
    # And the client reads it back.
    assert appointments_retrieve.sync(client=api, appointment_id=booked.id).id == booked.id
