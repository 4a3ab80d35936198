"""One discreet SMS about an unread message, after the delay the person chose: once per
thread until they read or answer, outside their quiet hours, never to someone who no longer
takes part; staff only for threads they are responsible for, within their working hours."""

from datetime import date, timedelta

import pytest

from care.services import continuity
from care.services.peers import sharing_set
from conversations import services
from conversations.models import Thread
from messaging.models import Delivery
from reminders import services as reminders
from reminders.models import MessageKind, ReminderPreferences
from tests import factories as f
from tests.care.groups_support import make_group
from tests.reminders.support import dispatch, sent_sms

pytestmark = pytest.mark.django_db

# A Monday in March, late morning: inside the worker's hours, outside everyone's quiet hours.
MONDAY = f.local(date(2027, 3, 15), 10, 0)
NOTICE = "Du har en ny melding i Triangel. Svar på denne SMS-en for å skrive tilbake."


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


@pytest.fixture
def thread(world) -> Thread:
    return services.thread_for_worker(world.client)


def notices(user) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=user, kind=MessageKind.CONVERSATION).order_by("pk"))


def texts(path) -> list[str]:
    return [m["text"] for m in sent_sms(path)]


def post(thread, author, text="Hei", minutes=0):
    return services.message_post(thread=thread, author=author, text=text, now=MONDAY + timedelta(minutes=minutes))[0]


def test_an_unread_message_is_told_by_one_discreet_sms_after_ten_minutes(world, thread, sms_file) -> None:
    post(thread, world.worker, "Hei Anna, hvordan går det?")

    dispatch(MONDAY + timedelta(minutes=9))
    assert texts(sms_file) == []
    dispatch(MONDAY + timedelta(minutes=10))
    assert texts(sms_file) == [NOTICE]
    assert sent_sms(sms_file)[0]["to"] == "+4740000001"


def test_with_discreet_texts_off_the_notice_names_the_writer(world, thread, sms_file) -> None:
    reminders.preferences_update(person=world.client, changes={"discreet": False})
    post(thread, world.worker)
    dispatch(MONDAY + timedelta(minutes=10))
    assert texts(sms_file) == ["Du har en ny melding fra Kari i Triangel. Svar på denne SMS-en for å skrive tilbake."]


def test_the_person_chooses_the_delay(world, thread, sms_file, api) -> None:
    response = api.as_(world.client).patch(
        "/api/reminder-preferences/", {"conversation_notice_minutes": 45}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["conversation_notice_minutes"] == 45
    post(thread, world.worker)
    [row] = notices(world.client)
    assert row.due_at == MONDAY + timedelta(minutes=45)


@pytest.mark.parametrize("minutes", [0, 1441])
def test_a_delay_outside_one_minute_to_a_day_is_refused(world, api, minutes) -> None:
    response = api.as_(world.client).patch(
        "/api/reminder-preferences/", {"conversation_notice_minutes": minutes}, format="json"
    )
    assert response.status_code in (400, 422)
    assert ReminderPreferences.objects.filter(user=world.client, conversation_notice_minutes=minutes).count() == 0


def test_two_messages_in_a_row_make_one_notice(world, thread, sms_file) -> None:
    post(thread, world.worker, "Hei")
    post(thread, world.worker, "Er du der?", minutes=2)
    dispatch(MONDAY + timedelta(minutes=30))
    # Still unread: a third message an hour later is not told again.
    post(thread, world.worker, "Ring meg gjerne", minutes=60)
    dispatch(MONDAY + timedelta(minutes=90))
    assert texts(sms_file) == [NOTICE]
    assert len(notices(world.client)) == 1


def test_after_reading_or_answering_the_next_message_is_told_again(world, thread, sms_file) -> None:
    post(thread, world.worker, "Hei")
    dispatch(MONDAY + timedelta(minutes=10))
    services.thread_read(thread=thread, user=world.client, now=MONDAY + timedelta(minutes=20))
    post(thread, world.worker, "Går det bra?", minutes=30)
    dispatch(MONDAY + timedelta(minutes=40))
    post(thread, world.client, "Ja takk", minutes=50)
    post(thread, world.worker, "Fint!", minutes=60)
    dispatch(MONDAY + timedelta(minutes=70))
    assert texts(sms_file) == [NOTICE] * 3


def test_a_message_read_before_the_delay_is_not_told(world, thread, sms_file) -> None:
    post(thread, world.worker)
    services.thread_read(thread=thread, user=world.client, now=MONDAY + timedelta(minutes=5))
    assert notices(world.client)[0].status == Delivery.Status.CANCELLED
    dispatch(MONDAY + timedelta(minutes=10))
    assert texts(sms_file) == []


def test_answering_before_the_delay_is_reading(world, thread, sms_file) -> None:
    post(thread, world.worker)
    post(thread, world.client, "Hei!", minutes=3)
    dispatch(MONDAY + timedelta(minutes=15))
    assert [n.status for n in notices(world.client)] == [Delivery.Status.CANCELLED]


def test_a_message_in_the_quiet_hours_is_told_when_they_end(world, thread, sms_file) -> None:
    late = f.local(date(2027, 3, 15), 23, 30)
    services.message_post(thread=thread, author=world.worker, text="Sov godt", now=late)
    dispatch(late + timedelta(minutes=10))
    assert texts(sms_file) == []
    [row] = notices(world.client)
    assert row.due_at == f.local(date(2027, 3, 16), 8)
    dispatch(f.local(date(2027, 3, 16), 8))
    assert texts(sms_file) == [NOTICE]


def test_a_peer_whose_consent_was_revoked_is_not_told(world, sms_file) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    peer_thread = services.thread_with_peer(world.client, world.peer)
    world.peer.phone_numbers.create(number="+4740000009", is_active=True)
    post(peer_thread, world.client, "Kan vi ta en kaffe?")
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)

    dispatch(MONDAY + timedelta(minutes=10))
    [row] = notices(world.peer)
    assert row.status == Delivery.Status.CANCELLED
    assert row.last_error == "no longer taking part"
    assert texts(sms_file) == []


