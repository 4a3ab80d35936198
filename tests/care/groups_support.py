"""Builders shared by the responsibility-group tests."""

from datetime import time

from booking.models import Calendar, WorkingHours
from care.models import ExternalParticipant, ResponsibilityGroup
from care.services import groups as services
from care.services.peers import sharing_set
from people.models import User


def set_hours(calendar: Calendar, hours: list[tuple[int, time, time]]) -> None:
    calendar.working_hours.all().delete()
    WorkingHours.objects.bulk_create([WorkingHours(calendar=calendar, weekday=w, start=s, end=e) for w, s, e in hours])


def make_group(world, members: list[User] | None = None, externals: bool = True) -> ResponsibilityGroup:
    """The client's group, set up by their worker, with the worker, the other worker and the peer."""
    group = services.group_create(actor=world.worker, client_id=world.client.pk)
    # A peer joins only on the person's word: they share with the peer.
    sharing_set(user=world.client, peer=world.peer, appointments=True, plan=False)
    for member in members if members is not None else [world.other_worker, world.peer]:
        services.member_add(actor=world.worker, group_id=group.pk, user_id=member.pk)
    if externals:
        ExternalParticipant.objects.create(
            group=group, name="Nina NAV", role="Adviser", organisation="NAV Sentrum", email="nina@nav.example"
        )
        ExternalParticipant.objects.create(group=group, name="Dr. Fjell", role="GP", phone="+4722000000")
    return group
