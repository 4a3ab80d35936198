"""Claiming and sending delivery rows: exclusive claims, exactly-once sends, retries,
permanent failures and fallbacks. SMS goes to the ``file`` backend or to a stub HTTP
gateway on 127.0.0.1, so the real backends run."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from messaging import dispatch as dispatcher
from messaging import sending
from messaging.models import Delivery
from people.models import PhoneNumber, User
from reminders import services
from reminders.models import FollowUpTask, MessageKind
from tests import factories as f
from tests.reminders.support import StubSmsGateway, dispatch, make_delivery, post_signed, sent_sms

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


@pytest.fixture
def stub_gateway(settings):
    with StubSmsGateway() as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url
        settings.SMS_HTTP_TOKEN = "test-token"
        settings.SMS_HTTP_TIMEOUT = 5
        yield gateway


# --- Claiming ------------------------------------------------------------------------------


def test_two_claims_never_return_the_same_rows(world):
    now = timezone.now()
    rows = [make_delivery(world.client, due_at=now - timedelta(minutes=i)) for i in range(10)]
    claims = [dispatcher.deliveries_claim(limit=4, now=now) for _ in range(4)]

    ids = [i for _token, claimed in claims for i in claimed]
    assert [len(claimed) for _token, claimed in claims] == [4, 4, 2, 0]
    assert sorted(ids) == sorted(r.pk for r in rows)
    assert len({token for token, _ids in claims}) == 4
    for token, claimed in claims[:3]:
        for row in Delivery.objects.filter(pk__in=claimed):
            assert row.status == Delivery.Status.SENDING
            assert str(row.claim_token) == token
            assert row.lease_until == now + timedelta(seconds=120)


def test_a_claim_takes_the_oldest_due_rows_first(world):
    now = timezone.now()
    late = make_delivery(world.client, due_at=now - timedelta(minutes=1))
    early = make_delivery(world.client, due_at=now - timedelta(minutes=30))
    _token, ids = dispatcher.deliveries_claim(limit=1, now=now)
    assert ids == [early.pk]
    assert dispatcher.deliveries_claim(limit=1, now=now)[1] == [late.pk]


def test_a_claim_takes_only_due_scheduled_rows(world):
    now = timezone.now()
    make_delivery(world.client, due_at=now + timedelta(minutes=5))
    make_delivery(world.client, due_at=now - timedelta(minutes=5), status=Delivery.Status.CANCELLED)
    make_delivery(world.client, due_at=now - timedelta(minutes=5), status=Delivery.Status.SENT)
    due = make_delivery(world.client, due_at=now)
    assert dispatcher.deliveries_claim(limit=10, now=now)[1] == [due.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_split_the_due_rows_without_overlap():
    user = f.make_person(User.Role.SERVICE_USER, f.make_unit(), phone="+4740000009")
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                recipient=user,
                kind=MessageKind.ROUTINE,
                channel="sms",
                occurrence_at=now,
                due_at=now - timedelta(seconds=i),
                expires_at=now + timedelta(hours=1),
                dedupe_key=f"race:{i}",
                context={"title": "Gå tur"},
            )
            for i in range(300)
        ]
    )
    all_ids = set(Delivery.objects.values_list("pk", flat=True))
    threads_count = 4
    barrier = threading.Barrier(threads_count, timeout=30)
    claimed: list[list[int]] = [[] for _ in range(threads_count)]
    tokens: dict[int, str] = {}
    pids: list[int | None] = [None] * threads_count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids[index] = cursor.fetchone()[0]
            barrier.wait()
            while True:
                token, ids = dispatcher.deliveries_claim(limit=7, now=now)
                if not ids:
                    break
                claimed[index].extend(ids)
                tokens.update(dict.fromkeys(ids, token))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a claim hung"
    assert not errors, errors
    assert len(set(pids)) == threads_count  # really separate connections

    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)), "a row was claimed twice"
    assert set(every) == all_ids
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).count() == 300
    # Each row carries the token of the one claim that returned it.
    assert {pk: str(token) for pk, token in Delivery.objects.values_list("pk", "claim_token")} == tokens


# --- Sending exactly once ------------------------------------------------------------------


def test_it_sends_once_and_does_not_send_twice(world, sms_file):
    row = make_delivery(world.client)
    token, ids = dispatcher.deliveries_claim(limit=10)
    assert ids == [row.pk]

    first = sending.deliveries_send(ids=ids, claim_token=token)
    second = sending.deliveries_send(ids=ids, claim_token=token)  # the task redelivered

    assert first["sent"] == 1
    assert second == {"sent": 0, "failed": 0, "retry": 0, "missed": 0, "cancelled": 0, "skipped": 1}
    messages = sent_sms(sms_file)
    assert len(messages) == 1
    assert messages[0]["to"] == "+4740000001"
    assert messages[0]["idempotency_key"] == str(row.idempotency_key)
    assert messages[0]["text"].startswith("Påminnelse kl.")  # discreet: the time, not the title
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.provider_message_id == f"file-{row.idempotency_key}"
    assert row.sent_to == "+4740000001"


def test_an_expired_row_is_marked_missed_not_sent(world, sms_file):
    now = timezone.now()
    row = make_delivery(world.client, due_at=now - timedelta(hours=2), expires_at=now - timedelta(minutes=1))
    _ids, counts = dispatch(now)
    assert counts["missed"] == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.MISSED
    assert sent_sms(sms_file) == []


def test_a_row_claimed_again_is_not_sent_by_the_old_token(world, sms_file):
    now = timezone.now()
    row = make_delivery(world.client, due_at=now)
    old_token, ids = dispatcher.deliveries_claim(limit=10, now=now)
    # The first worker stalls past its lease; the sweeper returns the row and it is claimed again.
    later = now + timedelta(seconds=121)
    assert dispatcher.deliveries_sweep(now=later) == 1
    new_token, new_ids = dispatcher.deliveries_claim(limit=10, now=later)
    assert new_ids == ids == [row.pk]

    assert sending.deliveries_send(ids=ids, claim_token=old_token)["skipped"] == 1
    assert sent_sms(sms_file) == []
    assert sending.deliveries_send(ids=new_ids, claim_token=new_token)["sent"] == 1
    assert len(sent_sms(sms_file)) == 1


def test_the_sweeper_returns_only_rows_whose_lease_expired(world):
    now = timezone.now()
    row = make_delivery(world.client, due_at=now)
    dispatcher.deliveries_claim(limit=10, now=now)

    assert dispatcher.deliveries_sweep(now=now + timedelta(seconds=60)) == 0
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENDING

    assert dispatcher.deliveries_sweep(now=now + timedelta(seconds=121)) == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.SCHEDULED
    assert row.claim_token is None
    assert row.lease_until is None


def test_cancelled_rows_are_not_sent(world, sms_file):
    row = make_delivery(world.client)
    token, ids = dispatcher.deliveries_claim(limit=10)
    Delivery.objects.filter(pk=row.pk).update(status=Delivery.Status.CANCELLED)
    assert sending.deliveries_send(ids=ids, claim_token=token)["skipped"] == 1
    assert sent_sms(sms_file) == []


# --- The HTTP gateway ----------------------------------------------------------------------


def test_the_http_backend_sends_the_idempotency_key_and_bearer_token(world, stub_gateway):
    row = make_delivery(world.client)
    _ids, counts = dispatch()
    assert counts["sent"] == 1

    [request] = stub_gateway.requests
    assert request.path == "/sms"
    assert request.headers["idempotency-key"] == str(row.idempotency_key)
    assert request.headers["authorization"] == "Bearer test-token"
    assert request.body["to"] == "+4740000001"
    assert request.body["reference"] == str(row.idempotency_key)
    assert request.body["from"] == "Triangel"
    assert request.body["text"].startswith("Påminnelse kl.")  # discreet: the time, not the title
    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT
    assert row.provider_message_id == "gw-1"


def test_a_temporary_error_retries_with_backoff_then_fails(world, stub_gateway, settings):
    stub_gateway.status = 503
    now = timezone.now()
    row = make_delivery(world.client, due_at=now, expires_at=now + timedelta(days=1))
    backoffs = [timedelta(seconds=30 * 4**n) for n in range(settings.REMINDERS_MAX_ATTEMPTS - 1)]

    for attempt, backoff in enumerate(backoffs, start=1):
        _ids, counts = dispatch(now)
        assert counts["retry"] == 1
        row.refresh_from_db()
        assert row.status == Delivery.Status.SCHEDULED
        assert row.attempts == attempt
        assert row.due_at == now + backoff
        assert row.last_error == "gateway answered 503"
        assert dispatch(row.due_at - timedelta(seconds=1))[0] == []  # not before its time
        now = row.due_at

    _ids, counts = dispatch(now)
    assert counts["failed"] == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED
    assert row.attempts == settings.REMINDERS_MAX_ATTEMPTS
    assert len(stub_gateway.requests) == settings.REMINDERS_MAX_ATTEMPTS
    # Every attempt carried the same key, so a gateway that did deliver can drop the copies.
    assert {r.headers["idempotency-key"] for r in stub_gateway.requests} == {str(row.idempotency_key)}
    # A temporary problem says nothing about the number.
    assert PhoneNumber.objects.get(user=world.client).unusable_since is None
    assert not FollowUpTask.objects.exists()


def test_a_retry_is_never_planned_after_the_reminder_expires(world, stub_gateway):
    stub_gateway.status = 503
    now = timezone.now()
    row = make_delivery(world.client, due_at=now, expires_at=now + timedelta(seconds=20))
    dispatch(now)
    row.refresh_from_db()
    assert row.due_at == row.expires_at
    dispatch(row.due_at)
    row.refresh_from_db()
    assert row.status == Delivery.Status.MISSED
    assert len(stub_gateway.requests) == 1


def test_an_unreachable_gateway_is_a_temporary_error(world, settings):
    # Nothing listens on a port we bound and closed.
    with StubSmsGateway() as gateway:
        url = gateway.url
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = url
    row = make_delivery(world.client)
    _ids, counts = dispatch()
    assert counts["retry"] == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.SCHEDULED
    assert row.last_error.startswith("gateway unreachable")


@pytest.mark.parametrize("status", [401, 403, 408, 429, 500])
def test_configuration_and_overload_answers_are_temporary(world, stub_gateway, status):
    stub_gateway.status = status
    row = make_delivery(world.client)
    assert dispatch()[1]["retry"] == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.SCHEDULED
    assert PhoneNumber.objects.get(user=world.client).unusable_since is None


# --- Permanent failures --------------------------------------------------------------------


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_dead_number_is_retired_the_worker_is_asked_and_email_takes_over(world, stub_gateway):
    stub_gateway.status = 410
    world.client.email = "anna@example.no"
    world.client.save()
    row = make_delivery(world.client, kind=MessageKind.ROUTINE, context={"title": "Gå tur"})

    _ids, counts = dispatch()
    assert counts["failed"] == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED
    assert "410" in row.last_error

    phone = PhoneNumber.objects.get(user=world.client)
    assert phone.unusable_since is not None
    task = FollowUpTask.objects.get()
    assert (task.kind, task.worker, task.client) == (FollowUpTask.Kind.PHONE_FAILED, world.worker, world.client)
    alert = Delivery.objects.get(kind=MessageKind.STAFF_ALERT)
    assert alert.recipient == world.worker
    assert alert.context == {"task": "phone_failed", "client": world.client.initials, "client_id": world.client.pk}

    fallback = Delivery.objects.get(recipient=world.client, channel="email")
    assert fallback.status == Delivery.Status.SCHEDULED
    assert (fallback.kind, fallback.occurrence_at, fallback.expires_at) == (row.kind, row.occurrence_at, row.expires_at)

    dispatch()
    fallback.refresh_from_db()
    assert fallback.status == Delivery.Status.SENT
    assert [m.to for m in mail.outbox] == [["anna@example.no"]]
    assert mail.outbox[0].body.startswith("Påminnelse kl.")  # discreet: the time, not the title
    # The dead number was not tried again.
    assert len(stub_gateway.requests) == 1


def test_a_dead_number_never_falls_back_to_an_old_number(world, stub_gateway):
    """An old number may be a lost or sold phone: when the number in use fails, the reminder is
    not sent there (the old main did)."""
    PhoneNumber.objects.create(user=world.client, number="+4740000002", is_active=False)
    stub_gateway.by_number = {"+4740000001": 410}
    make_delivery(world.client)

    dispatch()
    dispatch()
    assert not Delivery.objects.filter(recipient=world.client, status=Delivery.Status.SCHEDULED).exists()
    assert [r.body["to"] for r in stub_gateway.requests] == ["+4740000001"]


def test_a_dead_number_with_no_other_way_leaves_the_worker_to_act(world, stub_gateway):
    stub_gateway.status = 404
    make_delivery(world.client)
    dispatch()
    assert not Delivery.objects.filter(recipient=world.client, status=Delivery.Status.SCHEDULED).exists()
    assert FollowUpTask.objects.filter(kind=FollowUpTask.Kind.PHONE_FAILED, worker=world.worker).count() == 1


def test_a_user_who_turned_off_email_fallback_gets_no_email(world, stub_gateway):
    stub_gateway.status = 410
    world.client.email = "anna@example.no"
    world.client.save()
    services.preferences_for(world.client)
    world.client.reminder_preferences.email_fallback = False
    world.client.reminder_preferences.save()
    make_delivery(world.client)
    dispatch()
    assert not Delivery.objects.filter(recipient=world.client, channel="email").exists()


@pytest.mark.usefixtures("no_quiet_hours")
def test_no_usable_number_fails_the_row_and_falls_back_to_email(world, sms_file):
    PhoneNumber.objects.filter(user=world.client).update(unusable_since=timezone.now())
    world.client.email = "anna@example.no"
    world.client.save()
    row = make_delivery(world.client)
    dispatch()
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Delivery.Status.FAILED, "no usable phone number")
    assert Delivery.objects.get(recipient=world.client, channel="email").status == Delivery.Status.SCHEDULED
    assert sent_sms(sms_file) == []


# --- Delivery reports ----------------------------------------------------------------------


@pytest.fixture
def webhook_secret(settings):
    settings.SMS_WEBHOOK_SECRET = "test-webhook-secret"


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_permanent_delivery_report_retires_the_number_and_falls_back(world, api, stub_gateway, webhook_secret):
    world.client.email = "anna@example.no"
    world.client.save()
    row = make_delivery(world.client)
    dispatch()
    row.refresh_from_db()
    assert row.provider_message_id == "gw-1"

    response = post_signed(api.anonymous(), "/api/sms/status/", {"message_id": "gw-1", "status": "undeliverable"})
    assert response.status_code == 204

    row.refresh_from_db()
    assert row.delivery_status == "undeliverable"
    assert PhoneNumber.objects.get(user=world.client).unusable_since is not None
    assert FollowUpTask.objects.get().kind == FollowUpTask.Kind.PHONE_FAILED
    assert Delivery.objects.filter(kind=MessageKind.STAFF_ALERT, recipient=world.worker).count() == 1
    fallback = Delivery.objects.get(recipient=world.client, channel="email")
    assert fallback.status == Delivery.Status.SCHEDULED

    # The provider repeats its report: nothing new happens.
    post_signed(api.anonymous(), "/api/sms/status/", {"message_id": "gw-1", "status": "undeliverable"})
    assert FollowUpTask.objects.count() == 1
    assert Delivery.objects.filter(recipient=world.client, channel="email").count() == 1


def test_a_report_flagged_permanent_is_treated_as_permanent(world, api, stub_gateway, webhook_secret):
    make_delivery(world.client)
    dispatch()
    body = {"message_id": "gw-1", "status": "expired", "permanent": True}
    assert post_signed(api.anonymous(), "/api/sms/status/", body).status_code == 204
    assert PhoneNumber.objects.get(user=world.client).unusable_since is not None


def test_a_delivered_report_is_only_recorded(world, api, stub_gateway, webhook_secret):
    row = make_delivery(world.client)
    dispatch()
    response = post_signed(api.anonymous(), "/api/sms/status/", {"message_id": "gw-1", "status": "delivered"})
    assert response.status_code == 204
    row.refresh_from_db()
    assert row.delivery_status == "delivered"
    assert row.status == Delivery.Status.SENT
    assert PhoneNumber.objects.get(user=world.client).unusable_since is None
    assert not FollowUpTask.objects.exists()


def test_a_report_for_an_unknown_message_changes_nothing(world, api, webhook_secret):
    response = post_signed(api.anonymous(), "/api/sms/status/", {"message_id": "nope", "status": "undeliverable"})
    assert response.status_code == 204
    assert not FollowUpTask.objects.exists()


def test_an_unsigned_or_badly_signed_report_is_a_404(world, api, stub_gateway, webhook_secret):
    row = make_delivery(world.client)
    dispatch()
    body = {"message_id": "gw-1", "status": "undeliverable"}
    assert post_signed(api.anonymous(), "/api/sms/status/", body, sign="").status_code == 404
    assert post_signed(api.anonymous(), "/api/sms/status/", body, secret="wrong").status_code == 404
    row.refresh_from_db()
    assert row.delivery_status == ""
    assert PhoneNumber.objects.get(user=world.client).unusable_since is None
