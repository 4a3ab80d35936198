"""The one outbox: every channel registered by name, every kind prepared by its owner, and
sign-in messages recorded without their secret."""

import json
import re

import pytest
from django.core import mail

from config.errors import ApplicationError
from messaging import channels
from messaging.models import Channel, Delivery
from people import services as people
from tests.reminders.support import StubSmsGateway, dispatch, make_delivery


def test_every_channel_the_outbox_accepts_has_a_registered_backend(settings) -> None:
    settings.SMS_BACKEND = "file"
    for name in Channel.values:
        assert callable(channels.backend_for(name).send)


def test_a_channel_nobody_registered_is_a_permanent_error() -> None:
    with pytest.raises(channels.PermanentError):
        channels.backend_for("fax")


def test_a_row_of_a_kind_no_app_prepares_fails_and_is_not_retried(world) -> None:
    row = make_delivery(world.client, kind="pigeon_post")

    _ids, counts = dispatch()

    assert counts["failed"] == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Delivery.Status.FAILED, "no handler for messages of kind 'pigeon_post'")


def test_a_sign_in_code_goes_through_the_outbox_without_its_secret(world, settings, tmp_path) -> None:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")

    people.sign_in_code_send(raw_phone="40000001")

    (sms,) = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    (code,) = re.findall(r"\b\d{6}\b", sms["text"])
    (row,) = Delivery.objects.filter(kind="sign_in_code")
    assert (row.recipient, row.status, row.sent_to, row.attempts) == (
        world.client,
        Delivery.Status.SENT,
        "+4740000001",
        1,
    )
    assert code not in json.dumps(row.context)
    # The dispatcher has nothing left to send of it.
    assert dispatch()[1]["sent"] == 0


def test_a_sign_in_code_the_gateway_refuses_is_reported_at_once_and_never_sent_later(world, settings) -> None:
    with StubSmsGateway() as gateway:
        gateway.by_number = {"+4740000001": 503}
        settings.SMS_BACKEND = "http"
        settings.SMS_HTTP_URL = gateway.url

        with pytest.raises(ApplicationError) as refused:
            people.sign_in_code_send(raw_phone="40000001")
        assert refused.value.code == "not_sent"

        (row,) = Delivery.objects.filter(kind="sign_in_code")
        assert row.status == Delivery.Status.FAILED
        gateway.by_number = {}
        dispatch()
        assert len(gateway.requests) == 1  # the refused attempt only


def test_a_sign_in_link_goes_through_the_outbox_by_e_mail(world) -> None:
    world.client.email = "anna@example.org"
    world.client.save(update_fields=["email"])

    people.sign_in_link_send(email="anna@example.org", link_for=lambda token: f"https://triangel.example/l/{token}/")

    (message,) = mail.outbox
    (row,) = Delivery.objects.filter(kind="sign_in_link")
    assert (row.channel, row.status, row.sent_to) == (Channel.EMAIL, Delivery.Status.SENT, "anna@example.org")
    assert "https://triangel.example/l/" in message.body
    assert "triangel.example" not in json.dumps(row.context)
