"""Pages for conversations: the person's talk with their worker (and peers, and their group),
the worker's inbox, a thread with its composer, and the fragment an open thread asks for
every second.

Live by short polling: the page asks ``…/new/?after=<id>&live=<ticket>`` every second (htmx;
no inline script, as the Content-Security-Policy wants). When nothing is new the answer is
a 204, mostly straight from the shared cache in front of Django (``web.live_poll``), else
after one indexed query; a sync gunicorn worker is busy for well under a millisecond and no
connection is held open per page. Without JavaScript the "Reload" button does the same."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care.models import ResponsibilityGroup
from care.selectors import help as help_selectors
from care.selectors.groups import groups_visible_to
from care.selectors.peers import peers_shared_with
from config.errors import ApplicationError, NotFound
from conversations import live, selectors, services
from conversations.availability import availability_of
from conversations.models import Message, Thread
from people.models import User
from people.selectors import clients_of, current_worker_of, is_in_caseload, social_workers_of_unit
from web.decorators import role_required, user_tz
from web.forms_conversations import CoverForm, MessageForm
from web.selectors import next_meetings_of

worker_required = role_required(lambda user: user.is_social_worker)
# Who opens a thread and has read it: everyone but a worker, who marks it handled instead.
AUTO_READ = (User.Role.SERVICE_USER, User.Role.PEER)


def _thread(request: HttpRequest, thread_id: int) -> Thread:
    try:
        return selectors.thread_get(request.user, thread_id)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def conversations(request: HttpRequest) -> HttpResponse:
    """A service user goes straight to the talk with their worker; a worker to the inbox;
    anyone else sees the list of their threads."""
    user = request.user
    if user.is_social_worker:
        return redirect("web:inbox")
    if user.is_service_user and current_worker_of(client=user) is not None:
        return redirect("web:conversation", services.thread_for_worker(user).pk)
    return render(request, "web/conversations/list.html", _list_context(user, current=None))


def _list_context(user: User, *, current: Thread | None) -> dict[str, object]:
    threads = [t for t in selectors.threads_of(user)[:100] if current is None or t.pk != current.pk]
    started = {t.peer_id for t in threads if t.kind == Thread.Kind.PEER}
    if current is not None and current.kind == Thread.Kind.PEER:
        started.add(current.peer_id)
    peers = list(peers_shared_with(user=user).exclude(pk__in=started)) if user.is_service_user else []
    return {
        "threads": threads,
        "unread": selectors.unread_by_thread(user),
        "peers_to_start": peers,
        "groups_to_start": _groups_to_start(user),
    }


def _groups_to_start(user: User) -> list[ResponsibilityGroup]:
    """The responsibility groups ``user`` takes part in whose thread nobody has started yet."""
    groups = groups_visible_to(user=user).exclude(threads__kind=Thread.Kind.GROUP)[:50]
    return [
        g
        for g in groups
        if user.pk in {p.pk for p in selectors.participants(Thread(kind=Thread.Kind.GROUP, client=g.client, group=g))}
    ]


@login_required
def conversation(request: HttpRequest, thread_id: int) -> HttpResponse:
    """GET: the thread and a composer. POST: send (once per form shown), then back here."""
    thread = _thread(request, thread_id)
    user = request.user
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_post(
                thread=thread, author=user, text=form.cleaned_data["text"], idempotency_key=form.cleaned_data["key"]
            )
        except ApplicationError as exc:
            form.add_error("text", exc.message)
        else:
            return redirect(f"{request.path}#composer")
    shown = selectors.messages_latest(thread, viewer=user)
    if user.role in AUTO_READ and shown:
        services.thread_read(thread=thread, user=user, up_to=shown[-1].pk)
    elif shown:
        services.thread_delivered(thread=thread, user=user, up_to=shown[-1].pk)
    context = {
        "thread": thread,
        "shown": shown,
        "last_id": shown[-1].pk if shown else 0,
        "form": form,
        "others": [p for p in selectors.participants(thread) if p.pk != user.pk],
        "may_handle": user.is_social_worker,
        "cover": selectors.cover_of(thread) if thread.kind == Thread.Kind.WORKER and user.is_social_worker else None,
        "cover_form": _cover_form(user, thread),
        "marks": selectors.marks_of_others(thread, user),
        **_help_context(thread, user, shown),
        **_list_context(user, current=thread),
    }
    return render(request, "web/conversations/thread.html", context, status=400 if form.errors else 200)


def _help_context(thread: Thread, user: User, shown: list[Message]) -> dict[str, object]:
    """When the worker answers, and the crisis numbers when they do not now, or at once when
    the person's own last words suggest danger."""
    now = timezone.now()
    available = None
    if thread.kind == Thread.Kind.WORKER and user.pk == thread.client_id:
        available = availability_of(current_worker_of(client=thread.client), now=now)
    mine = [m for m in shown if m.author_id == user.pk]
    danger = bool(mine) and mine[-1].danger
    show_numbers = danger or (available is not None and not available.answering_now)
    state = help_selectors.help_now_for(user=user, now=now) if user.is_service_user else None
    return {
        "available": available,
        "danger": danger,
        "show_numbers": show_numbers,
        "help_settings": state.settings if state else None,
        # The help button lists the numbers itself when the unit is closed: not twice.
        "numbers_in_button": state is not None and not state.unit_open,
        "emergency": help_selectors.EMERGENCY_NUMBER,
        "legevakt": help_selectors.LEGEVAKT_NUMBER,
    }


