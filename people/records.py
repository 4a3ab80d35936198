"""A person's own details in what Triangel holds about them (``audit.records``): their profile,
numbers, who has followed them, and how they signed in (codes, links, API tokens). Erasing them
leaves a row that cannot sign in and says nothing about who it was: the other apps' rows still
point at it, as anonymous history for the unit's statistics."""

from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from audit.records import Record, iso
from people.models import ApiToken, Caseload, PhoneNumber, SignInCode, User


def export(person: User) -> dict[str, Any]:
    return {
        "profile": {
            "id": person.pk,
            "username": person.username,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "role": person.role,
            "unit": person.unit.name if person.unit_id else None,
            "language": person.language,
            "timezone": person.timezone,
            "joined": iso(person.date_joined),
            # Only a keyed hash is held, which says nothing without the key: whether there is one.
            "national_identity_number_recorded": bool(person.pid_hash),
            "signs_in_with_identity_provider": bool(person.oidc_subject),
        },
        "phone_numbers": [
            {
                "number": str(p.number),
                "label": p.label,
                "in_use": p.is_active,
                "spare": p.is_spare,
                "unusable_since": iso(p.unusable_since),
                "added": iso(p.created_at),
            }
            for p in PhoneNumber.objects.filter(user=person).order_by("-created_at")
        ],
        "followed_by": [
            {
                "worker": c.worker.get_full_name() or c.worker.username,
                "from": iso(c.started_at),
                "until": iso(c.ended_at),
            }
            for c in Caseload.objects.filter(client=person).select_related("worker").order_by("started_at")
        ],
        "sign_ins_by_code_or_link": [
            {"channel": code.channel, "sent": iso(code.created_at), "used": iso(code.used_at)}
            for code in SignInCode.objects.filter(user=person).order_by("created_at")
        ],
        "api_sign_ins": [
            {"signed_in_with": token.label, "signed_in": iso(token.created_at), "expires": iso(token.expires_at)}
            for token in ApiToken.objects.filter(user=person).order_by("created_at")
        ],
    }


def erase(person: User, now: datetime) -> None:
    # The history of who followed them stays (the unit's statistics); nobody follows them now.
    Caseload.objects.filter(client=person, ended_at__isnull=True).update(ended_at=now)
    PhoneNumber.objects.filter(user=person).delete()
    SignInCode.objects.filter(user=person).delete()
    ApiToken.objects.filter(user=person).delete()
    # The admin's history names the objects it changed ("Anna Berg"): it goes too.
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User), object_id=str(person.pk)).delete()
    person.username = f"erased-{person.pk}"
    person.first_name = person.last_name = person.email = ""
    # Nothing may sign in as them again, through ID-porten or the staff provider either.
    person.pid_hash = person.oidc_subject = None
    person.set_unusable_password()
    person.is_active = False
    changed = ["username", "first_name", "last_name", "email", "pid_hash", "oidc_subject", "password", "is_active"]
    person.save(update_fields=changed)


RECORD = Record(name="person", export=export, erase=erase)
