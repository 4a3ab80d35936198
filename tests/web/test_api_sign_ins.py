"""My sign-ins: a person sees the apps signed in to their account through the API and ends them,
one or all. Signing out of the web ends the web session, never those sign-ins."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from people.models import ApiToken
from people.services import api_token_issue

pytestmark = pytest.mark.django_db


def works(secret: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get("/api/me/").status_code == 200


@pytest.mark.parametrize("who", ["client", "worker", "peer", "coordinator"])
def test_everyone_signed_in_sees_their_own_sign_ins_only(world, web_client, who):
    person = getattr(world, who)
    api_token_issue(user=person, label="Triangel-app (Android)")
    api_token_issue(user=person, label="Old app", now=timezone.now() - timedelta(days=40))  # expired
    api_token_issue(user=world.other_client, label="Someone else's phone")

    page = web_client(person, english=True).get("/sign-ins/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Triangel-app (Android)" in html
    assert "Old app" not in html
    assert "Someone else&#x27;s phone" not in html
    assert "End all sign-ins" in html


@pytest.mark.parametrize(("who", "page"), [("client", "/details/"), ("worker", "/today/"), ("coordinator", "/ideas/")])
def test_the_page_is_reached_from_where_the_person_finds_their_own_things(world, web_client, who, page):
    assert 'href="/sign-ins/"' in web_client(getattr(world, who)).get(page).content.decode()


def test_with_no_sign_ins_the_page_says_so(world, web_client):
    html = web_client(world.worker, english=True).get("/sign-ins/").content.decode()
    assert "No app is signed in with your account." in html
    assert "End all sign-ins" not in html


def test_a_person_who_is_not_signed_in_is_sent_to_sign_in(world, web_client):
    response = web_client().get("/sign-ins/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_ending_one_sign_in_stops_only_that_app(world, web_client):
    phone, phone_secret = api_token_issue(user=world.client, label="Phone")
    _laptop, laptop_secret = api_token_issue(user=world.client, label="Laptop")

    response = web_client(world.client, english=True).post(f"/sign-ins/{phone.pk}/end/", follow=True)

    assert response.redirect_chain == [("/sign-ins/", 302)]
    assert "That sign-in has ended." in response.content.decode()
    assert not works(phone_secret)
    assert works(laptop_secret)


def test_ending_someone_elses_sign_in_is_a_404_and_it_goes_on_working(world, web_client):
    theirs, secret = api_token_issue(user=world.other_client, label="Phone")
    assert web_client(world.client).post(f"/sign-ins/{theirs.pk}/end/").status_code == 404
    assert works(secret)


def test_ending_all_sign_ins_ends_the_persons_own(world, web_client):
    secrets = [api_token_issue(user=world.worker, label=f"App {n}")[1] for n in range(3)]
    _theirs, their_secret = api_token_issue(user=world.other_worker, label="Phone")

    response = web_client(world.worker, english=True).post("/sign-ins/end-all/", follow=True)

    assert "3 sign-ins have ended." in response.content.decode()
    assert not any(works(secret) for secret in secrets)
    assert works(their_secret)


def test_ending_takes_a_post_with_the_forms_csrf_token(world):
    token, secret = api_token_issue(user=world.client, label="Phone")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.client)

    assert browser.get(f"/sign-ins/{token.pk}/end/").status_code == 405
    assert browser.post(f"/sign-ins/{token.pk}/end/").status_code == 403
    assert browser.post("/sign-ins/end-all/").status_code == 403
    assert works(secret)

    page = browser.get("/sign-ins/")
    csrf = page.context["csrf_token"]
    assert browser.post(f"/sign-ins/{token.pk}/end/", {"csrfmiddlewaretoken": str(csrf)}).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_signing_out_on_the_web_ends_the_session_and_leaves_the_api_sign_ins_working(world, web_client):
    _token, secret = api_token_issue(user=world.worker, label="Phone")
    browser = web_client(world.worker)

    response = browser.post("/logout/")

    assert response.status_code == 302
    assert browser.get("/today/").status_code == 302  # signed out on the web
    assert works(secret)
    assert ApiToken.objects.filter(user=world.worker).count() == 1
