"""Reads of the access log: a person's own, and a unit's for its coordinator."""

from django.db.models import Q, QuerySet

from audit.models import AccessEntry


def access_about(*, person: object) -> QuerySet[AccessEntry]:
    """Who has looked at or changed ``person``'s information, newest first."""
    return AccessEntry.objects.filter(subject=person).select_related("actor").order_by("-at", "-id")


def access_in_unit(*, coordinator: object, person_id: int | None = None, actor_id: int | None = None) -> QuerySet:
    """The log of the people of a coordinator's unit, newest first; optionally about one
    person, or by one member of staff or peer. Nothing for anyone but a coordinator."""
    unit_id = getattr(coordinator, "unit_id", None)
    if not getattr(coordinator, "is_coordinator", False) or unit_id is None:
        return AccessEntry.objects.none()
    qs = AccessEntry.objects.filter(Q(subject__unit_id=unit_id) | Q(actor__unit_id=unit_id))
    if person_id is not None:
        qs = qs.filter(subject_id=person_id)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    return qs.select_related("actor", "subject").order_by("-at", "-id")
