"""Reads for continuity. Who may see a service user's plan is decided here, in the query:

* the service user themselves;
* the social worker who follows them *now* (not an earlier one);
* a coordinator of their unit;
* a peer, only while the user shares their plan with that peer.

Everyone else gets an empty queryset, which the API and pages turn into 404.
"""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from booking.models import Appointment, AppointmentEvent
from care.models import Handover, HandoverAppointment, PlanEntry, PlanEntryVersion
from care.selectors.peers import clients_sharing_with
from people.models import Caseload, User
from people.selectors import clients_of, social_workers_of_unit

# A re-offered meeting stays on the person's pages this long unless they book or dismiss it.
REOFFER_SHOWN_FOR = timedelta(days=60)


def plan_clients_visible_to(*, viewer: User) -> QuerySet[User]:
    """Service users whose plan ``viewer`` may read."""
    base = User.objects.filter(role=User.Role.SERVICE_USER)
    if viewer.is_service_user:
        return base.filter(pk=viewer.pk)
    if viewer.is_social_worker:
        return clients_of(worker=viewer)
    if viewer.is_coordinator:
        if viewer.unit_id is None:
            return base.none()
        return base.filter(unit_id=viewer.unit_id)
    if viewer.is_peer:
        return clients_sharing_with(peer=viewer, scope="plan")
    return base.none()


def plan_clients_writable_by(*, viewer: User) -> QuerySet[User]:
    """Service users whose plan ``viewer`` may add to and change: their own, or as the current worker.

    A plan is written *with* the person; a coordinator and a peer read it but do not write in it.
    """
    if viewer.is_service_user:
        return User.objects.filter(pk=viewer.pk, role=User.Role.SERVICE_USER)
    if viewer.is_social_worker:
        return clients_of(worker=viewer)
    return User.objects.none()


def plan_client_get(*, viewer: User, client_id: int) -> User | None:
    return plan_clients_visible_to(viewer=viewer).filter(pk=client_id).first()


def plan_may_write(*, viewer: User, client: User) -> bool:
    return plan_clients_writable_by(viewer=viewer).filter(pk=client.pk).exists()


def plan_entries_visible_to(*, viewer: User) -> QuerySet[PlanEntry]:
    return (
        PlanEntry.objects.filter(client__in=plan_clients_visible_to(viewer=viewer))
        .select_related("created_by", "updated_by")
        .audited(viewer=viewer, what="plan_entry")
    )


def plan_entries_of(*, viewer: User, client: User) -> QuerySet[PlanEntry]:
    """The entries of one plan, goals first, open ones before closed ones; empty if not visible."""
    return (
        plan_entries_visible_to(viewer=viewer)
        .filter(client=client)
        # Goals before agreements ("goal" > "agreement"); within each, open ones ("active") first.
        .order_by("-kind", "status", "created_at", "id")
    )


def plan_entry_get(*, viewer: User, client: User, entry_id: int) -> PlanEntry | None:
    return plan_entries_visible_to(viewer=viewer).filter(client=client, pk=entry_id).first()


def plan_entry_history(*, entry: PlanEntry) -> QuerySet[PlanEntryVersion]:
    """Every version of an entry, newest first. Call only with an entry from a scoped selector."""
    return entry.versions.select_related("written_by").order_by("-number")


# --- The worker's view of a person --------------------------------------------------------------


def overview_clients_for(*, viewer: User) -> QuerySet[User]:
    """Service users whose whole follow-up (plan, meetings, who followed them) ``viewer`` may open:
    the current worker and the unit's coordinator."""
    if viewer.is_social_worker:
        return clients_of(worker=viewer)
    if viewer.is_coordinator and viewer.unit_id is not None:
        return User.objects.filter(role=User.Role.SERVICE_USER, unit_id=viewer.unit_id)
    return User.objects.none()


def meeting_history_of(*, client: User, viewer: User) -> QuerySet[Appointment]:
    """All of a person's meetings, with every worker, newest first. Call only after an access check."""
    return (
        Appointment.objects.filter(client=client)
        .select_related("meeting_type", "calendar__owner")
        .order_by("-start", "-id")
        .audited(viewer=viewer, what="appointment")
    )


def followed_by_history(*, client: User) -> QuerySet[Caseload]:
    """Who followed the person when, newest first. Call only after an access check."""
    return Caseload.objects.filter(client=client).select_related("worker").order_by("-started_at", "-id")


def appointment_events_of(*, appointment_ids: list[int]) -> QuerySet[AppointmentEvent]:
    return AppointmentEvent.objects.filter(appointment_id__in=appointment_ids).select_related("actor")


# --- Handovers ----------------------------------------------------------------------------------


def handovers_visible_to(*, viewer: User) -> QuerySet[Handover]:
    """Handovers of the coordinator's own unit; nobody else sees the record."""
    if not viewer.is_coordinator or viewer.unit_id is None:
        return Handover.objects.none()
    return Handover.objects.filter(unit_id=viewer.unit_id).select_related("by", "from_worker", "to_worker")


def handover_get(*, viewer: User, handover_id: int) -> Handover | None:
    return handovers_visible_to(viewer=viewer).filter(pk=handover_id).first()


def workers_for_handover(*, viewer: User) -> QuerySet[User]:
    """Active social workers of the coordinator's unit."""
    if not viewer.is_coordinator:
        return User.objects.none()
    return social_workers_of_unit(unit_id=viewer.unit_id)


def reoffers_open_for(*, client: User, now: datetime | None = None) -> QuerySet[HandoverAppointment]:
    """Meetings a handover cancelled for which the person has not yet booked a new time.

    Booking any new meeting with the new worker after the handover answers the offer.
    """
    now = now or timezone.now()
    booked_since = Appointment.objects.filter(
        client=client,
        calendar__owner=OuterRef("handover__to_worker"),
        created_at__gte=OuterRef("handover__at"),
        status=Appointment.Status.BOOKED,
    )
    return (
        HandoverAppointment.objects.filter(
            client=client,
            outcome=HandoverAppointment.Outcome.REOFFERED,
            resolved_at__isnull=True,
            handover__at__gte=now - REOFFER_SHOWN_FOR,
        )
        .exclude(Exists(booked_since))
        .select_related("handover__to_worker", "from_meeting_type")
        .order_by("start")
    )
