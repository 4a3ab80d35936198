"""Peer pages: "I'd like a peer", sharing with peers, inviting a peer to a meeting, the peer's
own page (pool, invitations, people who share), and the worker's outreach after a no-show.
Reads go through care.selectors.peers, writes through care.services.peers."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import selectors as booking_selectors
from booking.models import Appointment
from care.models import PeerInvitation, PeerRequest
from care.selectors import peers as selectors
from care.services import peers as services
from config.errors import ApplicationError
from people.models import PhoneNumber, User
from web.decorators import back_to_next, role_required, service_user_required, staff_required
from web.forms_peers import InviteForm, PeerRequestForm, SharingForm

peer_required = role_required(lambda user: user.is_peer)


# --- Service user --------------------------------------------------------------------------


@service_user_required
def peers_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    peer_types = list(
        booking_selectors.meeting_types_bookable_by(user=user)
        .filter(calendar__owner__role=User.Role.PEER)
        .select_related("calendar__owner")
        .order_by("calendar__owner__first_name", "name")
    )
    return render(
        request,
        "web/peers/home.html",
        {
            "peer_request": selectors.peer_request_current(user=user),
            "form": PeerRequestForm(),
            "peer_types": peer_types,
            "sharings": list(selectors.sharings_of(user=user)),
        },
    )


@service_user_required
@require_POST
def peer_request_new(request: HttpRequest) -> HttpResponse:
    form = PeerRequestForm(request.POST)
    if form.is_valid():
        try:
            services.peer_request_create(user=request.user, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your wish is sent to the peers. You get an SMS when one of them says yes."))
    else:
        messages.error(request, _("Keep the note short (200 characters at most)."))
    return back_to_next(request, "web:peers")


@service_user_required
@require_POST
def peer_request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.peer_request_withdraw(user=request.user, request_id=request_id)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request is withdrawn."))
    return back_to_next(request, "web:peers")


@service_user_required
def sharing(request: HttpRequest) -> HttpResponse:
    user = request.user
    peers = list(selectors.peers_of_unit(unit_id=user.unit_id))
    active = {s.peer_id: s for s in selectors.sharings_of(user=user)}
    if request.method == "POST":
        peer = next((p for p in peers if str(p.pk) == request.POST.get("peer")), None)
        if peer is None:
            raise Http404
        form = SharingForm(request.POST, prefix=f"p{peer.pk}")
        if "stop" in request.POST:
            services.sharing_set(user=user, peer=peer, appointments=False, plan=False)
            messages.success(request, _("You no longer share anything with %(name)s.") % {"name": peer.first_name})
            return redirect("web:sharing")
        if form.is_valid():
            result = services.sharing_set(
                user=user, peer=peer, appointments=form.cleaned_data["appointments"], plan=form.cleaned_data["plan"]
            )
            if result is None:
                messages.success(request, _("You no longer share anything with %(name)s.") % {"name": peer.first_name})
            else:
                messages.success(request, _("Saved. %(name)s sees what you chose.") % {"name": peer.first_name})
            return redirect("web:sharing")
    rows = []
    for peer in peers:
        current = active.get(peer.pk)
        initial = {"appointments": current.appointments, "plan": current.plan} if current else {}
        rows.append((peer, current, SharingForm(prefix=f"p{peer.pk}", initial=initial)))
    return render(request, "web/peers/sharing.html", {"rows": rows})


def _my_appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    appointment = booking_selectors.appointment_get(user=request.user, appointment_id=appointment_id)
    if appointment is None or appointment.client_id != request.user.pk:
        raise Http404
    return appointment


@service_user_required
@require_POST
def meeting_invite(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _my_appointment(request, appointment_id)
    form = InviteForm(request.POST, peers=list(selectors.peers_shared_with(user=request.user)))
    if not form.is_valid():
        messages.error(request, _("Choose a peer, or any peer who is free."))
        return redirect("web:meeting_detail", appointment_id=appointment.pk)
    try:
        services.invitation_create(user=request.user, appointment_id=appointment.pk, peer_id=form.peer_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The peer is asked. You get an SMS when they say yes."))
    return redirect("web:meeting_detail", appointment_id=appointment.pk)


@service_user_required
@require_POST
def meeting_invite_withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = services.invitation_withdraw(user=request.user, invitation_id=invitation_id)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("web:meetings")
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("web:meeting_detail", appointment_id=invitation.appointment_id)


# --- Peer ----------------------------------------------------------------------------------


@peer_required
def peer_page(request: HttpRequest) -> HttpResponse:
    peer = request.user
    requests_ = list(selectors.peer_requests_visible_to(user=peer).order_by("created_at")[:100])
    invitations = list(
        selectors.invitations_visible_to(user=peer)
        .filter(status__in=selectors.LIVE_INVITATION, appointment__end__gte=timezone.now())
        .exclude(appointment__status=Appointment.Status.CANCELLED)
        .order_by("appointment__start")[:100]
    )
    sharing_clients = list(selectors.clients_sharing_with(peer=peer, scope="appointments").order_by("first_name"))
    shared_meetings = list(
        booking_selectors.appointments_visible_to(user=peer)
        .filter(client__in=sharing_clients, status=Appointment.Status.BOOKED, start__gte=timezone.now())
        .order_by("start")[:50]
    )
    taken = [r for r in reversed(requests_) if r.peer_id == peer.pk][:20]
    phones = {p.user_id: p for p in PhoneNumber.objects.filter(user_id__in=[r.user_id for r in taken], is_active=True)}
    return render(
        request,
        "web/peers/peer.html",
        {
            "open_requests": [r for r in requests_ if r.status == PeerRequest.Status.OPEN],
            "taken": [(r, phones.get(r.user_id)) for r in taken],
            "invitations": invitations,
            "sharing_clients": sharing_clients,
            "plan_clients": list(selectors.clients_sharing_with(peer=peer, scope="plan").order_by("first_name")),
            "shared_meetings": shared_meetings,
        },
    )


@peer_required
@require_POST
def peer_request_accept(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        taken = services.peer_request_accept(peer=request.user, request_id=request_id)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Thank you. %(name)s is told that you will get in touch.") % {"name": taken.user.first_name},
        )
    return redirect("web:peer_page")


@peer_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int, answer: str) -> HttpResponse:
    if answer not in ("accept", "decline"):
        raise Http404
    try:
        services.invitation_answer(peer=request.user, invitation_id=invitation_id, accept=answer == "accept")
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you, your answer is sent.") if answer == "decline" else _("See you there."))
    return redirect("web:peer_page")


@peer_required
def peer_meeting(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """One meeting a peer may read (shared or invited to): time and place, nothing to change."""
    appointment = booking_selectors.appointment_get(user=request.user, appointment_id=appointment_id)
    if appointment is None:
        raise Http404
    invitation = PeerInvitation.objects.filter(
        appointment=appointment, peer=request.user, status__in=selectors.LIVE_INVITATION
    ).first()
    return render(request, "web/peers/meeting.html", {"a": appointment, "invitation": invitation})


# --- Worker: outreach after a missed meeting -------------------------------------------------


@staff_required
@require_POST
def outreach_called(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        services.no_show_called(worker=request.user, task_id=task_id)
    except ApplicationError as exc:
        raise Http404 from exc
    messages.success(request, _("Noted: you called."))
    return redirect("web:today")


@staff_required
@require_POST
def outreach_ask_peer(request: HttpRequest, task_id: int) -> HttpResponse:
    peer_id = request.POST.get("peer", "")
    if not peer_id.isdigit():
        raise Http404
    try:
        check_in = services.no_show_check_in_ask(worker=request.user, task_id=task_id, peer_id=int(peer_id))
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is asked to check in.") % {"name": check_in.peer.short_name})
    return redirect("web:today")