def _after(request: HttpRequest) -> int:
    raw = request.GET.get("after", "0")
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    return int(raw)


@login_required
def conversation_new(request: HttpRequest, thread_id: int) -> HttpResponse:
    """What the open page asks every second when ``web.live_poll`` could not answer it:
    204 when nothing is new (one query), else the new messages and the next question. A page
    whose ticket is missing or has run out gets the next question with a new one."""
    after = _after(request)
    newest = live.newest_for(request.user, thread_id)
    if newest is None:
        raise Http404
    if newest <= after:
        if not live.ticket_is_for(request.GET.get("live", ""), thread_id):
            thread = _thread(request, thread_id)
            return render(request, "web/conversations/_poll.html", {"thread": thread, "last_id": after})
        nothing = HttpResponse(status=204)
        # No body, nothing a policy could protect: building the header cost a tenth of the answer.
        nothing._csp_exempt = True
        return nothing
    thread = _thread(request, thread_id)
    new = selectors.messages_after(thread, after, viewer=request.user)
    if request.user.role in AUTO_READ:
        services.thread_read(thread=thread, user=request.user, up_to=new[-1].pk)
    else:
        services.thread_delivered(thread=thread, user=request.user, up_to=new[-1].pk)
    context = {"thread": thread, "new": new, "last_id": new[-1].pk, "marks": (0, 0)}
    return render(request, "web/conversations/_new.html", context)


@login_required
@require_POST
def conversation_handled(request: HttpRequest, thread_id: int) -> HttpResponse:
    """ "Mark as handled": the worker has read the thread up to what they saw."""
    thread = _thread(request, thread_id)
    up_to = request.POST.get("up_to", "")
    services.thread_read(thread=thread, user=request.user, up_to=int(up_to) if up_to.isdigit() else None)
    messages.success(request, _("Marked as handled."))
    return redirect("web:inbox" if request.user.is_social_worker else "web:conversations")


@login_required
@require_POST
def conversation_start(request: HttpRequest) -> HttpResponse:
    """Start (or open) the thread with a person or a group, by the rules of ``thread_start``."""
    raw_with, raw_group = request.POST.get("with", ""), request.POST.get("group", "")
    try:
        thread, _created = services.thread_start(
            actor=request.user,
            with_id=int(raw_with) if raw_with.isdigit() and len(raw_with) < 19 else None,
            group_id=int(raw_group) if raw_group.isdigit() and len(raw_group) < 19 else None,
        )
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:conversations")
    return redirect("web:conversation", thread.pk)


@worker_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The worker's threads, those with unread messages first (newest first), with each
    person's next meeting; and the people they follow, to start writing."""
    user = request.user
    unread = selectors.unread_by_thread(user)
    threads = list(selectors.threads_of(user)[:300])
    # Stable sort: unread first, each part keeping the newest-first order of the query.
    threads.sort(key=lambda t: unread.get(t.pk, 0) == 0)
    clients = list(clients_of(worker=user).filter(is_active=True).order_by("first_name", "last_name"))
    with_thread = {t.client_id for t in threads if t.kind == Thread.Kind.WORKER}
    context = {
        "threads": threads,
        "unread": unread,
        "next_meetings": next_meetings_of(worker=user, client_ids=[t.client_id for t in threads]),
        "to_start": [c for c in clients if c.pk not in with_thread],
        "groups_to_start": _groups_to_start(user),
    }
    return render(request, "web/conversations/inbox.html", context)


def _cover_form(user: User, thread: Thread, data: dict | None = None) -> CoverForm | None:
    """The form to hand the thread to a colleague, for the person's own worker only."""
    if (
        thread.kind != Thread.Kind.WORKER
        or not user.is_social_worker
        or not is_in_caseload(worker=user, client=thread.client)
    ):
        return None
    colleagues = social_workers_of_unit(unit_id=user.unit_id).exclude(pk=user.pk)
    return CoverForm(data, colleagues=[(c.pk, c.get_full_name()) for c in colleagues])


@login_required
@require_POST
def conversation_cover(request: HttpRequest, thread_id: int) -> HttpResponse:
    """The worker hands the thread to a colleague until a day (POST ``end`` takes it back)."""
    thread = _thread(request, thread_id)
    form = _cover_form(request.user, thread, request.POST)
    if form is None:
        raise Http404
    try:
        if "end" in request.POST:
            services.thread_cover_end(actor=request.user, thread=thread)
            messages.success(request, _("You have the conversation back."))
        elif form.is_valid():
            day = form.cleaned_data["until"] + timedelta(days=1)
            until = datetime.combine(day, time(0), tzinfo=user_tz(request.user))
            services.thread_cover(
                actor=request.user, thread=thread, colleague_id=form.cleaned_data["colleague"], until=until
            )
            messages.success(request, _("Handed to your colleague."))
        else:
            messages.error(request, _("Choose a colleague and the last day you are away."))
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("web:conversation", thread.pk)
