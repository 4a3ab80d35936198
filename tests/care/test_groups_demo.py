"""The demo has a responsibility group for user2 to find a time for, and seeding twice adds nothing."""

import io

import pytest
from django.core.management import call_command

from care.models import ExternalParticipant, GroupMeeting, GroupMember, ResponsibilityGroup
from care.selectors.groups import members_active


@pytest.mark.django_db
def test_the_demo_group_of_user2_has_worker_peer_and_two_externals_and_no_meeting() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    group = ResponsibilityGroup.objects.get(client__username="user2")
    assert {m.user.username for m in members_active(group=group)} == {"worker1", "peer1"}
    assert group.externals.count() == 2
    assert ResponsibilityGroup.objects.count() == 1
    assert GroupMember.objects.count() == 2
    assert ExternalParticipant.objects.count() == 2
    assert not GroupMeeting.objects.exists()
