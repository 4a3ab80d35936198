"""Selectors (scoped reads) for feedback and ideas."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.crypto import salted_hmac

from booking.models import Appointment
from care.models import Feedback, Idea
from people.models import User


def feedback_marker(appointment_id: int) -> str:
    """The keyed hash that marks a meeting as rated without naming it (see care.services.feedback)."""
    return salted_hmac("care.feedback.marker", str(appointment_id), algorithm="sha256").hexdigest()


def rated_appointment_ids(*, user: User, appointment_ids: list[int]) -> set[int]:
    """Which of the user's meetings they have rated, anonymously or not (one query).

    Only for the person who rated: told to the meeting's worker, it would say which meeting
    an anonymous rating was about."""
    if not user.is_service_user:
        return set()
    markers = {feedback_marker(pk): pk for pk in appointment_ids}
    found = Feedback.objects.filter(marker__in=markers).values_list("marker", flat=True)
    return {markers[m] for m in found}


def feedback_visible_to(*, user: User) -> QuerySet[Feedback]:
    """A service user's own feedback; a calendar's for its owner; the unit's for a coordinator.

    Staff get anonymous rows with no author and no meeting; the rows themselves hold none.
    Callers order by face and the random id, never by insertion order, which could line
    anonymous rows up with the order meetings were held in."""
    qs = Feedback.objects.select_related("calendar__owner", "author", "appointment")
    if user.is_service_user:
        own = list(
            Appointment.objects.filter(client=user, status=Appointment.Status.COMPLETED).values_list("pk", flat=True)
        )
        return qs.filter(Q(author=user) | Q(marker__in=[feedback_marker(pk) for pk in own]))
    if user.is_coordinator and user.unit_id:
        return qs.filter(calendar__owner__unit_id=user.unit_id)
    if user.has_calendar_role:
        return qs.filter(calendar__owner=user)
    return qs.none()


def ideas_visible_to(*, user: User) -> QuerySet[Idea]:
    if not user.unit_id:
        return Idea.objects.none()
    return Idea.objects.filter(unit_id=user.unit_id).select_related("author")


@dataclass
class MonthSummary:
    month: date
    count: int = 0
    average: float | None = None
    # (face, label, count) for every face, 1 to 5, zeros included.
    distribution: list[tuple[int, str, int]] = field(default_factory=list)
    comments: list[Feedback] = field(default_factory=list)
    ideas_by_status: list[tuple[str, str, int]] = field(default_factory=list)
    ideas: list[Idea] = field(default_factory=list)


def month_parse(value: str | None) -> date | None:
    """The first day of a ``YYYY-MM`` month, or None for anything else. Years 1 and 9999 have
    no month before or after them to count up to, so they are refused too."""
    try:
        month = date.fromisoformat(f"{value or ''}-01")
    except ValueError:
        return None
    return month if 1 < month.year < 9999 else None


def month_after(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_before(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_summary(*, coordinator: User, month: date) -> MonthSummary:
    """Ratings of the unit's meetings held in ``month`` and ideas suggested in it (four queries)."""
    month = month.replace(day=1)
    feedback = feedback_visible_to(user=coordinator).filter(month=month)
    counts = dict(feedback.values_list("face").annotate(n=Count("id")).values_list("face", "n"))
    total = sum(counts.values())
    summary = MonthSummary(month=month, count=total)
    summary.distribution = [(face, label, counts.get(face, 0)) for face, label in Feedback.Face.choices]
    if total:
        summary.average = round(sum(face * n for face, n in counts.items()) / total, 2)
    summary.comments = list(feedback.exclude(comment="").order_by("-face", "calendar_id", "id"))
    next_month = month_after(month)
    ideas = ideas_visible_to(user=coordinator).filter(created_at__date__gte=month, created_at__date__lt=next_month)
    by_status = dict(ideas.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    summary.ideas_by_status = [(value, label, by_status.get(value, 0)) for value, label in Idea.Status.choices]
    summary.ideas = list(ideas.order_by("status", "-created_at"))
    return summary
