"""The waiting list: joining, offers of freed times by SMS, answering them, and expiry.

The clock is frozen by passing ``now``: the calendar has exactly one bookable time, on
THURSDAY at 09:00, which other_client holds until it is cancelled.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking import services as booking
from booking.models import Appointment, CalendarOverride
from care.models import FreedTime, WaitingEntry, WaitingOffer
from care.services import waiting
from config.errors import Conflict
from messaging.models import Delivery
from people.models import User
from reminders.inbound import sms_inbound
from reminders.models import MessageKind
from tests import factories as f

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2027, 3, 1, 10, 0, tzinfo=OSLO)  # a Monday morning
THURSDAY = datetime(2027, 3, 4, 9, 0, tzinfo=OSLO)
_ids = iter(range(1, 10_000))


@pytest.fixture
def line(world):
    """One bookable time, held by other_client; Anna (client) and Third both followed by Kari."""
    world.calendar.working_hours.all().delete()
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="extra", start=THURSDAY, end=THURSDAY + timedelta(minutes=45)
    )
    third = f.make_person(User.Role.SERVICE_USER, world.unit, "third", phone="+4740000003", first_name="Tor")
    f.follow(world.worker, third)
    held = f.make_appointment(world.meeting_type, world.other_client, THURSDAY)
    return world, third, held


def offers_sms(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.WAITING_OFFER).order_by("created_at", "id"))


def sms(user, text: str, now: datetime) -> str:
    return sms_inbound(
        sender_number=str(user.phone_numbers.get().number), text=text, provider_message_id=f"m{next(_ids)}", now=now
    )


def cancel_held(world, held, now: datetime) -> WaitingOffer | None:
    booking.appointment_cancel(actor=world.worker, appointment_id=held.pk, reason="Syk", now=now)
    return waiting.waiting_slot_freed(appointment_id=held.pk, now=now)


def both_waiting(world, third) -> tuple[WaitingEntry, WaitingEntry]:
    first = waiting.waiting_entry_join(user=world.client, meeting_type_id=world.meeting_type.pk, now=NOW)
    second = waiting.waiting_entry_join(
        user=third, meeting_type_id=world.meeting_type.pk, now=NOW + timedelta(minutes=1)
    )
    return first, second


def test_a_cancellation_offers_the_time_to_the_first_in_line_by_sms(line):
    world, third, held = line
    both_waiting(world, third)

    offer = cancel_held(world, held, NOW + timedelta(hours=1))

    assert offer is not None
    assert offer.user == world.client
    assert offer.start == THURSDAY
    assert offer.expires_at == NOW + timedelta(hours=3)
    [message] = offers_sms(world.client)
    assert message.channel == "sms"
    assert message.context["what"] == "offer"
    assert message.context["until"] == "13:00"
    assert message.occurrence_at == THURSDAY
    assert offers_sms(third) == []


def test_the_offer_text_names_day_time_and_the_deadline(line):
    from messaging.texts import render

    world, third, held = line
    both_waiting(world, third)
    cancel_held(world, held, NOW + timedelta(hours=1))
    [message] = offers_sms(world.client)
    _subject, text = render(
        kind=message.kind, language="nb", tz=OSLO, at=message.occurrence_at, context=message.context
    )
    assert "torsdag 4. mars kl. 09:00" in text
    assert "Svar JA innen kl. 13:00" in text
    assert len(text) <= 160


def test_replying_ja_books_the_offered_time_through_the_booking_rules(line):
    world, third, held = line
    entry, _ = both_waiting(world, third)
    offer = cancel_held(world, held, NOW + timedelta(hours=1))

    assert sms(world.client, "JA", NOW + timedelta(hours=2)) == "confirm"

    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == WaitingOffer.Status.ACCEPTED
    booked = Appointment.objects.get(client=world.client, status=Appointment.Status.BOOKED)
    assert booked.start == THURSDAY
    assert offer.appointment == booked
    assert entry.status == WaitingEntry.Status.BOOKED
    # The booking's own confirmation goes out, as for any booking.
    assert Delivery.objects.filter(recipient=world.client, kind=MessageKind.APPOINTMENT_BOOKED).exists()
    assert FreedTime.objects.get().closed_at is not None


def test_an_offer_not_answered_in_time_expires_and_goes_to_the_next_person(line):
    world, third, held = line
    first_entry, _ = both_waiting(world, third)
    offer = cancel_held(world, held, NOW + timedelta(hours=1))

    assert waiting.waiting_offers_sweep(now=NOW + timedelta(hours=2, minutes=59)) == 0
    assert waiting.waiting_offers_sweep(now=NOW + timedelta(hours=3)) == 1

    offer.refresh_from_db()
    assert offer.status == WaitingOffer.Status.EXPIRED
    [next_offer] = WaitingOffer.objects.filter(status=WaitingOffer.Status.OPEN)
    assert next_offer.user == third
    assert [m.context["what"] for m in offers_sms(third)] == ["offer"]
    # The first person keeps their place for the next freed time.
    first_entry.refresh_from_db()
    assert first_entry.status == WaitingEntry.Status.WAITING
    # JA from the first person no longer takes the time.
    sms(world.client, "JA", NOW + timedelta(hours=3, minutes=5))
    assert not Appointment.objects.filter(client=world.client).exists()


def test_a_time_taken_meanwhile_is_reported_and_the_place_kept(line):
    world, third, held = line
    entry, _ = both_waiting(world, third)
    offer = cancel_held(world, held, NOW + timedelta(hours=1))
    f.make_appointment(world.meeting_type, world.other_client, THURSDAY)  # booked by phone meanwhile

    sms(world.client, "JA", NOW + timedelta(hours=2))

    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == WaitingOffer.Status.GONE
    assert entry.status == WaitingEntry.Status.WAITING
    assert [m.context["what"] for m in offers_sms(world.client)] == ["offer", "taken"]
    assert not Appointment.objects.filter(client=world.client).exists()


def test_taking_a_gone_time_through_the_api_is_a_409(line, api):
    world, third, held = line
    both_waiting(world, third)
    offer = cancel_held(world, held, NOW + timedelta(hours=1))
    f.make_appointment(world.meeting_type, world.other_client, THURSDAY)
    with pytest.raises(Conflict) as caught:
        waiting.waiting_offer_accept(user=world.client, offer_id=offer.pk, now=NOW + timedelta(hours=2))
    assert caught.value.code == "offer_taken"
    assert WaitingOffer.objects.get(pk=offer.pk).status == WaitingOffer.Status.GONE


def test_nei_declines_keeps_the_place_and_asks_the_next_person(line):
    world, third, held = line
    entry, _ = both_waiting(world, third)
    mine = f.make_appointment(world.meeting_type, world.client, THURSDAY + timedelta(days=7))
    offer = cancel_held(world, held, NOW + timedelta(hours=1))

    sms(world.client, "NEI", NOW + timedelta(hours=1, minutes=10))

    offer.refresh_from_db()
    entry.refresh_from_db()
    mine.refresh_from_db()
    assert offer.status == WaitingOffer.Status.DECLINED
    assert entry.status == WaitingEntry.Status.WAITING
    assert mine.status == Appointment.Status.BOOKED  # NEI answered the offer, not the meeting
    assert WaitingOffer.objects.get(status=WaitingOffer.Status.OPEN).user == third
    assert [m.context["what"] for m in offers_sms(world.client)] == ["offer", "declined"]


def test_ja_without_an_open_offer_still_confirms_the_next_appointment(line):
    world, third, held = line
    both_waiting(world, third)
    mine = f.make_appointment(world.meeting_type, world.client, THURSDAY + timedelta(days=7))
    # The offer goes to someone else: Anna's JA is about her meeting.
    WaitingEntry.objects.filter(user=world.client).update(joined_at=NOW + timedelta(minutes=5))
    offer = cancel_held(world, held, NOW + timedelta(hours=1))
    assert offer.user == third

    assert sms(world.client, "JA", NOW + timedelta(hours=1, minutes=5)) == "confirm"

    mine.refresh_from_db()
    assert mine.confirmed_at is not None
    assert WaitingOffer.objects.get(pk=offer.pk).status == WaitingOffer.Status.OPEN
    assert Delivery.objects.get(recipient=world.client, kind=MessageKind.REPLY).context["reply"] == "confirmed"


def test_a_time_inside_minimum_notice_is_never_offered(line):
    world, third, held = line
    both_waiting(world, third)
    # Cancelled at 07:30 for 09:00 (notice is two hours): too late to offer.
    late = THURSDAY - timedelta(minutes=90)
    assert cancel_held(world, held, late) is None
    assert not WaitingOffer.objects.exists()


def test_an_offer_ends_before_minimum_notice(line, settings):
    settings.WAITING_OFFER_FROM_HOUR = 6
    world, third, held = line
    both_waiting(world, third)
    offer = cancel_held(world, held, THURSDAY - timedelta(hours=3))
    # Two hours to answer would run into the two hours' notice before 09:00.
    assert offer.expires_at == THURSDAY - timedelta(hours=2)


def test_a_time_freed_in_the_evening_is_offered_next_morning(line):
    world, third, held = line
    both_waiting(world, third)
    evening = NOW.replace(hour=22)
    assert cancel_held(world, held, evening) is None
    assert offers_sms(world.client) == []

    waiting.waiting_offers_sweep(now=evening + timedelta(hours=10))  # Tuesday 08:00

    assert WaitingOffer.objects.get().user == world.client
    assert len(offers_sms(world.client)) == 1


def test_moving_a_meeting_away_frees_its_old_time(line):
    world, third, held = line
    both_waiting(world, third)
    later = THURSDAY + timedelta(days=1)
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="extra", start=later, end=later + timedelta(minutes=45)
    )
    booking.appointment_reschedule(
        actor=world.worker, appointment_id=held.pk, start=later, now=NOW + timedelta(hours=1)
    )

    offer = waiting.waiting_slot_freed(appointment_id=held.pk, now=NOW + timedelta(hours=1))

    assert offer.user == world.client
    assert offer.start == THURSDAY
    # Running the task again for the same change offers nothing new.
    assert waiting.waiting_slot_freed(appointment_id=held.pk, now=NOW + timedelta(hours=1)) is None
    assert WaitingOffer.objects.count() == 1


def test_leaving_withdraws_an_open_offer_and_asks_the_next_person(line):
    world, third, held = line
    entry, _ = both_waiting(world, third)
    cancel_held(world, held, NOW + timedelta(hours=1))
    waiting.waiting_entry_leave(user=world.client, entry_id=entry.pk, now=NOW + timedelta(hours=1, minutes=1))
    assert WaitingOffer.objects.get(user=world.client).status == WaitingOffer.Status.WITHDRAWN
    assert WaitingOffer.objects.get(status=WaitingOffer.Status.OPEN).user == third


def test_nobody_fitting_closes_the_freed_time(line):
    world, _third, held = line
    cancel_held(world, held, NOW + timedelta(hours=1))
    assert FreedTime.objects.get().closed_at is not None


def test_whoever_gave_the_time_up_is_not_offered_it_back(line):
    world, third, held = line
    Appointment.objects.filter(pk=held.pk).update(client=third)
    both_waiting(world, third)
    WaitingEntry.objects.filter(user=third).update(joined_at=NOW - timedelta(days=1))  # first in line

    booking.appointment_cancel(actor=third, appointment_id=held.pk, reason="Passer ikke", now=NOW)
    offer = waiting.waiting_slot_freed(appointment_id=held.pk, now=NOW)

    assert offer.user == world.client


def test_the_sweep_is_safe_to_run_twice(line):
    world, third, held = line
    both_waiting(world, third)
    cancel_held(world, held, NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=3)
    assert waiting.waiting_offers_sweep(now=later) == 1
    assert waiting.waiting_offers_sweep(now=later) == 0
    assert WaitingOffer.objects.filter(status=WaitingOffer.Status.OPEN).count() == 1
    assert len(offers_sms(third)) == 1


def _changed_at(appointment: Appointment, at: datetime) -> None:
    # The row's own clock, frozen like the rest of this file's.
    Appointment.objects.filter(pk=appointment.pk).update(updated_at=at)


def test_a_cancellation_whose_task_never_ran_is_offered_by_the_sweep_once(line):
    world, third, held = line
    both_waiting(world, third)
    cancelled_at = NOW + timedelta(hours=1)
    # Cancelled, but the task that offers the time was never published (the broker was down).
    booking.appointment_cancel(actor=world.worker, appointment_id=held.pk, reason="Syk", now=cancelled_at)
    _changed_at(held, cancelled_at)

    assert waiting.waiting_offers_sweep(now=cancelled_at + timedelta(seconds=30)) == 0  # its task's turn
    assert waiting.waiting_offers_sweep(now=cancelled_at + timedelta(minutes=2)) == 1
    assert waiting.waiting_offers_sweep(now=cancelled_at + timedelta(minutes=3)) == 0
    offer = WaitingOffer.objects.get()
    assert (offer.user, offer.start) == (world.client, THURSDAY)
    assert len(offers_sms(world.client)) == 1
    # The task arriving late finds the change already recorded.
    assert waiting.waiting_slot_freed(appointment_id=held.pk, now=cancelled_at + timedelta(minutes=4)) is None


def test_the_sweep_does_not_look_back_further_than_its_window(line):
    world, third, held = line
    both_waiting(world, third)
    booking.appointment_cancel(actor=world.worker, appointment_id=held.pk, reason="Syk", now=NOW)
    _changed_at(held, NOW)
    assert waiting.waiting_offers_sweep(now=NOW + waiting.CATCH_UP_WINDOW + timedelta(minutes=1)) == 0
    assert not WaitingOffer.objects.exists()


def test_a_cancelled_group_meeting_frees_its_time_for_the_waiting_list(line, django_capture_on_commit_callbacks):
    from care.services import groups
    from tests.care.groups_support import make_group

    world, third, held = line
    Appointment.objects.filter(pk=held.pk).delete()
    group = make_group(world, members=[world.worker], externals=False)
    group_meeting = groups.group_meeting_book(
        actor=world.worker, group_id=group.pk, start=THURSDAY, duration_minutes=45, now=NOW
    )
    both_waiting(world, third)

    with django_capture_on_commit_callbacks(execute=True):
        groups.group_meeting_cancel(actor=world.worker, meeting_id=group_meeting.pk, now=NOW + timedelta(hours=1))

    freed = FreedTime.objects.get()
    assert freed.calendar == world.calendar
    assert freed.start <= THURSDAY < freed.end
