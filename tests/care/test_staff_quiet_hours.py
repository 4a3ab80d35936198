"""Every notice to a social worker, coordinator or peer respects their own quiet hours: it is
written for the end of them (Europe/Oslo). The exceptions are decided per kind in
``reminders.quiet``: an answer to their own SMS, and an urgent help alert while they are on a
duty shift or cover. A kind added without a decision fails here."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest

from care.models import DutyCover
from care.services import groups, help, peers
from messaging.models import Delivery
from people.models import User
from reminders import services as reminders
from reminders.models import FollowUpTask, MessageKind, ReminderPreferences
from reminders.quiet import POLICY, TO_STAFF, Quiet
from reminders.sending import PersonNotices
from tests import factories as f
from tests.care.groups_support import make_group, set_hours
from tests.care.help_support import arrange_rota, open_weekdays, oslo
from tests.reminders.support import make_delivery

pytestmark = pytest.mark.django_db

# 01:13 on a Tuesday night, as measured.
NIGHT = oslo(2027, 3, 16, 1, 13)
# Kinds sent only to service users (reminders, notices about their meetings, answers to them).
NOT_TO_STAFF = {
    MessageKind.APPOINTMENT,
    MessageKind.APPOINTMENT_BOOKED,
    MessageKind.APPOINTMENT_MOVED,
    MessageKind.APPOINTMENT_CANCELLED,
    MessageKind.MEDICATION,
    MessageKind.MONEY,
    MessageKind.ROUTINE,
    MessageKind.SUMMARY,
    MessageKind.PEER_ASSIGNED,
    MessageKind.HELP_ANSWER,
    MessageKind.WAITING_OFFER,
    MessageKind.HANDOVER,
    MessageKind.SMS_BOOKING,
    MessageKind.HELP_ACKNOWLEDGED,
}


def own_quiet(person: User, start: time, end: time) -> None:
    ReminderPreferences.objects.update_or_create(user=person, defaults={"quiet_start": start, "quiet_end": end})


def rows_to(person: User, kind: str) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=person, kind=kind))


# Each sends one kind to a member of staff or a peer at NIGHT by the path the service uses,
# and returns who got it.


def _staff_alert(world) -> User:
    reminders.follow_up_task_create(
        client=world.client, kind=FollowUpTask.Kind.CALL_BACK, ref="night", at=NIGHT, now=NIGHT
    )
    return world.worker


def _peer_pool(world) -> User:
    peers.peer_request_create(user=world.client, now=NIGHT)
    return world.peer


def _help_alert(world) -> User:
    # Nobody is on duty at night; an alert to someone off duty waits like any notice.
    reminders.notice_now(
        recipient=world.coordinator,
        kind=MessageKind.HELP_ALERT,
        ref="night",
        context={"client": world.client.initials, "escalated": True},
        at=NIGHT,
        now=NIGHT,
        useful_for=help.ALERT_USEFUL_FOR + timedelta(hours=6),
    )
    return world.coordinator


def _group_meeting(world) -> User:
    set_hours(world.peer_calendar, [(d, time(8), time(15, 30)) for d in range(5)])
    group = make_group(world)
    groups.group_meeting_book(
        actor=world.worker,
        group_id=group.pk,
        start=f.local(date(2027, 3, 18), 10),
        duration_minutes=60,
        now=NIGHT,
    )
    return world.other_worker


def _reply(world) -> User:
    reminders.reply_to(user=world.worker, ref="night", reply="unknown", context={}, now=NIGHT)
    return world.worker


def _conversation(world) -> User:
    # A peer has no working hours to wait for: their own quiet hours alone hold the notice.
    from care.services.peers import sharing_set
    from conversations import services as conversations

    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    thread = conversations.thread_with_peer(world.client, world.peer)
    conversations.message_post(thread=thread, author=world.client, text="Er du våken?", now=NIGHT)
    return world.peer


SCENARIOS: dict[str, Callable] = {
    MessageKind.STAFF_ALERT: _staff_alert,
    MessageKind.PEER_POOL: _peer_pool,
    MessageKind.HELP_ALERT: _help_alert,
    MessageKind.GROUP_MEETING: _group_meeting,
    MessageKind.REPLY: _reply,
    MessageKind.CONVERSATION: _conversation,
}


def test_every_kind_of_message_has_a_quiet_hours_decision() -> None:
    assert set(POLICY) == set(MessageKind.values)
    # Every kind is either one staff can get, with a scenario below, or only for service users.
    assert set(SCENARIOS) == set(TO_STAFF)
    assert set(MessageKind.values) == set(TO_STAFF) | NOT_TO_STAFF
    assert not set(TO_STAFF) & NOT_TO_STAFF


@pytest.mark.parametrize("kind", sorted(TO_STAFF))
def test_a_notice_to_staff_at_night_waits_for_the_end_of_their_own_quiet_hours(world, kind: str) -> None:
    for person in (world.worker, world.other_worker, world.coordinator, world.peer):
        own_quiet(person, time(23), time(7))

    recipient = SCENARIOS[kind](world)

    rows = rows_to(recipient, kind)
    assert rows, f"nothing of {kind} was written to {recipient}"
    if POLICY[kind] == Quiet.ASKED:
        assert all(row.due_at == NIGHT for row in rows)  # they asked: the answer comes at once
    else:
        assert all(row.due_at == oslo(2027, 3, 16, 7) for row in rows)


def test_group_meeting_notices_at_0113_wait_until_the_morning_for_the_worker_and_the_peer(world) -> None:
    own_quiet(world.other_worker, time(22, 30), time(6, 45))  # the peer keeps the defaults, 22–08

    _group_meeting(world)

    notices = Delivery.objects.filter(kind=MessageKind.GROUP_MEETING)
    assert {(n.recipient, n.due_at) for n in notices} == {
        (world.other_worker, oslo(2027, 3, 16, 6, 45)),
        (world.peer, oslo(2027, 3, 16, 8)),
    }


@pytest.fixture
def rota(world):
    open_weekdays(world.unit)
    arrange_rota(world.unit, world.worker, world.other_worker, leader=world.coordinator)
    for person in (world.worker, world.other_worker, world.coordinator):
        own_quiet(person, time(22), time(9))
    return world


def test_an_urgent_help_alert_reaches_whoever_is_on_duty_at_once_even_in_their_quiet_hours(rota) -> None:
    asked = oslo(2027, 3, 16, 8, 5)
    help.help_request_create(user=rota.client, now=asked)

    assert [row.due_at for row in rows_to(rota.worker, MessageKind.HELP_ALERT)] == [asked]


def test_someone_covering_a_duty_shift_is_on_duty_and_gets_the_alert_at_once(rota) -> None:
    DutyCover.objects.create(
        unit=rota.unit, absent=rota.worker, cover=rota.peer, first_day=date(2027, 3, 16), last_day=date(2027, 3, 16)
    )
    own_quiet(rota.peer, time(22), time(9))
    asked = oslo(2027, 3, 16, 8, 5)
    help.help_request_create(user=rota.client, now=asked)

    assert [row.due_at for row in rows_to(rota.peer, MessageKind.HELP_ALERT)] == [asked]
    assert rows_to(rota.worker, MessageKind.HELP_ALERT) == []


def test_the_unit_leader_off_duty_gets_the_escalated_alert_when_their_quiet_hours_end(rota) -> None:
    help.help_request_create(user=rota.client, now=oslo(2027, 3, 16, 8, 5))
    help.help_requests_advance(now=oslo(2027, 3, 16, 8, 16))  # to the second on duty: at once
    help.help_requests_advance(now=oslo(2027, 3, 16, 8, 27))  # to the leader, off duty

    assert [row.due_at for row in rows_to(rota.other_worker, MessageKind.HELP_ALERT)] == [oslo(2027, 3, 16, 8, 16)]
    assert [row.due_at for row in rows_to(rota.coordinator, MessageKind.HELP_ALERT)] == [oslo(2027, 3, 16, 9)]


def test_staff_quiet_hours_hold_on_the_day_the_clocks_go_back(world) -> None:
    own_quiet(world.worker, time(23), time(7))
    night: datetime = oslo(2027, 10, 31, 1, 13)

    reminders.follow_up_task_create(
        client=world.client, kind=FollowUpTask.Kind.CALL_BACK, ref="dst", at=night, now=night
    )

    assert [row.due_at for row in rows_to(world.worker, MessageKind.STAFF_ALERT)] == [oslo(2027, 10, 31, 7)]


@pytest.mark.parametrize(("on_duty", "due"), [(False, oslo(2027, 3, 16, 7)), (True, NIGHT)])
def test_a_failure_reported_at_night_falls_back_to_email_after_quiet_hours_unless_on_duty(
    world, on_duty: bool, due: datetime
) -> None:
    own_quiet(world.worker, time(23), time(7))
    world.worker.email = "kari@example.no"
    world.worker.save(update_fields=["email"])
    kind = MessageKind.HELP_ALERT if on_duty else MessageKind.STAFF_ALERT
    sent = make_delivery(
        world.worker,
        kind=kind,
        due_at=NIGHT - timedelta(hours=4),
        expires_at=NIGHT + timedelta(hours=12),
        status=Delivery.Status.SENT,
        context={"on_duty": True} if on_duty else {},
    )

    PersonNotices().failed(sent, "delivery report: undeliverable", None, NIGHT)

    fallback = Delivery.objects.get(recipient=world.worker, channel="email")
    assert fallback.due_at == due
