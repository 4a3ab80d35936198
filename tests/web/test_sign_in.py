"""Signing in on the web: a code by SMS, a link by e-mail, or a password for staff.

Nothing a page says or does may reveal whether a phone number or address belongs to
someone; codes and links work once, expire, and resist guessing.
"""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db.models import F
from django.test import Client

from people.models import SignInCode
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

KNOWN = "400 00 001"  # world.client's active number, typed the way people do
UNKNOWN = "400 00 999"


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def sent_sms(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def code_in(sms: dict) -> str:
    return re.search(r"\b(\d{6})\b", sms["text"]).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def ask_for_code(client: Client, phone: str = KNOWN):
    return client.post("/login/", {"phone": phone})


def enter_code(client: Client, code: str):
    return client.post("/login/code/", {"code": code})


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def without_csrf(html: bytes) -> str:
    """The page with its per-browser CSRF tokens blanked, so two pages can be compared."""
    text = html.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', text)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', text)


# --- SMS code -----------------------------------------------------------------------------------


def test_asking_for_a_code_sends_one_sms_to_the_active_number_and_shows_the_code_page(world, sms_file):
    client = Client()

    response = ask_for_code(client)

    assert response.status_code == 302
    assert response.url == "/login/code/"
    messages = sent_sms(sms_file)
    assert len(messages) == 1
    assert messages[0]["to"] == "+4740000001"
    assert re.search(r"\b\d{6}\b", messages[0]["text"])
    assert client.get("/login/code/").status_code == 200


def test_the_right_code_signs_the_person_in_and_takes_them_to_my_day(world, sms_file):
    client = Client()
    ask_for_code(client)

    response = client.post("/login/code/", {"code": code_in(sent_sms(sms_file)[0])}, follow=True)

    assert response.redirect_chain[-1][0] == "/my-day/"
    assert response.status_code == 200
    assert signed_in_user_id(client) == world.client.pk


def test_the_code_page_without_asking_for_a_code_first_goes_back_to_the_number(world):
    response = Client().get("/login/code/")

    assert response.status_code == 302
    assert response.url == "/login/"


def test_a_code_works_only_once(world, sms_file):
    first = Client()
    ask_for_code(first)
    code = code_in(sent_sms(sms_file)[0])
    assert signed_in_user_id(first) is None
    enter_code(first, code)
    assert signed_in_user_id(first) == world.client.pk

    # Someone who saw the SMS tries the same code in another browser.
    second = Client()
    session = second.session
    session["sign_in_phone"] = KNOWN
    session.save()
    response = enter_code(second, code)

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert signed_in_user_id(second) is None


def test_an_expired_code_is_refused(world, sms_file):
    client = Client()
    ask_for_code(client)
    code = code_in(sent_sms(sms_file)[0])
    # Eleven minutes later: the code lived for ten.
    SignInCode.objects.update(
        created_at=F("created_at") - timedelta(minutes=11), expires_at=F("expires_at") - timedelta(minutes=11)
    )

    response = enter_code(client, code)

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert signed_in_user_id(client) is None


def test_five_wrong_guesses_lock_the_code_even_if_the_right_one_comes_next(world, sms_file):
    client = Client()
    ask_for_code(client)
    code = code_in(sent_sms(sms_file)[0])

    for _ in range(5):
        assert enter_code(client, wrong(code)).status_code == 200
    response = enter_code(client, code)

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert signed_in_user_id(client) is None


def test_four_wrong_guesses_still_leave_the_right_code_usable(world, sms_file):
    client = Client()
    ask_for_code(client)
    code = code_in(sent_sms(sms_file)[0])

    for _ in range(4):
        enter_code(client, wrong(code))
    enter_code(client, code)

    assert signed_in_user_id(client) == world.client.pk


def test_an_unknown_number_gets_the_same_answer_and_no_sms(world, sms_file):
    known, unknown = Client(), Client()

    known_response = ask_for_code(known, KNOWN)
    unknown_response = ask_for_code(unknown, UNKNOWN)

    assert (unknown_response.status_code, unknown_response.url) == (known_response.status_code, known_response.url)
    known_page, unknown_page = known.get("/login/code/"), unknown.get("/login/code/")
    assert unknown_page.status_code == known_page.status_code == 200
    assert without_csrf(unknown_page.content) == without_csrf(known_page.content)
    # A guessed code is refused with the same page as a wrong code for a known number.
    known_refusal, unknown_refusal = enter_code(known, "123456"), enter_code(unknown, "123456")
    assert without_csrf(unknown_refusal.content) == without_csrf(known_refusal.content)
    assert [m["to"] for m in sent_sms(sms_file)] == ["+4740000001"]


def test_an_inactive_number_gets_no_code(world, sms_file):
    world.client.phone_numbers.update(is_active=False)

    response = ask_for_code(Client())

    assert response.url == "/login/code/"
    assert sent_sms(sms_file) == []


def test_a_malformed_number_is_shown_as_a_form_error(world, sms_file):
    response = ask_for_code(Client(), "12")

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert sent_sms(sms_file) == []


