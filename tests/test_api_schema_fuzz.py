"""Every operation of the API's OpenAPI schema, fuzzed in-process with schemathesis.

The schema is the one the app serves (``/api/schema/``), and the requests go to the same app
through WSGI, inside the test's database transaction. Each operation is called with generated
requests, valid and invalid ones (derandomized: the same requests on every run), as a signed-in
service user and as a signed-in social worker who each have some data: meetings, a reminder
plan, a responsibility group with a meeting, a plan, a help request, feedback and an idea. The
ids in the paths are sometimes ids of those real objects, so answers other than 404 are seen.

Every answer must keep four promises: no server error (5xx), a body that matches the documented
schema (its formats too: a date-time, an e-mail address), a status code the operation documents,
and a documented content type. The summary says for how many operations a success answer was
among those checked, not only error answers.

The operations that need no sign-in are called without one, and must keep the same promises:
the SMS gateway's webhooks (``/api/sms/inbound/``, ``/api/sms/status/``) answer only a body
signed with the shared secret (HMAC), which generated requests cannot make, so they see the
404 a stranger sees; the calendar feed's secret is sometimes the real one.

The figures (operations, calls, failures of each kind) are printed at the end of the run
(tests/conftest.py). TRIANGEL_FUZZ_EXAMPLES=500 searches deeper than the 25 generated requests per
operation and caller of every run; TRIANGEL_FUZZ_COVERAGE=1 adds schemathesis's coverage phase,
the boundary values of every parameter.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from booking.models import Appointment, CalendarOverride
from booking.services import feed_token_get_or_create
from care.services import continuity, feedback, help, peers
from care.services import groups as group_services
from people.models import User
from people.services import api_token_issue
from reminders.models import FollowUpTask, ReminderPlan
from tests import factories as f
from tests.care.groups_support import make_group, set_hours
from tests.fuzz_report import FUZZ_TALLY, FuzzTally
from tests.reminders.support import make_delivery, make_plan

pytestmark = pytest.mark.django_db

# Generated requests per operation and caller, beside the examples the schema gives: enough to
# reach past the validation of most bodies, few enough that the module runs in minutes. A deeper
# search now and then: TRIANGEL_FUZZ_EXAMPLES=500.
MAX_EXAMPLES = int(os.environ.get("TRIANGEL_FUZZ_EXAMPLES", "25"))

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20260101,
        "generation": {
            "mode": "all",  # valid requests, and requests the schema says are not valid
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",  # nothing kept between runs: every run sends the same requests
            # The test signs in itself; generated Authorization headers would only sign out.
            "with-security-parameters": False,
        },
        # An answer must match its schema formats too: a date-time, an e-mail address, a URI.
        "checks": {"response_schema_conformance": {"validate-formats": True}},
        # The coverage phase sends every boundary value of every parameter, unbounded in number.
        "phases": {"coverage": {"enabled": os.environ.get("TRIANGEL_FUZZ_COVERAGE") == "1"}},
    }
)
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]

# The operations of callers without a sign-in: the gateway's signed webhooks, which no generated
# request can sign (so they see only the stranger's 404), and the calendar feed.
PUBLIC = r"^/api/(sms/inbound/|sms/status/|calendar/feed/\{secret\}\.ics)$"


# Loaded once, when the module is collected: the schema the app serves, through WSGI.
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

# The ids of the current test's data (``known_ids``), for the hook below.
_known: dict[str, list[Any]] = {}


@SCHEMA.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> st.SearchStrategy:
    """Now and then the id of a real object instead of a generated number."""
    names = [name for name in path_parameters or {} if _known.get(name)]
    if not names:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from(_known[name]) for name in names})
    return st.one_of(st.just(path_parameters), real.map(lambda ids: {**path_parameters, **ids}))


@dataclass
class Caller:
    role: str
    headers: dict[str, str]


@pytest.fixture
def fuzz_tally(request: pytest.FixtureRequest) -> FuzzTally:
    return request.config.stash.setdefault(FUZZ_TALLY, FuzzTally())


@pytest.fixture
def _connection_kept() -> Iterator[None]:
    """Django closes a connection that is inside a transaction when a request starts or ends; the
    test client stops that, and so must this test, whose requests run in the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(world) -> Iterator[dict[str, list[Any]]]:
    """Some data for the service user and their social worker, and the ids of it by the name of
    the path parameter that names such an object."""
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    tuesday = f.next_weekday(1, min_days_ahead=3)
    now = timezone.now()
    upcoming = f.make_appointment(world.meeting_type, world.client, f.local(tuesday, 9))
    later = f.make_appointment(world.meeting_type, world.client, f.local(tuesday + timedelta(days=7), 9))
    held = f.make_appointment(
        world.meeting_type, world.client, now - timedelta(days=3), status=Appointment.Status.COMPLETED
    )
    missed = f.make_appointment(
        world.meeting_type, world.client, now - timedelta(days=6), status=Appointment.Status.NO_SHOW
    )
    other = f.make_appointment(world.other_meeting_type, world.other_client, f.local(tuesday, 10))
    task = FollowUpTask.objects.create(
        worker=world.worker, client=world.client, kind=FollowUpTask.Kind.NO_SHOW, appointment=missed
    )
    reminder = make_plan(world.client)
    routine = make_plan(world.client, kind=ReminderPlan.Kind.ROUTINE, title="Gå tur", dose="")
    make_delivery(world.client, plan=reminder)
    time_off = CalendarOverride.objects.create(
        calendar=world.calendar,
        kind=CalendarOverride.Kind.TIME_OFF,
        start=f.local(tuesday + timedelta(days=14), 8),
        end=f.local(tuesday + timedelta(days=14), 12),
    )

    group = make_group(world)
    meeting = group_services.group_meeting_book(
        actor=world.worker, group_id=group.pk, start=f.local(tuesday, 13), duration_minutes=60, agenda="Uka"
    )
    action = group_services.action_add(
        actor=world.worker, meeting_id=meeting.pk, what="Søke bolig", responsible_user_id=world.client.pk
    )
    entry = continuity.plan_entry_add(actor=world.worker, client_id=world.client.pk, kind="goal", text="Sove bedre")
    help_request, _ = help.help_request_create(user=world.client, message="Ring meg")
    peer_request = peers.peer_request_create(user=world.other_client, note="Kaffe?")
    invitation = peers.invitation_create(user=world.client, appointment_id=upcoming.pk, peer_id=world.peer.pk)
    feedback.feedback_give(user=world.client, appointment_id=held.pk, face=4, comment="Fint")
    idea = feedback.idea_create(author=world.client, title="Lengre åpningstid")
    handover = continuity.handover_run(
        actor=world.coordinator,
        from_worker_id=world.other_worker.pk,
        to_worker_id=world.worker.pk,
        client_id=world.other_client.pk,
    )

    people = [world.client.pk, world.other_client.pk, world.worker.pk, world.peer.pk]
    known = {
        "appointment_id": [upcoming.pk, later.pk, held.pk, missed.pk, other.pk],
        "worker_id": [world.worker.pk, world.peer.pk, world.other_worker.pk],
        "item_id": [
            time_off.pk,
            world.meeting_type.pk,
            *world.calendar.working_hours.values_list("pk", flat=True)[:2],
        ],
        "plan_id": [reminder.pk, routine.pk],
        "user_id": people,
        "person_id": people,
        "entry_id": [entry.pk],
        "handover_id": [handover.pk],
        "group_id": [group.pk],
        "meeting_id": [meeting.pk],
        "action_id": [action.pk],
        "external_id": list(group.externals.values_list("pk", flat=True)),
        "request_id": [help_request.pk, peer_request.pk],
        "invitation_id": [invitation.pk],
        "task_id": [task.pk],
        "idea_id": [idea.pk],
        "secret": [feed_token_get_or_create(user=world.worker).secret],
        # Someone else's sign-in (a 404 for the caller); the caller's own is added with the caller.
        "token_id": [api_token_issue(user=world.other_client, label="App")[0].pk],
    }
    _known.clear()
    _known.update(known)
    yield known
    _known.clear()


