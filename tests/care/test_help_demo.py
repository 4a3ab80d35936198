"""The demo unit's duty rota."""

import pytest
from django.core.management import call_command

from care.models import DutyShift, HelpSettings
from care.selectors import help as selectors
from tests.care.help_support import oslo

pytestmark = pytest.mark.django_db


def test_the_demo_rota_takes_turns_on_weekdays_with_the_coordinator_last_and_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")

    settings = HelpSettings.objects.get()
    assert settings.leader.username == "coordinator"
    assert (settings.crisis_line_name, settings.crisis_line_number) == ("Mental helse hjelpetelefon", "116 123")
    assert DutyShift.objects.count() == 10
    unit = settings.unit
    monday, tuesday = oslo(2026, 12, 7, 10), oslo(2026, 12, 8, 10)
    assert [u.username for u in selectors.escalation_chain(unit=unit, at=monday)] == [
        "worker1",
        "worker2",
        "coordinator",
    ]
    assert [u.username for u in selectors.escalation_chain(unit=unit, at=tuesday)] == [
        "worker2",
        "worker1",
        "coordinator",
    ]
    # Within the opening hours only: on Saturday nobody is on the rota.
    assert selectors.on_duty(unit=unit, at=oslo(2026, 12, 12, 10)) == []
