"""Answers by SMS: words that are no keyword go into the person's conversation with their
worker, ``@navn`` to the peer of that name, a reply to a notice back to its thread; the same
webhook twice posts once, a stranger gets nothing, and keywords keep their meaning."""

from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone

from booking.models import Appointment
from care.services.peers import sharing_set
from conversations import services
from conversations.models import Message, Thread
from messaging.models import Delivery
from reminders.models import FollowUpTask, MessageKind
from tests.factories import local, make_appointment, next_weekday
from tests.reminders.support import WEBHOOK_SECRET, dispatch, post_signed, sent_sms

pytestmark = pytest.mark.django_db

INBOUND = "/api/sms/inbound/"
CLIENT_NUMBER = "+4740000001"
_ids = count(1)


@pytest.fixture
def sms(settings, api):
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET

    def send(text: str, sender: str = CLIENT_NUMBER, message_id: str | None = None):
        body = {"from": sender, "text": text, "message_id": message_id or f"conv-{next(_ids)}"}
        response = post_signed(api.anonymous(), INBOUND, body)
        assert response.status_code == 204
        return response

    return send


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


@pytest.fixture
def shared(world):
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    return world


def replies(user) -> list[dict]:
    return [row.context for row in Delivery.objects.filter(recipient=user, kind=MessageKind.REPLY).order_by("pk")]


def texts_in(thread: Thread) -> list[tuple[str, str]]:
    return [(m.text, m.via) for m in Message.objects.filter(thread=thread)]


def test_words_by_sms_land_in_the_thread_with_the_worker_and_the_answer_says_so(world, sms, sms_file) -> None:
    sms("Hei Kari, kan vi flytte møtet til fredag?")

    thread = Thread.objects.get(client=world.client, kind=Thread.Kind.WORKER)
    assert texts_in(thread) == [("Hei Kari, kan vi flytte møtet til fredag?", "sms")]
    assert [(r["reply"], r["to"]) for r in replies(world.client)] == [("conversation_sent", "Kari")]
    dispatch()
    assert [m["text"] for m in sent_sms(sms_file)] == ["Meldingen din er sendt."]


def test_with_discreet_texts_off_the_answer_names_the_worker(world, sms, sms_file) -> None:
    from reminders import services as reminders

    reminders.preferences_update(person=world.client, changes={"discreet": False})
    sms("Hei")
    dispatch()
    assert [m["text"] for m in sent_sms(sms_file)] == ["Meldingen din er sendt til Kari."]


def test_the_worker_is_told_of_a_message_by_sms(world, sms) -> None:
    sms("Hei")
    assert Delivery.objects.filter(recipient=world.worker, kind=MessageKind.CONVERSATION).count() == 1


def test_a_repeated_webhook_posts_once(world, sms) -> None:
    sms("Hei", message_id="same-1")
    sms("Hei", message_id="same-1")
    assert Message.objects.count() == 1
    assert len(replies(world.client)) == 1


def test_at_a_peers_name_goes_to_the_peer(shared, sms) -> None:
    sms("@peer Takk for sist!")
    thread = Thread.objects.get(kind=Thread.Kind.PEER, client=shared.client, peer=shared.peer)
    assert texts_in(thread) == [("Takk for sist!", "sms")]
    assert replies(shared.client)[0]["to"] == "Peer"
    assert not Thread.objects.filter(kind=Thread.Kind.WORKER).exists()


def test_at_a_name_nobody_answers_to_posts_nothing(world, sms) -> None:
    # The peer exists, but the person shares nothing with them: no thread, no message.
    sms("@Peer hei")
    sms("@Ola hei")
    assert Message.objects.count() == 0
    assert [r["reply"] for r in replies(world.client)] == ["conversation_no_name"] * 2


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_reply_to_a_peers_notice_goes_back_to_the_peer(shared, sms, sms_file) -> None:
    peer_thread = services.thread_with_peer(shared.client, shared.peer)
    now = timezone.now()
    services.message_post(
        thread=peer_thread, author=shared.peer, text="Hvordan gikk det?", now=now - timedelta(minutes=11)
    )
    dispatch(now)
    assert len(sent_sms(sms_file)) == 1

    sms("Bra, takk!")
    assert texts_in(peer_thread) == [("Hvordan gikk det?", "web"), ("Bra, takk!", "sms")]
    assert not Thread.objects.filter(kind=Thread.Kind.WORKER).exists()


def test_a_day_after_the_notice_words_go_to_the_worker_again(shared, sms, sms_file) -> None:
    peer_thread = services.thread_with_peer(shared.client, shared.peer)
    long_ago = timezone.now() - timedelta(hours=26)
    services.message_post(thread=peer_thread, author=shared.peer, text="Hei", now=long_ago)
    dispatch(long_ago + timedelta(minutes=10))
    # Sent a day and more ago (the sender stamps its own clock's time).
    Delivery.objects.filter(kind=MessageKind.CONVERSATION).update(sent_at=long_ago + timedelta(minutes=10))

    sms("Hei Kari")
    assert texts_in(services.thread_for_worker(shared.client)) == [("Hei Kari", "sms")]


def test_words_that_suggest_danger_are_answered_with_help_now(world, sms) -> None:
    sms("Jeg orker ikke mer, vil dø")
    [message] = Message.objects.all()
    assert message.danger
    assert replies(world.client)[0]["reply"] == "conversation_help"


def test_a_stranger_gets_nothing_and_nothing_is_posted(world, sms) -> None:
    sms("Hei, hvem er dette?", sender="+4799999999")
    assert Message.objects.count() == 0
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("keyword", ["RING MEG", "ring meg", "HJELP", "STOPP", "TIME"])
def test_keywords_keep_their_meaning_and_post_nothing(world, sms, keyword) -> None:
    sms(keyword)
    assert Message.objects.count() == 0


def test_ja_still_confirms_the_next_meeting(world, sms) -> None:
    start = local(next_weekday(0), 10)
    appointment = make_appointment(world.meeting_type, world.client, start)
    sms("JA")
    appointment.refresh_from_db()
    assert appointment.confirmed_at is not None
    assert Message.objects.count() == 0
    assert replies(world.client)[0]["reply"] == "confirmed"
    assert Appointment.objects.count() == 1
    assert not FollowUpTask.objects.exists()


@pytest.mark.usefixtures("no_quiet_hours")
def test_a_reply_to_the_groups_notice_goes_back_to_the_group(shared, sms, sms_file) -> None:
    from tests.care.groups_support import make_group

    group_thread = services.thread_for_group(make_group(shared))
    now = timezone.now()
    services.message_post(
        thread=group_thread, author=shared.worker, text="Møte torsdag kl. 10?", now=now - timedelta(minutes=11)
    )
    dispatch(now)

    sms("Det passer")
    assert texts_in(group_thread)[-1] == ("Det passer", "sms")
    # The answer names nobody: the group is several people.
    assert replies(shared.client)[0]["to"] == ""


def test_at_the_workers_name_goes_to_the_worker(shared, sms) -> None:
    sms("@KARI: kan du ringe meg i morgen?")
    assert texts_in(services.thread_for_worker(shared.client)) == [("kan du ringe meg i morgen?", "sms")]
