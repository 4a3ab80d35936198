"""The plan a service user keeps with their worker: goals and agreements. An entry is never
overwritten in silence: every change adds a version row, so the history stays with the person
whoever follows them."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import PlanEntry, PlanEntryVersion
from care.selectors.continuity import plan_client_get, plan_may_write
from config.errors import ApplicationError, NotFound, Unprocessable
from people.models import User

TEXT_MAX = 2000


def _writable_client(*, actor: User, client_id: int) -> User:
    """The client whose plan ``actor`` writes in. 404 if the plan is not visible to them, 422 if
    they may read it but not write in it."""
    client = plan_client_get(viewer=actor, client_id=client_id)
    if client is None:
        raise NotFound(_("Plan not found."))
    if not plan_may_write(viewer=actor, client=client):
        raise Unprocessable(
            _("You can read this plan. Only the person and the social worker who follows them write in it."),
            code="read_only",
        )
    return client


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(
            _("Write a few words."), code="invalid", fields={"text": [_("This field cannot be empty.")]}
        )
    if len(text) > TEXT_MAX:
        raise ApplicationError(
            _("Keep it shorter (at most %(max)s characters).") % {"max": TEXT_MAX},
            fields={"text": [_("Too long.")]},
        )
    return text


def _check_status(kind: str, status: str) -> None:
    if status not in PlanEntry.Status.values:
        raise ApplicationError(_("Unknown status."), fields={"status": [_("Choose one of the listed choices.")]})
    if kind == PlanEntry.Kind.AGREEMENT and status == PlanEntry.Status.REACHED:
        raise ApplicationError(
            _("An agreement is either in use or no longer relevant; only a goal is reached."),
            fields={"status": [_("Not possible for an agreement.")]},
        )


@transaction.atomic
def plan_entry_add(*, actor: User, client_id: int, kind: str, text: str, now: datetime | None = None) -> PlanEntry:
    """Add a goal or an agreement to a plan, with its first version."""
    now = now or timezone.now()
    client = _writable_client(actor=actor, client_id=client_id)
    if kind not in PlanEntry.Kind.values:
        raise ApplicationError(_("Choose goal or agreement."), fields={"kind": [_("Choose goal or agreement.")]})
    text = _clean_text(text)
    entry = PlanEntry.objects.create(
        client=client, kind=kind, text=text, created_by=actor, created_at=now, updated_by=actor, updated_at=now
    )
    PlanEntryVersion.objects.create(
        entry=entry, number=1, text=text, status=entry.status, written_by=actor, written_at=now
    )
    return entry


def plan_entry_change(
    *,
    actor: User,
    client_id: int,
    entry_id: int,
    text: str | None = None,
    status: str | None = None,
    now: datetime | None = None,
) -> PlanEntry:
    """Change the wording and/or the status of an entry. The old version stays in the history;
    an unchanged entry writes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        client = _writable_client(actor=actor, client_id=client_id)
        # The race: two people editing at once would both write version n+1; the row lock
        # makes the second wait and number its version after the first.
        entry = PlanEntry.objects.select_for_update().filter(pk=entry_id, client=client).first()
        if entry is None:
            raise NotFound(_("Plan entry not found."))
        new_text = entry.text if text is None else _clean_text(text)
        new_status = entry.status if status is None else status
        _check_status(entry.kind, new_status)
        if new_text == entry.text and new_status == entry.status:
            return entry
        entry.text, entry.status = new_text, new_status
        entry.version += 1
        entry.updated_by, entry.updated_at = actor, max(now, entry.created_at)
        entry.save(update_fields=["text", "status", "version", "updated_by", "updated_at"])
        PlanEntryVersion.objects.create(
            entry=entry, number=entry.version, text=new_text, status=new_status, written_by=actor, written_at=now
        )
    return entry
