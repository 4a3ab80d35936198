"""The open conversation page asks "anything new?" every second. When the live cache cannot
answer (tests/conversations/test_live.py), that answer must still cost little: after the
first ask, the session, the person and the thread are read by SQL compiled once
(``config.prepared``), three queries and no queryset compiled per request; and what a page
with nothing new gets is a bare 204, whatever the person's role."""

from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.test.utils import CaptureQueriesContext

from care.services.peers import sharing_set
from conversations import services
from web.templatetags.conversation_tags import poll_url

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(user)
    return client


def _compiles_and_queries(client: Client, url: str) -> tuple[int, int, int]:
    original = SQLCompiler.as_sql
    calls = []

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counting), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response.status_code, len(calls), len(queries)


@pytest.mark.parametrize("who", ["client", "worker", "peer"])
def test_nothing_new_is_a_204_of_three_queries_compiled_once(world, no_live_cache, who) -> None:
    thread = services.thread_for_worker(world.client)
    if who == "peer":
        sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
        thread = services.thread_with_peer(world.client, world.peer)
    message, _new = services.message_post(thread=thread, author=world.client, text="Hei")
    client = _signed_in(getattr(world, who))
    url = poll_url(thread.pk, message.pk)
    assert client.get(url).status_code == 204  # the first ask compiles
    status, compiled, queries = _compiles_and_queries(client, url)
    assert (status, compiled, queries) == (204, 0, 3)


def test_the_prepared_reads_still_refuse_a_thread_that_is_not_yours(world, no_live_cache) -> None:
    thread = services.thread_for_worker(world.client)
    message, _new = services.message_post(thread=thread, author=world.client, text="Hei")
    mine = _signed_in(world.client)
    url = poll_url(thread.pk, message.pk)
    assert mine.get(url).status_code == 204
    for other in (world.other_worker, world.coordinator, world.peer):
        assert _signed_in(other).get(url).status_code == 404
    # And news still arrives after the query was compiled for the role.
    newer, _new = services.message_post(thread=thread, author=world.worker, text="Hei igjen")
    answer = mine.get(url)
    assert answer.status_code == 200
    assert f'id="m{newer.pk}"' in answer.content.decode()
