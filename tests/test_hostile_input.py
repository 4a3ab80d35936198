"""Requests an attacker, a careless client or a confused person might send.

Each one gets a 4xx with a message a person can act on, writes nothing, and costs a bounded
amount of work: a rule that never happens, more reminders than the daily cap, dates at the
ends of the calendar, bodies nested a thousand levels deep, negative money, local times with
a time zone, blank text where words are needed, and webhooks replayed later.
"""

import json
from datetime import date, timedelta

import pytest
from dateutil.rrule import rrule
from django.utils import timezone

from booking.models import Appointment
from care.models import Idea
from messaging.models import Delivery
from reminders.models import InboundSms, ReminderPlan, ReminderPreferences
from reminders.services import plans_materialize_all as plans_materialize
from tests.factories import local, make_appointment, next_weekday
from tests.reminders.support import OSLO, WEBHOOK_SECRET, make_plan, post_signed

pytestmark = pytest.mark.django_db

PLANS = "/api/reminder-plans/"


def refused(response, status: int = 400) -> dict:
    """The API's one error shape, with a message."""
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["message"]
    return error


@pytest.fixture
def no_unbounded_expansion(monkeypatch):
    """dateutil's own iteration searches a rule that never happens up to the year 9999 (15 s of
    CPU for 30 February); every path must use the bounded day-by-day expansion instead."""

    def unbounded(*args, **kwargs):
        raise AssertionError("a recurrence rule was expanded without a bound")

    monkeypatch.setattr(rrule, "_iter", unbounded)


# --- Recurrence rules: never, too many, too close ----------------------------------------------


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        # 30 February: accepted after 15.8 s of CPU on the old main.
        ("FREQ=DAILY;BYHOUR=8;BYMONTH=2;BYMONTHDAY=30", "aldri"),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31;BYHOUR=8;BYMINUTE=0", "aldri"),
        ("FREQ=MONTHLY;BYDAY=5MO;BYMONTH=2;BYMONTHDAY=1;BYHOUR=8", "aldri"),
        ("FREQ=DAILY;BYHOUR=8;UNTIL=19990101T000000", "aldri"),
        # 12 hours × 60 seconds: 1,139 SMS queued for 48 hours on the old main.
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0;BYSECOND=" + ",".join(map(str, range(60))), "12"),
        ("FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0,1", "15 minutter"),
        # Every minute for twelve minutes.
        ("FREQ=DAILY;BYHOUR=8;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11", "15 minutter"),
        ("FREQ=DAILY;BYHOUR=8,9;BYMINUTE=0,10", "15 minutter"),
        # 23:55 and 00:05 the next day are ten minutes apart too.
        ("FREQ=DAILY;BYHOUR=0,23;BYMINUTE=5,55", "15 minutter"),
        ("FREQ=DAILY;BYHOUR=8;COUNT=100000", "COUNT"),
        ("FREQ=DAILY;BYHOUR=8;INTERVAL=100000", "INTERVAL"),
        ("FREQ=YEARLY;BYWEEKNO=60;BYHOUR=8", "not supported|Not a valid"),
        ("FREQ=YEARLY;BYYEARDAY=200;BYHOUR=8", "not supported"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1;BYHOUR=8", "not supported"),
        ("FREQ=DAILY;BYHOUR=8;" + "BYMINUTE=0;" * 200, "500"),
    ],
)
def test_a_rule_beyond_the_budget_is_refused_with_the_reason(world, api, rule, reason, no_unbounded_expansion):
    response = api.as_(world.client).post(PLANS, {"kind": "routine", "title": "Tur", "rrule": rule}, format="json")
    error = refused(response)
    assert "rrule" in error["fields"]
    import re

    assert re.search(reason, " ".join(error["fields"]["rrule"]) + error["message"]), error
    assert not ReminderPlan.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=8;BYMINUTE=0",  # leap day: within four years
        "FREQ=DAILY;BYHOUR=0,23;BYMINUTE=0,30",  # 23:30 and 00:00 are half an hour apart
        "FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15,16,17,18,19;BYMINUTE=0",  # twelve a day is the cap
        "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=12;BYMINUTE=0",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=15;COUNT=20",
    ],
)
def test_rules_within_the_budget_are_accepted(world, api, rule, no_unbounded_expansion):
    response = api.as_(world.client).post(PLANS, {"kind": "routine", "title": "Tur", "rrule": rule}, format="json")
    assert response.status_code == 201, response.json()


