"""Selectors (scoped reads) for conversations: who may read a thread is decided here, in the
query, from the current state of the follow-up.

- The worker thread: the person and their current social worker (the active caseload row).
  A handover moves the thread: the new worker reads the history, the old one no longer can.
- A peer thread: the person and the peer, while the person shares anything with that peer
  (``care.models.Sharing``, the same consent as for meetings and the plan). Revoking it
  closes the thread to the peer; the person still sees their own words.
- A group thread: the person, the group's active staff and peer members (a peer only while
  the person shares with them, as in ``care.selectors.groups``) and the person's current
  worker, who manages the group. External participants have no account and never read it.

Nobody else reads a thread, coordinators included: another person's thread is a 404.
"""

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Now
from django.utils.translation import gettext as _

from audit import log
from care.models import GroupMember, ResponsibilityGroup, Sharing
from config import prepared
from config.errors import NotFound
from conversations.models import Message, ReadState, Thread, ThreadCover
from people.models import Caseload, User

MESSAGES_PAGE = 200


def _consent(*, peer_ref: object) -> Exists:
    """The thread's person shares with ``peer_ref`` now."""
    return Exists(Sharing.objects.filter(user=OuterRef("client"), peer=peer_ref, revoked_at__isnull=True))


def _visible(user: User) -> Q:
    """The threads ``user`` may read, as one filter on Thread."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return _visible_by(user.role, user.pk)


def _visible_by(role: str, user_id: int) -> Q:
    """What ``_visible`` says for an active person of ``role``: the person only by their id, so
    the filter can be compiled once per role (``thread_newest``)."""
    if role == User.Role.SERVICE_USER:
        return Q(client_id=user_id)
    member = Exists(GroupMember.objects.filter(group=OuterRef("group"), user_id=user_id, removed_at__isnull=True))
    in_group = Q(kind=Thread.Kind.GROUP) & Q(member)
    if role == User.Role.PEER:
        return (in_group | Q(kind=Thread.Kind.PEER, peer_id=user_id)) & Q(_consent(peer_ref=user_id))
    if role == User.Role.SOCIAL_WORKER:
        follows = Exists(Caseload.objects.filter(client=OuterRef("client"), worker_id=user_id, ended_at__isnull=True))
        covers = Exists(_covering().filter(thread=OuterRef("pk"), worker_id=user_id))
        return (
            in_group
            | (Q(kind__in=[Thread.Kind.WORKER, Thread.Kind.GROUP]) & Q(follows))
            | (Q(kind=Thread.Kind.WORKER) & Q(covers))
        )
    return in_group


def _covering() -> QuerySet[ThreadCover]:
    """Covers in force now (the database's clock, so the rule stays one query)."""
    return ThreadCover.objects.filter(ended_at__isnull=True, starts_at__lte=Now(), ends_at__gt=Now())


def cover_of(thread: Thread) -> ThreadCover | None:
    """The colleague covering ``thread`` now, if any."""
    return _covering().filter(thread=thread).select_related("worker", "handed_by").first()


def threads_of(user: User) -> QuerySet[Thread]:
    """The threads ``user`` takes part in, newest first; staff reading them is noted."""
    return (
        Thread.objects.filter(_visible(user))
        .select_related("client", "peer", "group")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
        .audited(viewer=user, what="conversation")
    )


_THREAD_PATHS = prepared.field_paths(Thread)
_USER_PATHS = prepared.field_paths(User)
_CLIENT_PATHS = prepared.field_paths(User, "client__")
_PEER_PATHS = prepared.field_paths(User, "peer__")
_GROUP_PATHS = prepared.field_paths(ResponsibilityGroup, "group__")


def _thread_row(role: str, user_id: int, thread_id: int) -> QuerySet:
    paths = _THREAD_PATHS + _CLIENT_PATHS + _PEER_PATHS + _GROUP_PATHS
    return Thread.objects.filter(_visible_by(role, user_id), pk=thread_id).values_list(*paths)[:1]


def thread_get(user: User, thread_id: int) -> Thread:
    """``user``'s thread ``thread_id`` with its person, peer and group; NotFound for anyone not
    taking part in it. Staff and peers reading it is noted, as ``threads_of`` notes it.

    Every message posted and every page of a thread starts here: one query, compiled once
    per role (``config.prepared``), as ``threads_of(user).filter(pk=…)`` would be."""
    found = []
    if user.is_authenticated and user.is_active:
        role = user.role
        found = prepared.rows("thread-get", lambda *args: _thread_row(role, *args), [user.pk, thread_id], key=role)
    if not found:
        raise NotFound(_("There is no such conversation."))
    row, cut = found[0], [len(_THREAD_PATHS)]
    for paths in (_CLIENT_PATHS, _PEER_PATHS, _GROUP_PATHS):
        cut.append(cut[-1] + len(paths))
    thread = prepared.instance(Thread, row[: cut[0]])
    thread.client = prepared.instance(User, row[cut[0] : cut[1]])
    thread.peer = prepared.instance(User, row[cut[1] : cut[2]]) if thread.peer_id is not None else None
    thread.group = prepared.instance(ResponsibilityGroup, row[cut[2] :]) if thread.group_id is not None else None
    log.saw(viewer=user, what="conversation", subjects=[(thread.client_id, thread.pk)])
    return thread


def _others(kind: str, client_id: int, other_id: int) -> QuerySet:
    """Who takes part in a thread of ``kind`` beside its person (``participants``);
    ``other_id`` is the peer of a peer thread, the group of a group thread, else the thread."""
    others = User.objects.filter(is_active=True)
    if kind == Thread.Kind.PEER:
        shares = Exists(Sharing.objects.filter(user_id=client_id, peer_id=other_id, revoked_at__isnull=True))
        others = others.filter(shares, pk=other_id, role=User.Role.PEER)
    else:
        worker = Q(role=User.Role.SOCIAL_WORKER, caseload_entries__client_id=client_id, caseload_entries__ended_at=None)
        if kind == Thread.Kind.WORKER:
            covering = _covering().filter(thread_id=other_id).values("worker_id")
            worker |= Q(role=User.Role.SOCIAL_WORKER, pk__in=covering)
        if kind == Thread.Kind.GROUP:
            consent = Exists(Sharing.objects.filter(user_id=client_id, peer=OuterRef("pk"), revoked_at__isnull=True))
            member = Q(group_memberships__group_id=other_id, group_memberships__removed_at=None) & (
                ~Q(role=User.Role.PEER) | Q(consent)
            )
            worker |= member & ~Q(role=User.Role.SERVICE_USER)
        others = others.filter(worker).exclude(pk=client_id)
    return others.distinct().order_by("role", "first_name", "id").values_list(*_USER_PATHS)


def participants(thread: Thread) -> list[User]:
    """Who takes part in ``thread`` now (the same rules as ``threads_of``), the person first.

    One query, compiled once per kind of thread (``config.prepared``): a post asks it for
    its notices and its answer."""
    kind = thread.kind
    other = {Thread.Kind.PEER: thread.peer_id, Thread.Kind.GROUP: thread.group_id}.get(kind, thread.pk)
    if other is None:  # a worker thread not saved yet: nobody covers it
        other = 0
    rows = prepared.rows("participants", lambda *a: _others(kind, *a), [thread.client_id, other], key=kind)
    return [thread.client, *(prepared.instance(User, row) for row in rows)]


def _part_of(role: str, user_id: int, thread_id: int) -> QuerySet:
    return Thread.objects.filter(_visible_by(role, user_id), pk=thread_id).values_list("pk")[:1]


def takes_part(*, thread: Thread, user: User) -> bool:
    """Whether ``user`` may read and write in ``thread`` now (one query, compiled once per role)."""
    if not user.is_authenticated or not user.is_active:
        return False
    role = user.role
    return bool(prepared.rows("takes-part", lambda *args: _part_of(role, *args), [user.pk, thread.pk], key=role))


def messages_after(
    thread: Thread, after_id: int = 0, limit: int = MESSAGES_PAGE, *, viewer: User | None = None
) -> list[Message]:
    """The thread's messages after ``after_id``, oldest first, at most ``limit`` of them.

    Call only with a thread the caller reached through ``thread_get``; staff reading a
    person's messages is noted when ``viewer`` is given."""
    qs = Message.objects.filter(thread=thread, id__gt=after_id).select_related("author", "thread").order_by("id")
    if viewer is not None:
        qs = qs.audited(viewer=viewer, what="conversation")
    return list(qs[:limit])


def last_message_id(thread_id: int) -> int:
    """The newest message's id in a thread (0 when empty): one index read on (thread, id)."""
    last = Message.objects.filter(thread_id=thread_id).order_by("-id").values_list("id", flat=True).first()
    return last or 0


def _unread(user: User) -> QuerySet[Message]:
    read_past = ReadState.objects.filter(thread=OuterRef("thread"), user=user, last_read_id__gte=OuterRef("id"))
    return (
        Message.objects.filter(thread__in=Thread.objects.filter(_visible(user)))
        .exclude(author=user)
        .exclude(Exists(read_past))
    )


def unread_count(user: User) -> int:
    """Messages from others in ``user``'s threads that they have not read yet."""
    if not user.is_authenticated:
        return 0
    return _unread(user).count()


def unread_by_thread(user: User) -> dict[int, int]:
    """Unread messages per thread of ``user``, for lists and the inbox (one query)."""
    rows = _unread(user).values("thread_id").annotate(n=Count("id")).values_list("thread_id", "n")
    return dict(rows)


def messages_latest(thread: Thread, limit: int = MESSAGES_PAGE, *, viewer: User | None = None) -> list[Message]:
    """The thread's newest ``limit`` messages, oldest first (what a thread page opens with)."""
    qs = Message.objects.filter(thread=thread).select_related("author", "thread").order_by("-id")
    if viewer is not None:
        qs = qs.audited(viewer=viewer, what="conversation")
    return list(qs[:limit])[::-1]


def _newest(role: str, user_id: int, thread_id: int) -> QuerySet:
    newest = Message.objects.filter(thread=OuterRef("pk")).order_by("-id").values("id")[:1]
    return (
        Thread.objects.filter(_visible_by(role, user_id), pk=thread_id)
        .annotate(newest=Coalesce(Subquery(newest), 0))
        .values_list("newest", flat=True)[:1]
    )


def thread_newest(user: User, thread_id: int) -> int | None:
    """The newest message id in ``user``'s thread (0 when it has none); None when it is not theirs.

    One query on the indexes (the thread's key and (thread, id)), compiled once per role
    (``config.prepared``): what an open page asking "anything new?" costs when the shared
    cache cannot answer for it (``conversations.live``)."""
    if not user.is_authenticated or not user.is_active:
        return None
    role = user.role
    found = prepared.rows("thread-newest", lambda *args: _newest(role, *args), [user.pk, thread_id], key=role)
    return found[0][0] if found else None


def marks_of_others(thread: Thread, viewer: User) -> tuple[int, int]:
    """How far the others taking part now have got: (newest delivered, newest read) message id
    over all of them (0 when none). A message of ``viewer``'s with an id up to the first is
    "delivered", up to the second "read"; else "sent"."""
    others = [p.pk for p in participants(thread) if p.pk != viewer.pk]
    states = ReadState.objects.filter(thread=thread, user_id__in=others).values_list(
        "last_delivered_id", "last_read_id"
    )
    delivered = max((d or 0 for d, _r in states), default=0)
    read = max((r or 0 for _d, r in states), default=0)
    return max(delivered, read), read


def state_of(message: Message, marks: tuple[int, int]) -> str:
    """ "sent", "delivered" or "read", for the writer (``marks`` from ``marks_of_others``)."""
    delivered, read = marks
    if message.pk <= read:
        return "read"
    return "delivered" if message.pk <= delivered else "sent"
