"""E-mail reminders delivered to a real SMTP server on 127.0.0.1 (aiosmtpd in a thread)."""

import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from messaging import dispatch as dispatcher
from messaging import sending
from messaging.models import Delivery
from reminders.models import MessageKind, ReminderPreferences
from reminders.services.plans import _plan_context
from tests.reminders.support import OSLO, dispatch, make_delivery, make_plan

pytestmark = pytest.mark.django_db

ADDRESS = "anna@example.no"


class Recorder:
    """An SMTP handler that keeps every message and refuses the addresses in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield recorder
    finally:
        controller.stop()


@pytest.fixture
def client_with_email(world):
    world.client.email = ADDRESS
    world.client.save()
    return world.client


def medication_email(user):
    plan = make_plan(user, title="Metadon", dose="80 mg", channels=["email"])
    return make_delivery(
        user,
        kind=MessageKind.MEDICATION,
        channel="email",
        plan=plan,
        context=_plan_context(plan),
    )


def test_an_email_reminder_reaches_the_smtp_server_once_with_a_stable_message_id(client_with_email, smtp):
    row = medication_email(client_with_email)
    token, ids = dispatcher.deliveries_claim(limit=10)
    assert ids == [row.pk]

    assert sending.deliveries_send(ids=ids, claim_token=token)["sent"] == 1
    assert sending.deliveries_send(ids=ids, claim_token=token)["skipped"] == 1  # redelivered task

    assert len(smtp.messages) == 1
    recipients, raw = smtp.messages[0]
    assert recipients == [ADDRESS]
    message = message_from_bytes(raw, policy=default_policy)
    assert str(row.idempotency_key) in message["Message-ID"]
    assert message["X-Idempotency-Key"] == str(row.idempotency_key)
    assert message["To"] == ADDRESS
    assert message["Subject"] == "Påminnelse fra Triangel"
    body = message.get_body(preferencelist=("plain",)).get_content()
    local = row.occurrence_at.astimezone(OSLO)
    assert f"Påminnelse kl. {local:%H:%M}." in body
    assert "Metadon" not in body
    assert "80 mg" not in body

    row.refresh_from_db()
    assert row.status == Delivery.Status.SENT
    assert row.provider_message_id == message["Message-ID"]


def test_a_refused_address_fails_without_mailing_it_again(client_with_email, smtp):
    smtp.refuse.add(ADDRESS)
    row = medication_email(client_with_email)

    _ids, counts = dispatch()
    assert counts["failed"] == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Delivery.Status.FAILED, "recipient address refused")

    # Further dispatcher runs find nothing more to send to the refused address.
    for _ in range(3):
        dispatch()
    assert smtp.messages == []
    assert not Delivery.objects.filter(
        recipient=client_with_email, status__in=[Delivery.Status.SCHEDULED, Delivery.Status.SENDING]
    ).exists()


def test_an_unreachable_mail_server_is_a_temporary_error(client_with_email, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    row = medication_email(client_with_email)
    _ids, counts = dispatch()
    assert counts["retry"] == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.SCHEDULED
    assert row.due_at > timezone.now()
    assert row.last_error.startswith("mail server:")


@pytest.mark.usefixtures("no_quiet_hours")
def test_an_sms_that_cannot_be_delivered_arrives_by_email(client_with_email, smtp, settings):
    # No usable phone number: the reminder falls back to e-mail and reaches the mail server.
    client_with_email.phone_numbers.update(unusable_since=timezone.now())
    settings.SMS_BACKEND = "console"
    # With discreet texts off, so the routine's own words show that this message arrived.
    ReminderPreferences.objects.update_or_create(user=client_with_email, defaults={"discreet": False})
    row = make_delivery(client_with_email, context={"title": "Gå tur"})
    dispatch()
    dispatch()
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED
    assert len(smtp.messages) == 1
    body = message_from_bytes(smtp.messages[0][1], policy=default_policy).get_body().get_content()
    assert "Gå tur" in body
