"""An open thread asks "anything new?" every second. With the page's ticket and the thread's
newest id kept in Redis, "nothing new" is answered in front of Django (``web.live_poll``),
without sessions or the database; the cache may make an answer quicker but never hides a
message, and a ticket opens nothing: whatever the layer cannot answer, the view checks."""

import re
import socket
import threading
import time
from typing import Any
from unittest import mock

import psycopg
import pytest
import redis
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import live, services
from conversations.models import Message, Thread
from tests.conversations.live_fixtures import LIVE_REDIS_URL
from web.live_poll import LivePollApp
from web.templatetags.conversation_tags import poll_url


class _Page:
    """An open thread page of ``user``: it asks through the layer in front of Django, as under
    gunicorn; what the layer passes on is answered by Django (the test client, signed in)."""

    def __init__(self, user: Any) -> None:
        self.client = Client(HTTP_HX_REQUEST="true")
        if user is not None:
            self.client.force_login(user)
        self.to_django = 0

    def _django(self, environ: dict, start_response: Any) -> list[bytes]:
        self.to_django += 1
        response = self.client.get(f"{environ['PATH_INFO']}?{environ['QUERY_STRING']}")
        start_response(f"{response.status_code} -", list(response.items()))
        return [response.content]

    def ask(self, url: str) -> tuple[int, int, str]:
        """(status, queries, body) of one ask."""
        path, _, query = url.partition("?")
        answer: dict[str, int] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> None:
            answer["status"] = int(status.split()[0])

        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query}
        with CaptureQueriesContext(connection) as queries:
            body = b"".join(LivePollApp(self._django)(environ, start_response))
        return answer["status"], len(queries), body.decode()


def _thread_with_a_message(world: Any) -> tuple[Thread, Message]:
    thread = services.thread_for_worker(world.client)
    return thread, services.message_post(thread=thread, author=world.client, text="Hei")[0]


@pytest.mark.django_db
def test_with_a_ticket_nothing_new_is_answered_without_a_query(world, live_cache) -> None:
    thread, first = _thread_with_a_message(world)
    worker = _Page(world.worker)

    assert worker.ask(poll_url(thread.pk, first.pk))[:2] == (204, 0)
    assert worker.to_django == 0


@pytest.mark.django_db
def test_a_new_message_is_fetched_on_the_next_ask(world, live_cache) -> None:
    thread, first = _thread_with_a_message(world)
    worker = _Page(world.worker)
    url = poll_url(thread.pk, first.pk)
    assert worker.ask(url)[0] == 204

    second, _ = services.message_post(thread=thread, author=world.client, text="Er du der?")
    status, _queries, body = worker.ask(url)

    assert worker.to_django == 1
    assert status == 200
    assert f'id="m{second.pk}"' in body
    assert f"after={second.pk}&amp;live=" in body  # the next question, with a ticket


@pytest.mark.django_db
def test_a_thread_the_cache_does_not_know_goes_the_whole_way_once(world, live_cache) -> None:
    thread, first = _thread_with_a_message(world)
    redis.Redis.from_url(LIVE_REDIS_URL).flushdb()  # Redis restarted, or the key ran out
    worker = _Page(world.worker)
    url = poll_url(thread.pk, first.pk)

    assert worker.ask(url)[0] == 204
    assert live.newest(thread.pk) == first.pk  # the whole way put it back
    assert worker.ask(url)[:2] == (204, 0)
    assert worker.to_django == 1


@pytest.mark.django_db
@pytest.mark.parametrize("ticket", ["", "forged", "other-thread"])
def test_without_a_valid_ticket_for_the_thread_the_view_checks_who_asks(world, live_cache, ticket) -> None:
    thread, first = _thread_with_a_message(world)
    other = services.thread_for_worker(world.other_client)
    value = {"": "", "forged": f"{thread.pk}:1aaaaa:forged", "other-thread": live.ticket(other.pk)}[ticket]
    url = f"/conversations/{thread.pk}/new/?after={first.pk}&live={value}"

    assert _Page(world.other_worker).ask(url)[0] == 404
    assert _Page(None).ask(url)[0] == 302  # to sign in
    # The one who may read it gets the question again, with a ticket that works.
    status, _queries, body = _Page(world.worker).ask(url)
    assert status == 200
    assert 'id="m' not in body
    assert f"after={first.pk}&amp;live={thread.pk}%3A" in body


@pytest.mark.django_db
def test_a_ticket_that_ran_out_is_renewed_by_the_whole_way(world, live_cache) -> None:
    thread, first = _thread_with_a_message(world)
    worker = _Page(world.worker)
    with mock.patch("time.time", return_value=time.time() - live.TICKET_SECONDS * 3 / 4):
        old = live.ticket(thread.pk)
    with mock.patch("time.time", return_value=time.time() - live.TICKET_SECONDS - 5):
        run_out = live.ticket(thread.pk)
    assert live.ticket_is_for(old, thread.pk)
    assert not live.ticket_is_for(run_out, thread.pk)

    assert worker.ask(f"/conversations/{thread.pk}/new/?after={first.pk}&live={old}")[:2] == (204, 0)
    status, queries, body = worker.ask(f"/conversations/{thread.pk}/new/?after={first.pk}&live={run_out}")
    assert status == 200
    assert queries > 0
    renewed = re.search(r"live=([^\"]+)\"", body).group(1).replace("%3A", ":")
    assert renewed != run_out
    assert live.ticket_is_for(renewed, thread.pk)


