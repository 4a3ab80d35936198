"""Who may do what with each kind of conversation, for every endpoint and page: the person,
their own worker, a colleague covering the thread, another worker, the person's former worker,
a colleague whose cover has ended, a peer with and without the person's consent, a member of
the person's responsibility group, a coordinator, another service user and an anonymous caller.

Where a role may, the answer carries the thread's words; where it may not, the answer is a
404 (never a 403: another person's conversation does not exist for them) and nothing is
written: no message, no read mark, no cover. Anonymous callers get a 401 from the API and
are sent to sign in on the web."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from care.services.peers import sharing_set
from conversations import services
from conversations.models import Message, ReadState, Thread, ThreadCover
from people.models import User
from people.services import caseload_assign
from tests import factories as f
from tests.care.groups_support import make_group
from web.templatetags.conversation_tags import poll_url

pytestmark = pytest.mark.django_db

ROLES = [
    "client",
    "worker",
    "cover",
    "other_worker",
    "former_worker",
    "former_cover",
    "peer",
    "peer_no_consent",
    "group_member",
    "coordinator",
    "other_client",
]
KINDS = ["worker", "peer", "group", "closed_peer"]
# Who reads each kind of thread. "closed_peer" is the person's thread with a peer after the
# person stopped sharing with them: the person keeps their words, the peer has lost it.
READERS = {
    "worker": {"client", "worker", "cover"},
    "peer": {"client", "peer"},
    "group": {"client", "worker", "group_member", "peer"},
    "closed_peer": {"client"},
}
WORKERS = {"worker", "cover", "other_worker", "former_worker", "former_cover", "group_member"}


@dataclass
class Matrix:
    people: dict[str, User]
    threads: dict[str, Thread]

    def text(self, kind: str) -> str:
        return f"Første melding ({kind})"


@pytest.fixture
def matrix(world) -> Matrix:
    member = f.make_person(User.Role.SOCIAL_WORKER, world.unit, "groupmember", first_name="Gro")
    cover = f.make_person(User.Role.SOCIAL_WORKER, world.unit, "cover", first_name="Cato")
    former_cover = f.make_person(User.Role.SOCIAL_WORKER, world.unit, "formercover", first_name="Fia")
    # The person was followed by another worker for a while before their worker took them back.
    former = f.make_person(User.Role.SOCIAL_WORKER, world.unit, "former", first_name="Frode")
    caseload_assign(worker=former, client=world.client, at=timezone.now() - timedelta(days=30))
    caseload_assign(worker=world.worker, client=world.client, at=timezone.now() - timedelta(days=1))
    peer2 = f.make_person(User.Role.PEER, world.unit, "peer2", first_name="Per")
    for person in (member, peer2):
        f.make_calendar(person)  # a group's members have a calendar
    sharing_set(user=world.client, peer=peer2, appointments=True, plan=False)
    group = make_group(world, members=[member, world.peer, peer2], externals=False)
    threads = {
        "worker": services.thread_for_worker(world.client),
        "peer": services.thread_with_peer(world.client, world.peer),
        "group": services.thread_for_group(group),
        "closed_peer": services.thread_with_peer(world.client, peer2),
    }
    matrix = Matrix(
        people={
            "client": world.client,
            "worker": world.worker,
            "cover": cover,
            "other_worker": world.other_worker,
            "former_worker": former,
            "former_cover": former_cover,
            "peer": world.peer,
            "peer_no_consent": peer2,
            "group_member": member,
            "coordinator": world.coordinator,
            "other_client": world.other_client,
        },
        threads=threads,
    )
    for kind, thread in threads.items():
        author = peer2 if kind == "closed_peer" else world.client
        services.message_post(thread=thread, author=author, text=matrix.text(kind))
    # A first cover, replaced (and so ended) by the one in force.
    until = timezone.now() + timedelta(days=7)
    for colleague in (former_cover, cover):
        services.thread_cover(actor=world.worker, thread=threads["worker"], colleague_id=colleague.pk, until=until)
    # The person stops sharing with the second peer: their thread and the group close to them.
    sharing_set(user=world.client, peer=peer2, appointments=False, plan=False)
    return matrix


def _written() -> tuple[int, list[tuple], int]:
    """Everything a refused request must leave as it was."""
    states = sorted(ReadState.objects.values_list("thread_id", "user_id", "last_delivered_id", "last_read_id"))
    return Message.objects.count(), states, ThreadCover.objects.count()


def _api(api, matrix: Matrix, role: str):
    return api.anonymous() if role == "anonymous" else api.as_(matrix.people[role])


def _web(matrix: Matrix, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(matrix.people[role])
    return client


def _expect_refused(response, before: tuple) -> None:
    assert response.status_code == 404, response.content[:300]
    assert _written() == before


def _to_sign_in(response) -> None:
    assert response.status_code == 302
    assert response.url.startswith("/login/")


# --- API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_api_thread_list_shows_exactly_the_threads_the_caller_takes_part_in(api, matrix, role) -> None:
    response = _api(api, matrix, role).get("/api/conversations/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    expected = {matrix.threads[kind].pk for kind in KINDS if role in READERS[kind]}
    assert {row["id"] for row in response.json()} == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_api_thread_detail(api, matrix, role, kind) -> None:
    thread = matrix.threads[kind]
    response = _api(api, matrix, role).get(f"/api/conversations/{thread.pk}/")
    if role == "anonymous":
        assert response.status_code == 401
    elif role in READERS[kind]:
        assert response.status_code == 200
        assert (response.json()["id"], response.json()["kind"]) == (thread.pk, thread.kind)
    else:
        _expect_refused(response, _written())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_api_messages_are_read_only_by_those_taking_part(api, matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    response = _api(api, matrix, role).get(f"/api/conversations/{thread.pk}/messages/?after=0")
    if role == "anonymous":
        assert response.status_code == 401
        assert _written() == before
    elif role in READERS[kind]:
        assert response.status_code == 200
        assert [m["text"] for m in response.json()] == [matrix.text(kind)]
    else:
        _expect_refused(response, before)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_api_posting_a_message(api, matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    response = _api(api, matrix, role).post(
        f"/api/conversations/{thread.pk}/messages/", {"text": "Hei"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    if role == "anonymous":
        assert response.status_code == 401
        assert _written() == before
    elif role in READERS[kind]:
        assert response.status_code == 201
        message = Message.objects.get(pk=response.json()["id"])
        assert (message.thread_id, message.author_id, message.text) == (thread.pk, matrix.people[role].pk, "Hei")
    else:
        _expect_refused(response, before)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_api_marking_read(api, matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    response = _api(api, matrix, role).post(f"/api/conversations/{thread.pk}/read/", {}, format="json")
    if role == "anonymous":
        assert response.status_code == 401
        assert _written() == before
    elif role in READERS[kind]:
        assert response.status_code == 200
        newest = Message.objects.filter(thread=thread).order_by("-id").first()
        state = ReadState.objects.get(thread=thread, user=matrix.people[role])
        assert response.json()["last_read"] == state.last_read_id == newest.pk
    else:
        _expect_refused(response, before)


# --- Starting a thread (API and web) ------------------------------------------------------------

# (who, with whom or "group") -> the thread they reach, or the refusal's status.
START = [
    ("client", "worker", "worker"),
    ("client", "peer", "peer"),
    ("client", "peer_no_consent", 422),
    ("client", "group", "group"),
    ("client", "other_worker", 404),
    ("client", "group_member", 404),
    ("client", "coordinator", 404),
    ("client", "other_client", 404),
    ("worker", "client", "worker"),
    ("worker", "group", "group"),
    ("worker", "other_client", 404),
    ("worker", "peer", 404),
    ("cover", "client", 404),
    ("cover", "group", 404),
    ("other_worker", "client", 404),
    ("other_worker", "group", 404),
    ("former_worker", "client", 404),
    ("former_worker", "group", 404),
    ("former_cover", "client", 404),
    ("peer", "client", "peer"),
    ("peer", "group", "group"),
    ("peer", "other_client", 404),
    ("peer_no_consent", "client", 404),
    ("peer_no_consent", "group", 404),
    ("group_member", "client", 404),
    ("group_member", "group", "group"),
    ("coordinator", "client", 404),
    ("coordinator", "group", 404),
    ("other_client", "client", 404),
    ("other_client", "worker", 404),
    ("other_client", "group", 404),
]


def _start_body(matrix: Matrix, target: str) -> dict[str, int]:
    if target == "group":
        return {"group": matrix.threads["group"].group_id}
    return {"with": matrix.people[target].pk}


def _fields(thread: Thread) -> tuple:
    return thread.kind, thread.client_id, thread.peer_id, thread.group_id


@pytest.mark.parametrize("fresh", [False, True], ids=["existing", "fresh"])
@pytest.mark.parametrize(("role", "target", "outcome"), START)
def test_api_starting_a_conversation(api, matrix, role, target, outcome, fresh) -> None:
    wanted = {kind: _fields(thread) for kind, thread in matrix.threads.items()}
    if fresh:
        Thread.objects.all().delete()
    threads_before, before = sorted(map(_fields, Thread.objects.all())), _written()
    response = api.as_(matrix.people[role]).post("/api/conversations/", _start_body(matrix, target), format="json")
    if isinstance(outcome, int):
        assert response.status_code == outcome, response.content[:300]
        assert sorted(map(_fields, Thread.objects.all())) == threads_before
        assert _written() == before
        return
    assert response.status_code == (201 if fresh else 200)
    assert _fields(Thread.objects.get(pk=response.json()["id"])) == wanted[outcome]
    assert Thread.objects.count() == len(threads_before) + (1 if fresh else 0)


def test_api_anonymous_cannot_start_a_conversation(api, matrix) -> None:
    response = api.anonymous().post("/api/conversations/", {"with": matrix.people["client"].pk}, format="json")
    assert response.status_code == 401
    assert Thread.objects.count() == len(KINDS)


@pytest.mark.parametrize(("role", "target", "outcome"), START)
def test_web_starting_a_conversation(matrix, role, target, outcome) -> None:
    before = sorted(map(_fields, Thread.objects.all()))
    response = _web(matrix, role).post("/conversations/start/", _start_body(matrix, target))
    assert sorted(map(_fields, Thread.objects.all())) == before
    if outcome == 404:
        assert response.status_code == 404
    elif outcome == 422:
        assert (response.status_code, response.url) == (302, "/conversations/")
    else:
        assert (response.status_code, response.url) == (302, f"/conversations/{matrix.threads[outcome].pk}/")


def test_web_anonymous_starting_is_sent_to_sign_in(matrix) -> None:
    _to_sign_in(Client().post("/conversations/start/", {"with": matrix.people["client"].pk}))
    assert Thread.objects.count() == len(KINDS)


# --- Web pages ---------------------------------------------------------------------------------


def _links(page: str, matrix: Matrix) -> set[str]:
    return {kind for kind, thread in matrix.threads.items() if f'href="/conversations/{thread.pk}/"' in page}


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_web_inbox_is_the_workers_and_lists_only_their_threads(matrix, role) -> None:
    response = _web(matrix, role).get("/inbox/")
    if role == "anonymous":
        _to_sign_in(response)
    elif role in WORKERS:
        assert response.status_code == 200
        assert _links(response.content.decode(), matrix) == {k for k in KINDS if role in READERS[k]}
    else:
        assert (response.status_code, response.url) == (302, "/")


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_web_conversation_list_leads_each_role_to_their_own_threads(matrix, role) -> None:
    response = _web(matrix, role).get("/conversations/")
    if role == "anonymous":
        _to_sign_in(response)
    elif role in WORKERS:
        assert (response.status_code, response.url) == (302, "/inbox/")
    elif role in {"client", "other_client"}:
        # Straight to the talk with their own worker.
        own = Thread.objects.get(client=matrix.people[role], kind="worker")
        assert (response.status_code, response.url) == (302, f"/conversations/{own.pk}/")
    else:
        assert response.status_code == 200
        assert _links(response.content.decode(), matrix) == {k for k in KINDS if role in READERS[k]}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_web_thread_page(matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    response = _web(matrix, role).get(f"/conversations/{thread.pk}/")
    if role == "anonymous":
        _to_sign_in(response)
        assert _written() == before
    elif role in READERS[kind]:
        assert response.status_code == 200
        assert matrix.text(kind) in response.content.decode()
    else:
        _expect_refused(response, before)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_web_sending_from_the_thread_page(matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    url = f"/conversations/{thread.pk}/"
    response = _web(matrix, role).post(url, {"text": "Hei fra siden", "key": "a" * 32})
    if role == "anonymous":
        _to_sign_in(response)
        assert _written() == before
    elif role in READERS[kind]:
        assert (response.status_code, response.url) == (302, f"{url}#composer")
        message = Message.objects.latest("id")
        assert (message.thread_id, message.author_id, message.text) == (
            thread.pk,
            matrix.people[role].pk,
            "Hei fra siden",
        )
    else:
        _expect_refused(response, before)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_web_polling_fragment(matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    web = _web(matrix, role)
    response = web.get(f"/conversations/{thread.pk}/new/?after=0")
    if role == "anonymous":
        _to_sign_in(response)
        assert _written() == before
    elif role in READERS[kind]:
        assert response.status_code == 200
        assert matrix.text(kind) in response.content.decode()
        newest = Message.objects.filter(thread=thread).latest("id").pk
        assert web.get(poll_url(thread.pk, newest)).status_code == 204
    else:
        _expect_refused(response, before)
        # Nothing new and not theirs looks the same as not theirs: no 204 that would tell.
        newest = Message.objects.filter(thread=thread).latest("id").pk
        _expect_refused(web.get(f"/conversations/{thread.pk}/new/?after={newest}"), before)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_web_mark_as_handled(matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    response = _web(matrix, role).post(f"/conversations/{thread.pk}/handled/")
    if role == "anonymous":
        _to_sign_in(response)
        assert _written() == before
    elif role in READERS[kind]:
        home = "/inbox/" if role in WORKERS else "/conversations/"
        assert (response.status_code, response.url) == (302, home)
        newest = Message.objects.filter(thread=thread).latest("id").pk
        assert ReadState.objects.get(thread=thread, user=matrix.people[role]).last_read_id == newest
    else:
        _expect_refused(response, before)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_web_handing_the_thread_to_a_colleague_is_for_the_persons_own_worker_only(matrix, role, kind) -> None:
    thread, before = matrix.threads[kind], _written()
    until = (timezone.localdate() + timedelta(days=3)).isoformat()
    colleague = matrix.people["other_worker"].pk
    response = _web(matrix, role).post(f"/conversations/{thread.pk}/cover/", {"colleague": colleague, "until": until})
    if role == "anonymous":
        _to_sign_in(response)
        assert _written() == before
    elif role == "worker" and kind == "worker":
        assert (response.status_code, response.url) == (302, f"/conversations/{thread.pk}/")
        cover = ThreadCover.objects.get(thread=thread, ended_at__isnull=True)
        assert (cover.worker_id, cover.handed_by_id) == (colleague, matrix.people["worker"].pk)
    else:
        # Taking part is not enough: the person, the covering colleague and the group's
        # members cannot hand the thread on.
        _expect_refused(response, before)
