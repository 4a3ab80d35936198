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

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Now
from django.utils.translation import gettext as _

from care.models import GroupMember, Sharing
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
    the filter can be compiled once per role (``thread_news``)."""
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


def thread_get(user: User, thread_id: int) -> Thread:
    """``user``'s thread ``thread_id``; NotFound for anyone not taking part in it."""
    thread = threads_of(user).filter(pk=thread_id).first()
    if thread is None:
        raise NotFound(_("There is no such conversation."))
    return thread


def participants(thread: Thread) -> list[User]:
    """Who takes part in ``thread`` now (the same rules as ``threads_of``), the person first."""
    others = User.objects.filter(is_active=True)
    if thread.kind == Thread.Kind.PEER:
        shares = Sharing.objects.filter(user_id=thread.client_id, peer_id=thread.peer_id, revoked_at__isnull=True)
        others = others.filter(pk=thread.peer_id, role=User.Role.PEER) if shares.exists() else others.none()
    else:
        worker = Q(
            role=User.Role.SOCIAL_WORKER, caseload_entries__client_id=thread.client_id, caseload_entries__ended_at=None
        )
        if thread.kind == Thread.Kind.WORKER and thread.pk is not None:
            covering = _covering().filter(thread_id=thread.pk).values("worker_id")
            worker |= Q(role=User.Role.SOCIAL_WORKER, pk__in=covering)
        if thread.kind == Thread.Kind.GROUP:
            consent = Exists(
                Sharing.objects.filter(user_id=thread.client_id, peer=OuterRef("pk"), revoked_at__isnull=True)
            )
            member = Q(group_memberships__group_id=thread.group_id, group_memberships__removed_at=None) & (
                ~Q(role=User.Role.PEER) | Q(consent)
            )
            worker |= member & ~Q(role=User.Role.SERVICE_USER)
        others = others.filter(worker).exclude(pk=thread.client_id)
    return [thread.client, *others.distinct().order_by("role", "first_name", "id")]


def takes_part(*, thread: Thread, user: User) -> bool:
    return Thread.objects.filter(_visible(user), pk=thread.pk).exists()


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


def _news(role: str, user_id: int, thread_id: int, after_id: int) -> QuerySet:
    newer = Exists(Message.objects.filter(thread=OuterRef("pk"), id__gt=after_id))
    return (
        Thread.objects.filter(_visible_by(role, user_id), pk=thread_id)
        .annotate(newer=newer)
        .values_list("newer", flat=True)[:1]
    )


def thread_news(user: User, thread_id: int, after_id: int) -> bool | None:
    """Whether ``user``'s thread has messages after ``after_id``; None when it is not theirs.

    One query on the indexes (the thread's key and (thread, id)), compiled once per role
    (``config.prepared``): what a page asking "anything new?" every two seconds costs when
    nothing is new."""
    if not user.is_authenticated or not user.is_active:
        return None
    role = user.role
    found = prepared.rows("thread-news", lambda *args: _news(role, *args), [user.pk, thread_id, after_id], key=role)
    return bool(found[0][0]) if found else None


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