@pytest.fixture(params=[User.Role.SERVICE_USER, User.Role.SOCIAL_WORKER])
def caller(request: pytest.FixtureRequest, world, known_ids: dict[str, list[Any]], _connection_kept: None) -> Caller:
    person = world.client if request.param == User.Role.SERVICE_USER else world.worker
    # An older sign-in of the caller's, which ending does not sign the calls that follow out.
    _known["token_id"].append(api_token_issue(user=person, label="Phone")[0].pk)
    _token, secret = api_token_issue(user=person, label="schemathesis")
    return Caller(role=str(request.param), headers={"Authorization": f"Token {secret}"})


# One parameter, so that the test's id names the operation as the signed-in test's ids do.
@pytest.fixture(params=["anonymous"])
def anonymous(known_ids: dict[str, list[Any]], _connection_kept: None) -> Caller:
    return Caller(role="no sign-in", headers={})


def _call_and_check(case: schemathesis.Case, caller: Caller, tally: FuzzTally) -> None:
    # A savepoint around each call: a server error that broke the transaction (PostgreSQL refuses
    # every statement after a failed one) is undone, so it cannot fail the calls that follow.
    savepoint = transaction.savepoint()
    response = case.call(headers=caller.headers)
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    tally.called(caller.role, case.operation.label, response.status_code)
    try:
        case.validate_response(response, checks=CHECKS, headers=caller.headers)
    except FailureGroup as group:
        tally.failed({type(failure).__name__ for failure in group.exceptions})
        raise


SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,  # the machine is shared: no timing in tests
    suppress_health_check=[
        # The data of the fixtures is shared by all the requests of an operation, as intended.
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
        hypothesis.HealthCheck.filter_too_much,
        hypothesis.HealthCheck.data_too_large,
    ],
)


@SCHEMA.exclude(path_regex=PUBLIC).parametrize()
@SETTINGS
def test_every_operation_keeps_its_promises_for_a_signed_in_person(case, caller, fuzz_tally):
    _call_and_check(case, caller, fuzz_tally)


@SCHEMA.include(path_regex=PUBLIC).parametrize()
@SETTINGS
def test_the_operations_without_sign_in_keep_their_promises(case, anonymous, fuzz_tally):
    _call_and_check(case, anonymous, fuzz_tally)
