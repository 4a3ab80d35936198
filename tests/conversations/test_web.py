"""The conversation pages: the person writes to their worker from My day, the worker answers
from the inbox, the open page asks for news in one query (204 when nothing is new), a double
press posts once, and nobody else reaches a thread (a 404)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from booking.models import CalendarOverride
from care.services.peers import sharing_set
from conversations import selectors, services
from conversations.models import Message, Thread
from web.templatetags.conversation_tags import poll_url

pytestmark = pytest.mark.django_db


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _key(page: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)


def test_a_person_writes_to_their_worker_and_a_double_press_posts_once(world) -> None:
    me = _web(world.client)
    response = me.get("/conversations/")
    assert response.status_code == 302
    thread = Thread.objects.get(client=world.client, kind="worker")
    assert response.url == f"/conversations/{thread.pk}/"
    page = me.get(response.url).content.decode()
    assert 'maxlength="2000"' in page
    assert "Oppdater" in page  # the reload button works without JavaScript
    key = _key(page)
    for _press in range(2):
        sent = me.post(response.url, {"text": "Kan vi snakkes i morgen?", "key": key})
        assert sent.status_code == 302
    assert Message.objects.filter(thread=thread).count() == 1
    # A new form shows a new key.
    assert _key(me.get(response.url).content.decode()) != key


def test_an_empty_message_is_refused_on_the_form(world) -> None:
    me = _web(world.client)
    thread = services.thread_for_worker(world.client)
    page = me.get(f"/conversations/{thread.pk}/").content.decode()
    response = me.post(f"/conversations/{thread.pk}/", {"text": "   ", "key": _key(page)})
    assert response.status_code == 400
    assert not Message.objects.exists()


@pytest.mark.parametrize("who", ["other_worker", "coordinator", "peer", "other_client"])
def test_another_persons_thread_is_404_on_every_page(world, who) -> None:
    thread = services.thread_for_worker(world.client)
    services.message_post(thread=thread, author=world.client, text="Hei")
    outsider = _web(getattr(world, who))
    assert outsider.get(f"/conversations/{thread.pk}/").status_code == 404
    assert outsider.post(f"/conversations/{thread.pk}/", {"text": "x", "key": "k"}).status_code == 404
    assert outsider.get(f"/conversations/{thread.pk}/new/?after=0").status_code == 404
    assert outsider.post(f"/conversations/{thread.pk}/handled/").status_code == 404
    assert Message.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(world) -> None:
    thread = services.thread_for_worker(world.client)
    for url in ("/conversations/", f"/conversations/{thread.pk}/", f"/conversations/{thread.pk}/new/", "/inbox/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "login" in response.url


def test_the_open_page_asks_in_one_query_and_gets_204_when_nothing_is_new(world, no_live_cache) -> None:
    thread = services.thread_for_worker(world.client)
    first, _ = services.message_post(thread=thread, author=world.client, text="Hei")
    worker = _web(world.worker)
    worker.get("/today/")  # the session is loaded once before counting
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = worker.get(poll_url(thread.pk, first.pk))
    assert response.status_code == 204
    ours = [q["sql"] for q in queries.captured_queries if "conversations_" in q["sql"]]
    assert len(ours) == 1, ours
    services.message_post(thread=thread, author=world.client, text="Er du der?")
    news = worker.get(poll_url(thread.pk, first.pk))
    assert news.status_code == 200
    body = news.content.decode()
    assert "Er du der?" in body
    assert 'hx-swap-oob="beforeend:#messages"' in body
    assert "Hei</p>" not in body


def test_the_worker_inbox_puts_unread_first_and_mark_as_handled_reads(world) -> None:
    from people.models import User
    from tests import factories as f

    second = f.make_person(User.Role.SERVICE_USER, world.unit, "second", first_name="Bjørn")
    f.follow(world.worker, second)
    read_thread = services.thread_for_worker(second)
    services.message_post(thread=read_thread, author=second, text="Takk for sist")
    services.thread_read(thread=read_thread, user=world.worker)
    unread_thread = services.thread_for_worker(world.client)
    services.message_post(
        thread=unread_thread, author=world.client, text="Hei", now=timezone.now() - timedelta(hours=1)
    )
    worker = _web(world.worker)
    page = worker.get("/inbox/").content.decode()
    assert page.index(f"/conversations/{unread_thread.pk}/") < page.index(f"/conversations/{read_thread.pk}/")
    # Opening does not mark it handled for a worker; the button does.
    worker.get(f"/conversations/{unread_thread.pk}/")
    assert selectors.unread_count(world.worker) == 1
    assert worker.post(f"/conversations/{unread_thread.pk}/handled/").status_code == 302
    assert selectors.unread_count(world.worker) == 0


def test_the_unread_count_shows_in_the_menu_and_on_my_day_and_today(world) -> None:
    thread = services.thread_for_worker(world.client)
    services.message_post(thread=thread, author=world.worker, text="Hei Anna")
    day = _web(world.client).get("/my-day/").content.decode()
    assert 'class="count-badge">1' in day
    assert 'href="/conversations/"' in day
    services.message_post(thread=thread, author=world.client, text="Hei")
    today = _web(world.worker).get("/today/").content.decode()
    assert 'class="count-badge">1' in today
    assert 'href="/inbox/"' in today


def test_the_person_reading_the_thread_clears_their_count(world) -> None:
    thread = services.thread_for_worker(world.client)
    services.message_post(thread=thread, author=world.worker, text="Hei Anna")
    _web(world.client).get(f"/conversations/{thread.pk}/")
    assert selectors.unread_count(world.client) == 0


def test_words_of_danger_show_the_writer_the_crisis_numbers_and_the_worker_a_mark(world) -> None:
    thread = services.thread_for_worker(world.client)
    me = _web(world.client)
    page = me.get(f"/conversations/{thread.pk}/").content.decode()
    me.post(f"/conversations/{thread.pk}/", {"text": "Jeg tenker på selvmord", "key": _key(page)})
    mine = me.get(f"/conversations/{thread.pk}/").content.decode()
    assert 'href="tel:113"' in mine
    assert 'id="help"' in mine
    theirs = _web(world.worker).get(f"/conversations/{thread.pk}/").content.decode()
    assert "danger-mark" in theirs


def test_outside_the_workers_hours_the_page_says_so_and_shows_the_numbers(world) -> None:
    thread = services.thread_for_worker(world.client)
    now = timezone.now()
    CalendarOverride.objects.create(
        calendar=world.calendar, kind="time_off", start=now - timedelta(hours=1), end=now + timedelta(days=3)
    )
    page = _web(world.client).get(f"/conversations/{thread.pk}/").content.decode()
    assert 'href="tel:113"' in page
    assert 'class="availability"' in page


def test_a_peer_thread_is_started_from_the_page_and_closes_without_consent(world) -> None:
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    me = _web(world.client)
    response = me.post("/conversations/start/", {"with": world.peer.pk})
    assert response.status_code == 302
    thread = Thread.objects.get(kind="peer")
    peer = _web(world.peer)
    assert peer.get(f"/conversations/{thread.pk}/").status_code == 200
    sharing_set(user=world.client, peer=world.peer, appointments=False, plan=False)
    assert peer.get(f"/conversations/{thread.pk}/").status_code == 404


def test_a_worker_starts_writing_to_someone_they_follow_only(world) -> None:
    worker = _web(world.worker)
    assert worker.post("/conversations/start/", {"with": world.other_client.pk}).status_code == 404
    response = worker.post("/conversations/start/", {"with": world.client.pk})
    assert response.status_code == 302
    assert Thread.objects.filter(client=world.client, kind="worker").exists()


def test_the_writer_sees_when_their_message_was_read(world) -> None:
    thread = services.thread_for_worker(world.client)
    services.message_post(thread=thread, author=world.client, text="Hei")
    me = _web(world.client)
    assert '<p class="state">Sendt</p>' in me.get(f"/conversations/{thread.pk}/").content.decode()
    _web(world.worker).get(f"/conversations/{thread.pk}/")
    assert '<p class="state">Levert</p>' in me.get(f"/conversations/{thread.pk}/").content.decode()
    services.thread_read(thread=thread, user=world.worker)
    assert '<p class="state">Lest</p>' in me.get(f"/conversations/{thread.pk}/").content.decode()


def test_group_members_open_the_group_thread_and_the_coordinator_does_not(world) -> None:
    from tests.care.groups_support import make_group

    thread = services.thread_for_group(make_group(world))
    for member in (world.client, world.worker, world.other_worker, world.peer):
        assert _web(member).get(f"/conversations/{thread.pk}/").status_code == 200, member
    assert _web(world.coordinator).get(f"/conversations/{thread.pk}/").status_code == 404
    assert _web(world.other_client).get(f"/conversations/{thread.pk}/").status_code == 404


def test_a_worker_opening_a_persons_thread_is_in_the_access_log(world) -> None:
    from audit.models import AccessEntry

    thread = services.thread_for_worker(world.client)
    services.message_post(thread=thread, author=world.client, text="Hei")
    _web(world.worker).get(f"/conversations/{thread.pk}/")
    assert AccessEntry.objects.filter(actor=world.worker, subject=world.client, what="conversation").exists()


def test_the_person_starts_writing_to_their_group_from_the_page(world) -> None:
    from tests.care.groups_support import make_group

    group = make_group(world)
    me = _web(world.client)
    thread = services.thread_for_worker(world.client)
    page = me.get(f"/conversations/{thread.pk}/").content.decode()
    assert f'name="group" value="{group.pk}"' in page
    assert me.post("/conversations/start/", {"group": group.pk}).status_code == 302
    group_thread = Thread.objects.get(kind="group")
    assert f'name="group" value="{group.pk}"' not in me.get(f"/conversations/{thread.pk}/").content.decode()
    assert f"/conversations/{group_thread.pk}/" in _web(world.worker).get("/inbox/").content.decode()
    # The coordinator sees the group but takes no part in its talk.
    assert _web(world.coordinator).post("/conversations/start/", {"group": group.pk}).status_code == 404
