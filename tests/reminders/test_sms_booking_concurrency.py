"""Booking by SMS under real concurrency (PostgreSQL): the same answer arriving twice at once
(a phone resending, a gateway retrying under another id) books one meeting."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from booking.models import Appointment
from messaging.models import Delivery
from reminders import inbound
from reminders.models import MessageKind, SmsBookingOffer
from tests.reminders.support import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MONDAY = at(2027, 3, 1, 9, 0)


def at_once(texts: list[str], now) -> list[BaseException]:
    barrier = threading.Barrier(len(texts), timeout=30)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            inbound.sms_inbound(
                sender_number="+4740000001", text=texts[index], provider_message_id=f"twice-{index}", now=now
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


@pytest.mark.parametrize("answers", [["1", "1"], ["1", "2", "3"]])
def test_answers_arriving_at_once_book_one_meeting(world, answers):
    inbound.sms_inbound(sender_number="+4740000001", text="TIME", provider_message_id="ask", now=MONDAY)

    errors = at_once(answers, MONDAY + timedelta(minutes=1))

    assert not errors, errors
    assert Appointment.objects.filter(client=world.client, status=Appointment.Status.BOOKED).count() == 1
    offer = SmsBookingOffer.objects.get(user=world.client)
    assert offer.used_at is not None
    what = sorted(
        row.context["what"] for row in Delivery.objects.filter(recipient=world.client, kind=MessageKind.SMS_BOOKING)
    )
    assert what == sorted(["offer", "booked", *["already_booked"] * (len(answers) - 1)])
