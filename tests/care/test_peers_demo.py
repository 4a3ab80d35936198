import io

import pytest
from django.core.management import call_command

from care.models import Sharing

pytestmark = pytest.mark.django_db


def test_the_demo_has_user2_sharing_meetings_and_plan_with_peer1_only() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    (sharing,) = Sharing.objects.all()
    assert (sharing.user.username, sharing.peer.username) == ("user2", "peer1")
    assert sharing.appointments
    assert sharing.plan
    assert sharing.revoked_at is None