def test_a_ticket_is_for_one_thread_and_signed() -> None:
    value = live.ticket(7)
    assert live.ticket_is_for(value, 7)
    assert not live.ticket_is_for(value, 8)
    assert not live.ticket_is_for(value.replace("7:", "8:", 1), 8)
    assert not live.ticket_is_for(signing.TimestampSigner(salt="something else").sign("7"), 7)


def test_the_kept_id_never_goes_back(live_cache) -> None:
    live.remember(5, 10)
    live.remember(5, 9)
    assert live.newest(5) == 10
    live.remember(5, 11)
    assert live.newest(5) == 11
    assert live.newest(6) is None


def test_a_kept_id_runs_out_so_a_lost_write_only_delays(live_cache, monkeypatch) -> None:
    monkeypatch.setattr(live, "KEEP_SECONDS", 1)
    live.remember(5, 10)
    time.sleep(1.2)
    assert live.newest(5) is None


def test_when_redis_cannot_be_reached_nothing_is_kept_and_nothing_fails(settings) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "live": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    live.remember(5, 10)
    assert live.newest(5) is None


@pytest.mark.django_db
def test_without_the_live_cache_every_ask_goes_the_whole_way(world, no_live_cache) -> None:
    thread, first = _thread_with_a_message(world)
    worker = _Page(world.worker)
    url = poll_url(thread.pk, first.pk)
    worker.ask(url)

    status, queries, _body = worker.ask(url)

    assert (status, queries) == (204, 3)  # session, person, the thread's newest id
    services.message_post(thread=thread, author=world.client, text="Er du der?")
    assert worker.ask(url)[0] == 200
    assert worker.to_django == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_post_takes_its_id_only_after_an_earlier_post_in_the_thread_committed(world) -> None:
    """Two posts at once in one thread: the one that waits takes the greater id, so a page
    that has seen the newer message has seen every older one."""
    thread = services.thread_for_worker(world.client)
    dsn = connection.settings_dict
    other = psycopg.connect(
        dbname=dsn["NAME"], user=dsn["USER"], host=dsn["HOST"], port=dsn["PORT"] or 5432, autocommit=False
    )
    posted: list[Message] = []

    def post() -> None:
        try:
            posted.append(services.message_post(thread=thread, author=world.worker, text="Nummer to")[0])
        finally:
            connection.close()

    try:
        # An earlier post, in the middle of its transaction: it holds the thread's row.
        other.execute("UPDATE conversations_thread SET last_message_at = now() WHERE id = %s", [thread.pk])
        runner = threading.Thread(target=post)
        runner.start()
        _wait_for_a_lock_wait(other)
        earlier_id = other.execute(
            "INSERT INTO conversations_message (thread_id, author_id, text, via, idempotency_key, danger, created_at) "
            "VALUES (%s, %s, 'Nummer en', 'web', '', false, now()) RETURNING id",
            [thread.pk, world.client.pk],
        ).fetchone()[0]
        other.commit()
        runner.join(timeout=30)
    finally:
        other.close()

    assert len(posted) == 1
    assert posted[0].pk > earlier_id
    assert Thread.objects.get(pk=thread.pk).last_message_at <= timezone.now()


def _wait_for_a_lock_wait(conn: psycopg.Connection) -> None:
    for _ in range(100):
        with psycopg.connect(conninfo=conn.info.dsn, autocommit=True) as probe:
            waiting = probe.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()
        if waiting[0]:
            return
        time.sleep(0.05)
    raise AssertionError("the second post never waited for the thread")


def test_the_server_entry_point_puts_the_layer_in_front_of_django() -> None:
    from config.wsgi import application

    assert isinstance(application, LivePollApp)


@pytest.mark.django_db
def test_the_layers_answer_is_empty_and_kept_nowhere(world, live_cache) -> None:
    thread, first = _thread_with_a_message(world)
    path, _, query = poll_url(thread.pk, first.pk).partition("?")
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        seen.update(status=status, headers=dict(headers))

    body = LivePollApp(lambda *_: pytest.fail("went to Django"))(
        {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query}, start_response
    )

    assert list(body) == []
    assert seen["status"] == "204 No Content"
    assert "no-store" in seen["headers"]["Cache-Control"]
    assert "private" in seen["headers"]["Cache-Control"]


def test_another_database_sharing_the_redis_reads_nothing_of_ours(live_cache, settings) -> None:
    live.remember(5, 10)
    settings.DATABASES = {**settings.DATABASES, "default": {**settings.DATABASES["default"], "NAME": "another"}}
    assert live.newest(5) is None


def test_a_redis_that_does_not_answer_costs_half_a_second_not_a_hung_post(settings) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # takes the connection, never answers
    try:
        location = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.CACHES = {
            **settings.CACHES,
            "live": {
                "BACKEND": "config.cache.RedisCache",
                "LOCATION": location,
                "OPTIONS": settings.LIVE_CACHE_OPTIONS,
            },
        }
        started = time.monotonic()
        live.remember(5, 10)
        assert live.newest(5) is None
        assert time.monotonic() - started < 3
    finally:
        silent.close()
