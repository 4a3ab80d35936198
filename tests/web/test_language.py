"""Pages are in Norwegian unless the person chooses English, and every field has a label.

Norwegian wording is still being written, so these tests read the ``lang`` attribute and
only look for exact words when the page is in English.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests import factories as f
from tests.factories import make_appointment
from tests.web.support import parse

pytestmark = pytest.mark.django_db


def lang_of(response) -> str | None:
    assert response.status_code == 200, response
    return parse(response).html_lang


def test_pages_are_in_norwegian_by_default(world, web_client):
    assert lang_of(web_client().get("/login/")) == "nb"
    assert lang_of(web_client(world.client).get("/my-day/")) == "nb"
    assert lang_of(web_client(world.worker).get("/today/")) == "nb"


def test_choosing_english_switches_the_pages_and_remembers_the_choice(world, web_client):
    me = web_client(world.client)

    response = me.post("/language/", {"language": "en", "next": "/my-day/"})

    assert response.status_code == 302
    assert response.url == "/my-day/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    world.client.refresh_from_db()
    assert world.client.language == "en"
    page = me.get("/my-day/")
    assert lang_of(page) == "en"
    assert "My day" in page.content.decode()
    assert "Book a meeting" in page.content.decode()


def test_choosing_norwegian_again_switches_back(world, web_client):
    me = web_client(world.client)
    me.post("/language/", {"language": "en", "next": "/my-day/"})

    me.post("/language/", {"language": "nb", "next": "/my-day/"})

    assert lang_of(me.get("/my-day/")) == "nb"
    world.client.refresh_from_db()
    assert world.client.language == "nb"


def test_a_signed_out_visitor_can_choose_english(world, web_client):
    visitor = web_client()

    response = visitor.post("/language/", {"language": "en", "next": "/login/"})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = visitor.get("/login/")
    assert lang_of(page) == "en"
    assert "Send me a code" in page.content.decode()


def test_the_saved_language_is_used_on_a_new_device(world, web_client):
    world.client.language = "en"
    world.client.save(update_fields=["language"])

    assert lang_of(web_client(world.client).get("/my-day/")) == "en"


def test_signing_in_sets_the_persons_language(world, web_client):
    world.worker.language = "en"
    world.worker.save(update_fields=["language"])
    client = web_client()

    f.enrol_app(world.worker)
    response = client.post(
        "/login/password/",
        {"username": "worker", "password": "a-long-test-password", "otp": f.app_code(world.worker)},
    )

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert lang_of(client.get("/today/")) == "en"


def test_an_unknown_language_or_an_outside_address_falls_back_safely(world, web_client):
    me = web_client(world.client)

    response = me.post("/language/", {"language": "de", "next": "https://evil.example/"})

    assert response.url == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nb"
    world.client.refresh_from_db()
    assert world.client.language == "nb"


def test_choosing_a_language_needs_a_post(world, web_client):
    assert web_client().get("/language/?language=en").status_code == 405


# --- Labels ------------------------------------------------------------------------------------------


def unlabelled_fields(response) -> list[str]:
    """Every field a person fills in, by name, that has no <label for=…> pointing at it."""
    page = parse(response)
    assert page.fields, "the page has no fields to check"
    return [
        f"{tag} {attrs.get('name') or attrs.get('id')}"
        for tag, attrs in page.fields
        if not attrs.get("id") or attrs["id"] not in page.label_for
    ]


SIGNED_OUT_FORMS = ["/login/", "/login/email/", "/login/password/"]


@pytest.mark.parametrize("url", SIGNED_OUT_FORMS)
def test_every_field_of_the_sign_in_forms_has_a_label(world, web_client, url):
    assert unlabelled_fields(web_client().get(url)) == []


def test_every_field_of_the_code_form_has_a_label(world, web_client):
    visitor = web_client()
    visitor.post("/login/", {"phone": "40000999"})

    assert unlabelled_fields(visitor.get("/login/code/")) == []


SERVICE_USER_FORMS = [
    "/reminders/",
    "/reminders/new/medication/",
    "/reminders/new/money/",
    "/reminders/new/routine/",
    "/details/",
    "/meetings/{appointment}/",
    "/meetings/{appointment}/cancel/",
]


@pytest.mark.parametrize("url", SERVICE_USER_FORMS)
def test_every_field_of_the_service_user_forms_has_a_label(world, web_client, url):
    appointment = make_appointment(world.meeting_type, world.client, timezone.now() + timedelta(days=3))

    response = web_client(world.client).get(url.format(appointment=appointment.pk))

    assert unlabelled_fields(response) == []


STAFF_FORMS = [
    "/calendar/",
    "/calendar/hours/",
    "/calendar/time-off/",
    "/calendar/types/",
    "/calendar/book/",
    "/caseload/{client}/phone/",
    "/account/notices/",
]


@pytest.mark.parametrize("url", STAFF_FORMS)
def test_every_field_of_the_staff_forms_has_a_label(world, web_client, url):
    response = web_client(world.worker).get(url.format(client=world.client.pk))

    assert unlabelled_fields(response) == []


def test_fields_keep_their_labels_when_the_form_shows_errors(world, web_client):
    response = web_client(world.client).post("/reminders/new/money/", {"title": "", "times": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert unlabelled_fields(response) == []


def test_a_language_picked_on_the_sign_in_page_is_kept_after_signing_in(client):
    from django.core.management import call_command

    from people.models import User

    call_command("seed_demo")
    client.post("/language/", {"language": "en", "next": "/login/password/"})
    worker = User.objects.get(username="worker1")
    client.post("/login/password/", {"username": "worker1", "password": "triangel-demo", "otp": f.app_code(worker)})
    assert User.objects.get(username="worker1").language == "en"
    assert '<html lang="en">' in client.get("/today/").content.decode()