def test_at_most_three_codes_are_sent_to_a_person_in_fifteen_minutes(world, sms_file):
    for attempt in range(5):
        response = ask_for_code(Client())
        # The same answer every time: the limit is not announced.
        assert response.url == "/login/code/", attempt

    assert len(sent_sms(sms_file)) == 3
    assert SignInCode.objects.filter(user=world.client).count() == 3


def test_the_latest_of_several_codes_is_the_one_that_works(world, sms_file):
    client = Client()
    ask_for_code(client)
    ask_for_code(client)
    older, newer = (code_in(m) for m in sent_sms(sms_file))

    enter_code(client, older)
    assert signed_in_user_id(client) is None or older == newer
    enter_code(client, newer)
    assert signed_in_user_id(client) == world.client.pk


def test_many_attempts_from_one_address_get_a_friendly_429_page(world, sms_file):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    statuses = [ask_for_code(client, UNKNOWN).status_code for _ in range(25)]

    assert statuses[0] == 302
    assert statuses[-1] == 429
    response = ask_for_code(client, UNKNOWN)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert b'<html lang="en">' in response.content
    assert b"Too many tries" in response.content


def test_the_rate_limit_of_one_address_does_not_stop_reading_the_page(world, sms_file):
    client = Client()
    for _ in range(25):
        ask_for_code(client, UNKNOWN)

    assert client.get("/login/").status_code == 200


def test_many_guessed_codes_from_one_address_get_a_429(world, sms_file):
    client = Client()
    ask_for_code(client)
    statuses = [enter_code(client, "000000").status_code for _ in range(35)]

    assert statuses[-1] == 429


# --- E-mail link ---------------------------------------------------------------------------------


@pytest.fixture
def with_email(world):
    world.client.email = "anna@example.no"
    world.client.save(update_fields=["email"])
    return world


def link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/login/link/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_asking_for_a_link_sends_one_email_with_a_sign_in_link(with_email):
    response = Client().post("/login/email/", {"email": "Anna@Example.no"})

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.no"]
    assert link_in(mail.outbox[0]).startswith("/login/link/")


def test_an_unknown_address_gets_the_same_page_and_no_email(with_email):
    known = Client().post("/login/email/", {"email": "anna@example.no"})
    unknown = Client().post("/login/email/", {"email": "nobody@example.no"})

    assert unknown.status_code == known.status_code == 200
    assert without_csrf(unknown.content) == without_csrf(known.content)
    assert len(mail.outbox) == 1


def test_opening_the_link_only_shows_a_button_and_does_not_sign_in(with_email):
    # Mail scanners follow links; only a person pressing the button may use it up.
    Client().post("/login/email/", {"email": "anna@example.no"})
    client = Client()

    response = client.get(link_in(mail.outbox[0]))

    assert response.status_code == 200
    assert b'<form method="post">' in response.content
    assert b'type="submit"' in response.content
    assert signed_in_user_id(client) is None
    assert SignInCode.objects.get(channel=SignInCode.Channel.EMAIL).used_at is None


def test_pressing_the_button_on_the_link_signs_in(with_email):
    Client().post("/login/email/", {"email": "anna@example.no"})
    client = Client()
    link = link_in(mail.outbox[0])
    client.get(link)

    response = client.post(link, follow=True)

    assert response.redirect_chain[-1][0] == "/my-day/"
    assert signed_in_user_id(client) == with_email.client.pk


def test_a_link_works_only_once(with_email):
    Client().post("/login/email/", {"email": "anna@example.no"})
    link = link_in(mail.outbox[0])
    Client().post(link)

    again = Client()
    response = again.post(link)

    assert response.status_code == 400
    assert signed_in_user_id(again) is None


def test_an_expired_link_is_refused(with_email):
    Client().post("/login/email/", {"email": "anna@example.no"})
    SignInCode.objects.update(
        created_at=F("created_at") - timedelta(minutes=21), expires_at=F("expires_at") - timedelta(minutes=21)
    )
    client = Client()

    response = client.post(link_in(mail.outbox[0]))

    assert response.status_code == 400
    assert signed_in_user_id(client) is None


# --- Password and signing out -----------------------------------------------------------------------


def test_staff_sign_in_with_a_password_and_their_app_code_and_land_on_today(world):
    f.enrol_app(world.worker)
    client = Client()

    response = client.post(
        "/login/password/",
        {"username": "worker", "password": PASSWORD, "otp": f.app_code(world.worker)},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/today/"
    assert signed_in_user_id(client) == world.worker.pk


def test_a_wrong_password_signs_nobody_in(world):
    client = Client()

    response = client.post("/login/password/", {"username": "worker", "password": "wrong"})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert signed_in_user_id(client) is None


def test_signing_out_needs_a_post(world):
    client = Client()
    client.force_login(world.client)

    assert client.get("/logout/").status_code == 405
    assert signed_in_user_id(client) == world.client.pk

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response.url == "/login/"
    assert signed_in_user_id(client) is None
    assert client.get("/my-day/").status_code == 302