def test_a_rule_that_changes_beyond_the_budget_is_refused_and_the_plan_stays(world, api, no_unbounded_expansion):
    client = api.as_(world.client)
    plan = client.post(PLANS, {"kind": "routine", "title": "Tur", "times": ["12:00"]}, format="json").json()
    response = client.patch(
        f"{PLANS}{plan['id']}/", {"rrule": "FREQ=DAILY;BYHOUR=8;BYMONTH=2;BYMONTHDAY=30"}, format="json"
    )
    refused(response)
    assert ReminderPlan.objects.get(pk=plan["id"]).rrule == plan["rrule"]


def test_a_stored_rule_that_never_happens_costs_only_its_window(world, no_unbounded_expansion):
    """A rule saved before the budget existed (30 February) is expanded over the days asked for
    and no further: materialising and My day do not search to the year 9999."""
    plan = make_plan(world.client, rrule="FREQ=DAILY;BYHOUR=8;BYMONTH=2;BYMONTHDAY=30")
    assert plans_materialize(now=timezone.now()) == 0
    assert not Delivery.objects.filter(about_id=plan.pk).exists()


def test_my_day_with_a_stored_rule_that_never_happens(world, client, no_unbounded_expansion):
    make_plan(world.client, rrule="FREQ=DAILY;BYHOUR=8;BYMONTH=2;BYMONTHDAY=30", title="Aldri")
    client.force_login(world.client)
    response = client.get("/my-day/")
    assert response.status_code == 200
    assert "Aldri" not in response.content.decode()


