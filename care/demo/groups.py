"""Demo data for responsibility groups: Jonas (user2) with his worker, the peer and two
people from outside the service. No meeting is booked, so "find a time" has work to do."""

from care.models import ExternalParticipant, GroupMember, ResponsibilityGroup
from people.models import User

EXTERNALS = [
    {"name": "Nina Solberg", "role": "Veileder", "organisation": "NAV Sentrum", "email": "nina.solberg@nav.example"},
    {"name": "Dr. Erik Fjell", "role": "Fastlege", "organisation": "Sentrum legekontor", "phone": "+4722000000"},
]


def seed() -> None:
    """Idempotent: running it twice creates nothing new."""
    client = User.objects.filter(username="user2").first()
    coordinator = User.objects.filter(username="coordinator").first()
    if client is None or coordinator is None:
        return
    group, _created = ResponsibilityGroup.objects.get_or_create(client=client, defaults={"created_by": coordinator})
    # Only people with a calendar take part in finding a time; the coordinator leads the
    # group without one.
    for username in ("worker1", "peer1"):
        member = User.objects.filter(username=username, calendar__isnull=False).first()
        if member is not None and not group.members.filter(user=member, removed_at__isnull=True).exists():
            GroupMember.objects.create(group=group, user=member)
    for values in EXTERNALS:
        if not group.externals.filter(name=values["name"]).exists():
            ExternalParticipant.objects.create(group=group, **values)
