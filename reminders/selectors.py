"""Reads for reminders, each scoped to what the caller may see."""

from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, When

from messaging.models import Delivery
from people.models import User
from people.selectors import clients_manageable_by
from reminders.models import FollowUpTask, MedicationLog, MessageKind, ReminderPlan, Supporter


def people_whose_reminders(*, actor: User) -> QuerySet[User]:
    """Whose reminders the actor may see and change: their own, and as staff the caseload's."""
    if actor.is_service_user:
        return User.objects.filter(pk=actor.pk)
    return clients_manageable_by(actor=actor)


def plans_visible_to(*, actor: User) -> QuerySet[ReminderPlan]:
    return ReminderPlan.objects.filter(owner__in=people_whose_reminders(actor=actor), is_active=True).audited(
        viewer=actor, what="reminder_plan"
    )


def deliveries_visible_to(*, actor: User) -> QuerySet[Delivery]:
    """The reminders and notices (reminders' own kinds of message) the actor may see: their
    own, and as staff also their caseload's. Other apps' messages in the outbox (a sign-in
    code) are not reminders and are not listed."""
    own = Delivery.objects.filter(kind__in=MessageKind.values).audited(viewer=actor, what="delivery")
    if actor.is_service_user:
        return own.filter(recipient=actor)
    # Staff see their own alerts and their caseload's reminders.
    return own.filter(Q(recipient=actor) | Q(recipient__in=people_whose_reminders(actor=actor)))


def deliveries_listed(*, actor: User) -> QuerySet[Delivery]:
    """``deliveries_visible_to`` with what each row is about: ``plan`` and ``appointment`` (ids,
    or None) and ``plan_title``, in the same query."""
    about = {kind: Case(When(about=kind, then=F("about_id"))) for kind in ("plan", "appointment")}
    title = ReminderPlan.objects.filter(pk=OuterRef("about_id")).values("title")[:1]
    return deliveries_visible_to(actor=actor).annotate(
        plan=about["plan"], appointment=about["appointment"], plan_title=Case(When(about="plan", then=Subquery(title)))
    )


def medication_log_visible_to(*, actor: User) -> QuerySet[MedicationLog]:
    return (
        MedicationLog.objects.filter(plan__owner__in=people_whose_reminders(actor=actor))
        .select_related("plan")
        .audited(viewer=actor, what="medication")
    )


def open_tasks_for(*, worker: User) -> QuerySet[FollowUpTask]:
    return (
        FollowUpTask.objects.filter(worker=worker, done_at__isnull=True)
        # The meeting a task is about: its time is what the worker needs, not the task's.
        .select_related("client", "appointment")
        .order_by("-created_at")
        .audited(viewer=worker, what="task")
    )


def open_tasks_about(*, worker: User, client_id: int) -> QuerySet[FollowUpTask]:
    """``worker``'s open tasks about one person (a meeting's page lists them)."""
    return open_tasks_for(worker=worker).filter(client_id=client_id)


def supporter_of(*, owner: User) -> Supporter | None:
    """The supporter outside the service the owner named last, as they are now (asked, agreed
    or stopped), or None when there is none or the owner took them off. The caller has
    already scoped ``owner`` (``people_whose_reminders``)."""
    latest = Supporter.objects.filter(owner=owner).order_by("-created_at", "-pk").first()
    if latest is None or latest.status == Supporter.Status.REMOVED:
        return None
    return latest
