"""Staff and peers keep their own settings for the notices they get (quiet hours, language,
SMS or e-mail) on a page reached from "My sign-ins"; saving new quiet hours there, or on a
service user's reminders page, re-times what is already planned."""

from datetime import time, timedelta

import pytest
from django.conf import settings

from messaging.models import Delivery
from people.models import User
from reminders.models import MessageKind, ReminderPreferences
from tests import factories as f
from tests.reminders.support import make_delivery

pytestmark = pytest.mark.django_db
PAGE = "/account/notices/"


def planned_for(person: User, hour: int, minute: int = 0) -> Delivery:
    due = f.local(f.next_weekday(2, min_days_ahead=3), hour, minute)
    return make_delivery(person, kind=MessageKind.STAFF_ALERT, due_at=due, expires_at=due + timedelta(days=1))


@pytest.mark.parametrize("who", ["worker", "peer", "coordinator"])
def test_staff_and_peers_reach_their_notice_settings_from_their_sign_ins_page(world, web_client, who) -> None:
    client = web_client(getattr(world, who))

    assert PAGE.encode() in client.get("/sign-ins/").content
    # The menu links it too, current on its own page.
    assert f'<a href="{PAGE}"'.encode() in client.get("/sign-ins/").content.split(b"</nav>")[0]
    page = client.get(PAGE)

    assert page.status_code == 200
    text = page.content.decode()
    assert "Mine varsler" in text
    assert "Ingen meldinger fra" in text
    assert "Varsler på SMS" in text
    # Only what applies to them: no discreet texts or morning summary of reminders.
    assert 'name="discreet"' not in text
    assert 'name="morning_summary"' not in text
    assert 'name="language"' in text


def test_a_worker_saves_quiet_hours_and_language_and_a_planned_notice_moves(world, web_client) -> None:
    row = planned_for(world.worker, 8, 30)

    response = web_client(world.worker).post(
        PAGE, {"channel_sms": "on", "quiet_start": "21:00", "quiet_end": "09:00", "language": "en"}
    )

    assert response.status_code == 302
    prefs = ReminderPreferences.objects.get(user=world.worker)
    assert (prefs.quiet_start, prefs.quiet_end) == (time(21), time(9))
    assert User.objects.get(pk=world.worker.pk).language == "en"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    row.refresh_from_db()
    assert row.due_at.astimezone(f.OSLO).time() == time(9)


def test_a_language_not_offered_is_refused_on_the_page(world, web_client) -> None:
    response = web_client(world.peer).post(
        PAGE, {"channel_sms": "on", "quiet_start": "22:00", "quiet_end": "08:00", "language": "de"}
    )

    assert response.status_code == 200
    assert User.objects.get(pk=world.peer.pk).language == "nb"
    assert not ReminderPreferences.objects.filter(user=world.peer).exists()


def test_a_service_user_is_sent_to_their_own_reminders_page_instead(world, web_client) -> None:
    response = web_client(world.client).get(PAGE)

    assert response.status_code == 302


def test_a_service_user_saving_new_quiet_hours_on_the_reminders_page_moves_planned_reminders(world, web_client) -> None:
    row = planned_for(world.client, 7, 30)
    row.kind = MessageKind.APPOINTMENT
    row.save(update_fields=["kind"])

    response = web_client(world.client).post(
        "/reminders/", {"channel_sms": "on", "quiet_start": "22:00", "quiet_end": "09:00", "discreet": "on"}
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.due_at.astimezone(f.OSLO).time() == time(9)
    assert ReminderPreferences.objects.get(user=world.client).discreet is True
