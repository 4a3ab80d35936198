"""Reads for reminders, each scoped to what the caller may see."""

from django.db.models import Q, QuerySet

from people.models import User
from people.selectors import clients_manageable_by
from reminders.models import Delivery, FollowUpTask, MedicationLog, ReminderPlan


def people_whose_reminders(*, actor: User) -> QuerySet[User]:
    """Whose reminders the actor may see and change: their own, and as staff the caseload's."""
    if actor.is_service_user:
        return User.objects.filter(pk=actor.pk)
    return clients_manageable_by(actor=actor)


def plans_visible_to(*, actor: User) -> QuerySet[ReminderPlan]:
    return ReminderPlan.objects.filter(owner__in=people_whose_reminders(actor=actor), is_active=True)


def deliveries_visible_to(*, actor: User) -> QuerySet[Delivery]:
    if actor.is_service_user:
        return Delivery.objects.filter(recipient=actor)
    # Staff see their own alerts and their caseload's reminders.
    return Delivery.objects.filter(Q(recipient=actor) | Q(recipient__in=people_whose_reminders(actor=actor)))


def medication_log_visible_to(*, actor: User) -> QuerySet[MedicationLog]:
    return MedicationLog.objects.filter(plan__owner__in=people_whose_reminders(actor=actor)).select_related("plan")


def open_tasks_for(*, worker: User) -> QuerySet[FollowUpTask]:
    return (
        FollowUpTask.objects.filter(worker=worker, done_at__isnull=True)
        .select_related("client")
        .order_by("-created_at")
    )