# --- Dates at the ends of the calendar ---------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    ["9999-12-31T23:00:00+01:00", "0001-01-01T00:00:00Z", "2201-01-05T09:00:00+01:00", "1899-12-31T09:00:00+01:00"],
)
def test_booking_at_the_ends_of_the_calendar_is_a_400(world, api, start):
    body = {"worker": world.worker.pk, "meeting_type": world.meeting_type.pk, "start": start}
    error = refused(api.as_(world.client).post("/api/appointments/", body, format="json"))
    assert "start" in error["fields"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("start", ["9999-12-31T23:00:00+01:00", "0001-01-01T00:00:00Z"])
def test_rescheduling_to_the_ends_of_the_calendar_is_a_400(world, api, start):
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    response = api.as_(world.client).post(
        f"/api/appointments/{appointment.pk}/reschedule/", {"start": start}, format="json"
    )
    refused(response)
    appointment.refresh_from_db()
    assert appointment.start == local(next_weekday(0), 9)


@pytest.mark.parametrize(
    ("first", "last"), [("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("2200-12-31", "2201-01-01")]
)
def test_free_times_at_the_ends_of_the_calendar_are_a_400(world, api, first, last):
    response = api.as_(world.client).get(
        f"/api/workers/{world.worker.pk}/slots/", {"meeting_type": world.meeting_type.pk, "start": first, "end": last}
    )
    refused(response)


def test_free_times_far_beyond_the_horizon_are_a_400_that_says_how_far_ahead(world, api):
    response = api.as_(world.client).get(
        f"/api/workers/{world.worker.pk}/slots/",
        {"meeting_type": world.meeting_type.pk, "start": "2200-12-30", "end": "2200-12-31"},
    )
    assert refused(response)["code"] == "beyond_horizon"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/calendar/overrides/", {"kind": "closed", "date": "9999-12-31"}),
        (
            "/api/calendar/overrides/",
            {"kind": "closed", "start": "0001-01-01T00:00:00Z", "end": "0001-01-02T00:00:00Z"},
        ),
        ("/api/group-meetings/", {"group": 1, "start": "9999-12-31T23:00:00+01:00", "duration_minutes": 60}),
    ],
)
def test_staff_dates_at_the_ends_of_the_calendar_are_a_400(world, api, path, body):
    refused(api.as_(world.worker).post(path, body, format="json"))


def test_the_appointment_list_from_a_far_date_is_a_400(world, api):
    refused(api.as_(world.client).get("/api/appointments/", {"from": "9999-12-31"}))


@pytest.mark.parametrize("field", ["date", "starts_on"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_plan_at_the_ends_of_the_calendar_is_a_400(world, api, field, day):
    body = {"kind": "routine", "title": "Tur", "times": ["12:00"], field: day}
    error = refused(api.as_(world.client).post(PLANS, body, format="json"))
    assert {field, "starts_on"} & set(error["fields"])
    assert not ReminderPlan.objects.exists()


@pytest.mark.parametrize(
    "query", ["week=9999-12-31", "week=0001-01-01", "week=2026-02-30", "week=%00", "day=9999-12-31"]
)
def test_the_workers_week_at_the_ends_of_the_calendar_shows_this_week(world, client, query):
    client.force_login(world.worker)
    response = client.get(f"/calendar/?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "start", ["9999-12-31T23:00:00+01:00", "0001-01-01T00:00:00+01:00", "2027-02-30T10:00:00+01:00", "2027-01-04T10:00"]
)
def test_booking_on_the_web_with_an_impossible_time_goes_back_to_the_free_times(world, client, start):
    client.force_login(world.client)
    response = client.post(f"/book/{world.meeting_type.pk}/confirm/", {"start": start})
    assert response.status_code == 302
    assert response.url.endswith(f"/book/{world.meeting_type.pk}/")
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("occurrence", ["9999-12-31T23:00:00-01:00", "2027-02-30T08:00:00+01:00", "not a time"])
def test_ticking_off_an_impossible_occurrence_is_a_404(world, client, occurrence):
    plan = make_plan(world.client)
    client.force_login(world.client)
    response = client.post("/my-day/tick/", {"plan": plan.pk, "occurrence": occurrence})
    assert response.status_code == 404


# --- Bodies nested too deep --------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_a_body_nested_too_deep_is_a_400_for_a_signed_in_user(world, api, depth):
    response = api.as_(world.client).post(PLANS, data=nested(depth), content_type="application/json")
    assert "dypt" in refused(response)["message"]  # "nested too deeply", in the default language
    assert not ReminderPlan.objects.exists()


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/appointments/", "/api/sms/inbound/", "/api/sms/status/"])
def test_a_body_nested_too_deep_is_a_4xx_before_signing_in(db, api, path):
    response = api.anonymous().post(path, data='{"a":' * 1000 + "1" + "}" * 1000, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]["message"]


def test_a_body_nested_a_little_is_read_as_usual(world, api):
    # 32 levels are allowed; the API itself never nests that deep, so this is a plain 400.
    body = {"kind": "routine", "title": "Tur", "times": ["12:00"], "extra": json.loads(nested(30))}
    assert api.as_(world.client).post(PLANS, body, format="json").status_code == 201


# --- Money, times of day, blank words -----------------------------------------------------------


@pytest.mark.parametrize("amount", ["-1", "-0.01", "NaN", "Infinity", "1e400", "99999999999"])
def test_a_bad_amount_of_money_is_refused(world, api, amount):
    body = {"kind": "money", "money_kind": "bill", "title": "Husleie", "day_of_month": 1, "times": ["12:00"]}
    error = refused(api.as_(world.client).post(PLANS, {**body, "amount": amount}, format="json"))
    assert "amount" in error["fields"]
    assert not ReminderPlan.objects.exists()


def test_no_money_at_all_is_fine(world, api):
    body = {"kind": "money", "money_kind": "bill", "title": "Husleie", "day_of_month": 1, "times": ["12:00"]}
    assert api.as_(world.client).post(PLANS, {**body, "amount": "0"}, format="json").status_code == 201


@pytest.mark.parametrize("value", ["07:07:56.7054+23:27", "08:00+01:00", "08:00Z", "08:00:00.5", "25:00", "8"])
def test_a_time_of_day_with_a_zone_or_fractions_is_refused_in_a_plan(world, api, value):
    body = {"kind": "routine", "title": "Tur", "times": [value]}
    error = refused(api.as_(world.client).post(PLANS, body, format="json"))
    assert any(name.startswith("times") for name in error["fields"])


@pytest.mark.parametrize("field", ["quiet_start", "quiet_end", "morning_summary_time"])
def test_a_time_of_day_with_a_zone_is_refused_in_the_settings(world, api, field):
    before = api.as_(world.client).get("/api/reminder-preferences/").json()
    response = api.as_(world.client).patch("/api/reminder-preferences/", {field: "07:07:56.7054+23:27"}, format="json")
    assert field in refused(response)["fields"]
    assert api.as_(world.client).get("/api/reminder-preferences/").json() == before


def test_a_working_day_with_a_zone_is_refused(world, api):
    body = {"weekday": 0, "start": "08:00+05:00", "end": "16:00"}
    assert "start" in refused(api.as_(world.worker).post("/api/calendar/working-hours/", body, format="json"))["fields"]


@pytest.mark.parametrize(
    ("who", "path", "body", "field"),
    [
        ("client", PLANS, {"kind": "routine", "title": "   ", "times": ["12:00"]}, "title"),
        ("client", "/api/feedback/ideas/", {"title": " \t "}, "title"),
        ("worker", "/api/calendar/meeting-types/", {"name": "  ", "duration_minutes": 30}, "name"),
    ],
)
def test_blank_words_where_words_are_needed_are_refused(world, api, who, path, body, field):
    response = api.as_(getattr(world, who)).post(path, body, format="json")
    assert field in refused(response)["fields"]
    assert not ReminderPlan.objects.exists()
    assert not Idea.objects.exists()


def test_a_reason_for_cancelling_longer_than_500_characters_is_refused(world, api):
    appointment = make_appointment(world.meeting_type, world.client, local(next_weekday(0), 9))
    response = api.as_(world.client).post(
        f"/api/appointments/{appointment.pk}/cancel/", {"reason": "x" * 501}, format="json"
    )
    assert "reason" in refused(response)["fields"]
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


# --- Webhooks replayed -------------------------------------------------------------------------


@pytest.fixture
def signed(settings):
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET


def stop_from_client(message_id: str = "in-1") -> dict:
    return {"from": "+4740000001", "text": "STOPP", "message_id": message_id}


@pytest.mark.parametrize("age", [301, 3600, -301, 10**11])
def test_a_webhook_stamped_outside_five_minutes_is_refused(world, api, signed, age):
    stamp = int(timezone.now().timestamp()) - age
    response = post_signed(api.anonymous(), "/api/sms/inbound/", stop_from_client(), timestamp=stamp)
    assert response.status_code == 404
    assert not InboundSms.objects.exists()
    assert not ReminderPreferences.objects.filter(user=world.client, sms_enabled=False).exists()


def test_a_webhook_within_five_minutes_is_accepted(world, api, signed):
    stamp = int(timezone.now().timestamp()) - 240
    assert post_signed(api.anonymous(), "/api/sms/inbound/", stop_from_client(), timestamp=stamp).status_code == 204


def test_a_captured_webhook_cannot_be_restamped(world, api, signed):
    """The timestamp is signed with the body: changing it to now breaks the signature."""
    old = int(timezone.now().timestamp()) - 3600
    raw = json.dumps(stop_from_client()).encode()
    from tests.reminders.support import signature

    response = api.anonymous().post(
        "/api/sms/inbound/",
        data=raw,
        content_type="application/json",
        HTTP_X_TRIANGEL_TIMESTAMP=str(int(timezone.now().timestamp())),
        HTTP_X_TRIANGEL_SIGNATURE=signature(raw, WEBHOOK_SECRET, str(old)),
    )
    assert response.status_code == 404
    assert not InboundSms.objects.exists()


def test_a_webhook_signed_the_old_way_without_a_timestamp_is_refused(world, api, signed):
    import hashlib
    import hmac

    raw = json.dumps(stop_from_client()).encode()
    response = api.anonymous().post(
        "/api/sms/inbound/",
        data=raw,
        content_type="application/json",
        HTTP_X_TRIANGEL_SIGNATURE=hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest(),
    )
    assert response.status_code == 404
    assert not InboundSms.objects.exists()


@pytest.mark.parametrize("stamp", ["", "abc", "1e9", "-5", " 1700000000", "9" * 40])
def test_a_malformed_webhook_timestamp_is_refused(world, api, signed, stamp):
    raw = json.dumps(stop_from_client()).encode()
    from tests.reminders.support import signature

    response = api.anonymous().post(
        "/api/sms/inbound/",
        data=raw,
        content_type="application/json",
        HTTP_X_TRIANGEL_TIMESTAMP=stamp,
        HTTP_X_TRIANGEL_SIGNATURE=signature(raw, WEBHOOK_SECRET, stamp),
    )
    assert response.status_code == 404


# --- Odd ids and query strings -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "1.5", "x", "0"])
def test_odd_ids_in_query_strings_are_a_4xx(world, api, value):
    for path, params in [
        (PLANS, {"user": value}),
        ("/api/group-meetings/", {"group": value}),
        (f"/api/workers/{world.worker.pk}/slots/", {"meeting_type": value, "start": "2027-01-04", "end": "2027-01-05"}),
    ]:
        response = api.as_(world.worker).get(path, params)
        assert response.status_code < 500, (path, response.content)


def test_a_huge_id_in_a_path_is_a_404(world, api):
    response = api.as_(world.client).get("/api/appointments/99999999999999999999999/")
    assert response.status_code == 404


@pytest.mark.parametrize("value", [str(2**63), "9" * 19, "9" * 40])
def test_an_id_past_what_a_column_holds_matches_no_url(world, api, value):
    for path in (f"/api/appointments/{value}/", f"/api/group-meetings/groups/{value}/", f"/meetings/{value}/"):
        assert api.as_(world.client).get(path).status_code == 404, path


@pytest.mark.parametrize("field", ["peer", "appointment"])
def test_an_id_past_what_a_column_holds_in_a_body_is_a_400(world, api, field):
    body = {"peer": world.peer.pk, "appointments": True, "plan": False, "appointment": 1, "face": 3}
    body[field] = 2**63
    path = "/api/sharing/" if field == "peer" else "/api/feedback/"
    assert field in refused(api.as_(world.client).post(path, body, format="json"))["fields"]


@pytest.mark.parametrize("secret", ["%00abc", "abc%00", "ab%2Fcd", "a.b"])
def test_a_calendar_feed_secret_with_characters_no_secret_has_is_a_404(db, api, secret):
    assert api.anonymous().get(f"/api/calendar/feed/{secret}.ics").status_code == 404


@pytest.mark.parametrize(
    "key", ["abc\x00def", "a" * 39, "a" * 41, "a" * 42, "a" * 44, "ab cd", "æøå", "+/" + "a" * 41, "a" * 42 + "\x00"]
)
def test_a_token_no_token_can_be_is_refused_before_the_database(db, api, key, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = api.anonymous().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401


def _today() -> date:
    return timezone.now().astimezone(OSLO).date()


def test_a_plan_starting_far_back_is_refused(world, api):
    body = {
        "kind": "routine",
        "title": "Tur",
        "times": ["12:00"],
        "starts_on": (_today() - timedelta(days=400)).isoformat(),
    }
    assert "starts_on" in refused(api.as_(world.client).post(PLANS, body, format="json"))["fields"]