def test_the_old_worker_is_not_told_after_a_handover(world, thread, sms_file) -> None:
    world.worker.phone_numbers.create(number="+4740000008", is_active=True)
    post(thread, world.client, "Hei Kari")
    continuity.handover_run(
        actor=world.coordinator,
        from_worker_id=world.worker.pk,
        to_worker_id=world.other_worker.pk,
        client_id=world.client.pk,
    )
    dispatch(MONDAY + timedelta(minutes=10))
    assert [n.status for n in notices(world.worker)] == [Delivery.Status.CANCELLED]
    assert "+4740000008" not in [m["to"] for m in sent_sms(sms_file)]


# --- Staff ---------------------------------------------------------------------------------


def test_the_worker_is_told_within_their_working_hours(world, thread) -> None:
    post(thread, world.client, "Hei")
    [row] = notices(world.worker)
    assert row.due_at == MONDAY + timedelta(minutes=10)
    # The worker reads it on the web: the notice says so, not "reply to this SMS".
    assert row.context["reply"] is False
    assert row.context["author"] == world.client.initials


def test_a_message_at_lunch_or_after_hours_reaches_the_worker_when_they_work_again(world, thread) -> None:
    services.message_post(thread=thread, author=world.client, text="Hei", now=f.local(date(2027, 3, 15), 11, 25))
    services.message_post(thread=thread, author=world.client, text="Hallo", now=f.local(date(2027, 3, 15), 11, 40))
    [row] = notices(world.worker)
    # 11:35 falls in the lunch break (11:30–12:00): the notice waits for 12:00.
    assert row.due_at == f.local(date(2027, 3, 15), 12)

    services.thread_read(thread=thread, user=world.worker, now=f.local(date(2027, 3, 15), 13))
    friday_evening = f.local(date(2027, 3, 19), 16)
    services.message_post(thread=thread, author=world.client, text="God helg", now=friday_evening)
    assert notices(world.worker)[-1].due_at == f.local(date(2027, 3, 22), 8)


def test_time_off_moves_the_workers_notice_to_their_return(world, thread) -> None:
    from booking.models import CalendarOverride

    CalendarOverride.objects.create(
        calendar=world.calendar,
        kind=CalendarOverride.Kind.TIME_OFF,
        start=f.local(date(2027, 3, 15), 0),
        end=f.local(date(2027, 3, 17), 0),
    )
    post(thread, world.client)
    assert notices(world.worker)[0].due_at == f.local(date(2027, 3, 17), 8)


def test_staff_without_working_hours_wait_only_for_their_quiet_hours(world, thread) -> None:
    world.calendar.working_hours.all().delete()
    sunday = f.local(date(2027, 3, 14), 12)
    services.message_post(thread=thread, author=world.client, text="Hei", now=sunday)
    assert notices(world.worker)[0].due_at == sunday + timedelta(minutes=10)


def test_in_the_group_only_the_person_and_their_worker_are_told(world) -> None:
    group = make_group(world)
    group_thread = services.thread_for_group(group)
    post(group_thread, world.other_worker, "Møte på torsdag?")
    post(group_thread, world.client, "Ja", minutes=1)
    told = {row.recipient for row in Delivery.objects.filter(kind=MessageKind.CONVERSATION)}
    assert told == {world.client, world.worker}
    assert not notices(world.other_worker)
    assert not notices(world.peer)
