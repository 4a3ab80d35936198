"""Signing in through OpenID Connect, end to end against real providers (tests/oidc/provider.py,
run as processes): Django's test client plays the browser on Triangel's side, and an HTTP
client presses "Sign in" at the provider, the redirects followed by hand.

Anything that goes wrong signs nobody in and says what to do; nobody is ever created."""

import json
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client
from django.utils.translation import gettext, override

from audit.models import AccessEntry
from people import oidc as identities
from people.models import User
from people.services import person_erase
from tests import factories as f
from tests.oidc.fixtures import free_port
from tests.oidc.numbers import make_pid, with_wrong_check_digit
from tests.web.support import forms_posting_to, links_to

pytestmark = pytest.mark.django_db

PID = make_pid(date(1990, 1, 1))
UNKNOWN_PID = make_pid(date(1977, 5, 17), 300)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def local(url: str) -> str:
    """A URL of Triangel's as the test client asks for it: path and query."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start(client: Client, provider: str) -> str:
    """Press the provider's button on the sign-in page: the URL the browser is sent to."""
    response = client.get(f"/login/oidc/{provider}/")
    assert response.status_code == 302, response.content
    return response.url


def press_sign_in_at_provider(authorize_url: str) -> str:
    """What the person does at the provider: the page with the button, then the button. The
    URL the provider sends the browser back to."""
    page = httpx.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    assert "Sign in" in page.text
    answer = httpx.post(authorize_url, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sign_in(client: Client, provider: str) -> object:
    """The whole way: start, sign in at the provider, come back. Triangel's last answer."""
    return client.get(local(press_sign_in_at_provider(start(client, provider))))


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


@pytest.fixture
def anna(world) -> User:
    identities.person_pid_set(actor=world.worker, person_id=world.client.pk, pid=PID)
    return world.client


# --- Service users with ID-porten ----------------------------------------------------------------


def test_a_service_user_signs_in_with_id_porten_and_lands_on_their_day(anna, oidc):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID, acr="idporten-loa-substantial", amr=["BankID"])
    client = Client()

    authorize_url = start(client, "users")
    sent = query_of(authorize_url)
    response = client.get(local(press_sign_in_at_provider(authorize_url)), follow=True)

    assert response.redirect_chain[-1][0] == "/my-day/"
    assert signed_in_user_id(client) == anna.pk
    assert authorize_url.startswith(f"{oidc.users.issuer}/authorize?")
    assert (sent["code_challenge_method"], sent["client_id"]) == ("S256", "triangel-users")
    assert sent["state"]
    assert sent["nonce"]
    assert sent["code_challenge"]
    assert [e["status"] for e in oidc.users.events("token")] == [200]


def test_the_session_keeps_which_provider_and_the_id_token_but_never_the_number_readable(anna, oidc):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID)
    client = Client()

    sign_in(client, "users")

    session = dict(client.session)
    assert session["oidc_provider"] == {"name": "users", "user": anna.pk}
    held = json.dumps(session)
    assert PID not in held
    assert "eyJ" not in held  # no readable JWT: the ID token carries the number
    assert not User.objects.filter(pk=anna.pk, pid_hash=PID).exists()


def test_an_unknown_number_is_told_to_ask_their_worker_and_nobody_is_created(world, oidc):
    oidc.users.sign_in_as(sub="idporten-sub-stranger", pid=UNKNOWN_PID)
    people_before = User.objects.count()
    client = Client()

    response = sign_in(client, "users")

    assert response.status_code == 403
    assert "Triangel kjenner deg ikke" in response.content.decode()
    assert "registrere fødselsnummeret ditt" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert User.objects.count() == people_before


def test_the_number_of_an_inactive_person_signs_nobody_in(anna, oidc):
    User.objects.filter(pk=anna.pk).update(is_active=False)
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID)
    client = Client()

    assert sign_in(client, "users").status_code == 403
    assert signed_in_user_id(client) is None


def test_the_number_of_an_erased_person_signs_nobody_in(anna, world, oidc):
    person_erase(actor=world.coordinator, person_id=anna.pk, reason="Asked to be forgotten")
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID)
    client = Client()

    assert sign_in(client, "users").status_code == 403
    assert signed_in_user_id(client) is None


# --- Staff with the municipality's provider ------------------------------------------------------


def test_staff_sign_in_by_the_subject_they_signed_in_with_before(world, oidc):
    User.objects.filter(pk=world.worker.pk).update(oidc_subject="entra-kari")
    oidc.staff.sign_in_as(sub="entra-kari", amr=["pwd", "mfa"])
    client = Client()

    response = client.get(local(press_sign_in_at_provider(start(client, "staff"))), follow=True)

    assert signed_in_user_id(client) == world.worker.pk
    assert response.redirect_chain[-1][0] == "/today/"


def test_staff_sign_in_the_first_time_by_e_mail_and_the_subject_is_remembered(world, oidc):
    User.objects.filter(pk=world.worker.pk).update(email="kari.nordmann@kommune.no")
    oidc.staff.sign_in_as(sub="entra-kari", email="Kari.Nordmann@kommune.no", amr=["mfa"])
    client = Client()

    sign_in(client, "staff")

    assert signed_in_user_id(client) == world.worker.pk
    world.worker.refresh_from_db()
    assert world.worker.oidc_subject == "entra-kari"


def test_the_groups_claim_gives_staff_the_role_it_is_mapped_to(world, oidc, settings):
    staff = {**settings.OIDC_PROVIDERS["staff"], "role_groups": [["triangel-leaders", "coordinator"]]}
    settings.OIDC_PROVIDERS = {**settings.OIDC_PROVIDERS, "staff": staff}
    User.objects.filter(pk=world.worker.pk).update(oidc_subject="entra-kari")
    oidc.staff.sign_in_as(sub="entra-kari", groups=["everyone", "triangel-leaders"], amr=["mfa"])
    client = Client()

    response = client.get(local(press_sign_in_at_provider(start(client, "staff"))), follow=True)

    world.worker.refresh_from_db()
    assert world.worker.role == User.Role.COORDINATOR
    assert response.redirect_chain[-1][0] == "/help/requests/"


def test_staff_triangel_does_not_know_are_told_to_ask_the_coordinator_and_nobody_is_created(world, oidc):
    oidc.staff.sign_in_as(sub="entra-nobody", email="nobody@kommune.no", amr=["mfa"])
    people_before = User.objects.count()
    client = Client()

    response = sign_in(client, "staff")

    assert response.status_code == 403
    assert "koordinatoren" in response.content.decode()
    assert User.objects.count() == people_before
    assert signed_in_user_id(client) is None


def test_staff_who_show_no_second_factor_are_sent_to_the_second_factor_step(world, oidc):
    f.enrol_app(world.worker)
    User.objects.filter(pk=world.worker.pk).update(oidc_subject="entra-kari")
    oidc.staff.sign_in_as(sub="entra-kari", amr=["pwd"], acr="1")
    client = Client()

    response = sign_in(client, "staff")

    assert response.status_code == 302
    assert response.url == "/login/second-factor/"
    assert signed_in_user_id(client) is None
    # With the code from the app they are in, and signing out still goes by the provider.
    client.post("/login/second-factor/", {"otp": f.app_code(world.worker)})
    assert signed_in_user_id(client) == world.worker.pk
    assert client.post("/logout/").url.startswith(f"{oidc.staff.issuer}/logout?")


def test_a_provider_sign_in_abandoned_at_the_second_factor_does_not_follow_the_next_person(world, oidc):
    f.enrol_app(world.worker)
    User.objects.filter(pk=world.worker.pk).update(oidc_subject="entra-kari")
    oidc.staff.sign_in_as(sub="entra-kari", amr=["pwd"])
    client = Client()
    sign_in(client, "staff")
    # Kari walks away; Anna signs in on the same browser with a code by SMS.
    client.force_login(world.client)

    assert client.post("/logout/").url == "/login/"
    assert oidc.staff.events("logout") == []


# --- Whatever goes wrong signs nobody in ---------------------------------------------------------


def test_a_wrong_state_is_refused(anna, oidc):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID)
    client = Client()
    back = press_sign_in_at_provider(start(client, "users"))
    code = query_of(back)["code"]

    wrong = client.get(f"/login/oidc/users/callback/?code={code}&state=not-the-state")
    missing = client.get(f"/login/oidc/users/callback/?code={code}")

    assert (wrong.status_code, missing.status_code) == (400, 400)
    assert "Innloggingen ble ikke fullført" in wrong.content.decode()
    assert signed_in_user_id(client) is None
    assert oidc.users.events("token") == []


def test_a_code_used_once_is_refused_the_second_time(anna, oidc):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID)
    first = Client()
    back = press_sign_in_at_provider(start(first, "users"))
    assert first.get(local(back)).status_code == 302
    # Someone who saw the address tries the same code with a sign-in of their own.
    second = Client()
    state = query_of(start(second, "users"))["state"]

    response = second.get(f"/login/oidc/users/callback/?code={query_of(back)['code']}&state={state}")

    assert response.status_code == 400
    assert signed_in_user_id(second) is None
    assert [e["error"] for e in oidc.users.events("token")] == [None, "invalid_grant"]


def test_an_error_from_the_provider_is_refused(anna, oidc):
    client = Client()
    state = query_of(start(client, "users"))["state"]

    response = client.get(f"/login/oidc/users/callback/?error=access_denied&state={state}")

    assert response.status_code == 400
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("lie", [{"nonce": "not-the-nonce"}, {"iss": "http://127.0.0.1:9/not-the-issuer"}])
def test_an_id_token_with_a_wrong_nonce_or_issuer_is_refused(anna, oidc, lie):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID, id_token_extra=lie)
    client = Client()

    response = sign_in(client, "users")

    assert response.status_code == 400
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("lie", [{"aud": ["another-service"]}, {"aud": ["another-service"], "azp": "triangel-users"}])
def test_an_id_token_meant_for_another_service_is_refused(anna, oidc, lie):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID, id_token_extra=lie)
    client = Client()

    assert sign_in(client, "users").status_code == 400
    assert signed_in_user_id(client) is None


def test_a_provider_that_does_not_answer_gives_a_page_to_act_on_not_an_error(world, oidc, settings):
    dead = f"http://127.0.0.1:{free_port()}"
    users = {**settings.OIDC_PROVIDERS["users"], "issuer": dead, "metadata_url": f"{dead}/.well-known/x"}
    settings.OIDC_PROVIDERS = {**settings.OIDC_PROVIDERS, "users": users}

    response = Client().get("/login/oidc/users/")

    assert response.status_code == 502
    assert "ID-porten svarte ikke" in response.content.decode()
    assert "kode på SMS" in response.content.decode()


def test_a_provider_that_stops_answering_before_the_person_comes_back_gives_the_same_page(anna, oidc, settings):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID)
    client = Client()
    back = press_sign_in_at_provider(start(client, "users"))
    dead = f"http://127.0.0.1:{free_port()}"
    users = {**settings.OIDC_PROVIDERS["users"], "metadata_url": f"{dead}/.well-known/openid-configuration"}
    settings.OIDC_PROVIDERS = {**settings.OIDC_PROVIDERS, "users": users}

    response = client.get(local(back))

    assert response.status_code == 502
    assert signed_in_user_id(client) is None


def test_going_to_a_provider_and_back_is_limited_per_address(world, oidc, settings):
    settings.SIGN_IN_PAGE_LIMITS = {**settings.SIGN_IN_PAGE_LIMITS, "login_oidc": 2}
    client = Client()
    start(client, "users")
    start(client, "staff")

    response = client.get("/login/oidc/users/")

    assert response.status_code == 429
    assert response["Retry-After"]


def test_a_provider_that_is_not_configured_is_not_found(world, oidc):
    assert Client().get("/login/oidc/elsewhere/").status_code == 404
    assert Client().get("/login/oidc/elsewhere/callback/?code=x&state=y").status_code == 404


# --- Signing out ----------------------------------------------------------------------------------


def test_signing_out_ends_the_session_then_the_providers_and_the_provider_notes_it(anna, oidc, settings):
    oidc.users.sign_in_as(sub="idporten-sub-anna", pid=PID)
    client = Client()
    sign_in(client, "users")

    response = client.post("/logout/")

    assert signed_in_user_id(client) is None
    assert client.get("/my-day/").status_code == 302
    end_session = urlsplit(response.url)
    sent = query_of(response.url)
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{oidc.users.issuer}/logout"
    assert sent["post_logout_redirect_uri"] == f"{settings.SITE_URL}/login/"
    assert sent["client_id"] == "triangel-users"
    assert sent["id_token_hint"]
    assert sent["state"]
    back = httpx.get(response.url, timeout=10)
    assert back.status_code == 302
    assert back.headers["location"].startswith(f"{settings.SITE_URL}/login/?state=")
    [logout] = oidc.users.events("logout")
    assert (logout["sub"], logout["client_id"]) == ("idporten-sub-anna", "triangel-users")


def test_signing_out_of_a_session_that_came_from_no_provider_goes_to_the_sign_in_page(world, oidc):
    client = Client()
    client.force_login(world.client)

    response = client.post("/logout/")

    assert response.url == "/login/"
    assert oidc.users.events("logout") == []


# --- The sign-in page -----------------------------------------------------------------------------


def test_the_sign_in_page_has_a_button_for_each_configured_provider(db, oidc):
    response = Client().get("/login/")

    assert links_to(response, "/login/oidc/") == ["/login/oidc/users/", "/login/oidc/staff/"]
    page = response.content.decode()
    assert ">ID-porten</a>" in page
    with override("nb"):  # the staff provider has no label of its own: the page's words
        assert f">{gettext('Staff sign-in')}</a>" in page


def test_the_sign_in_page_has_no_provider_buttons_when_none_is_configured(db, settings):
    settings.OIDC_PROVIDERS = {}

    assert links_to(Client().get("/login/"), "/login/oidc/") == []


# --- Staff record a person's number ---------------------------------------------------------------


def test_the_worker_records_the_number_on_the_persons_page_and_only_its_hash_is_stored(world, oidc):
    client = Client()
    client.force_login(world.worker)
    page = client.get(f"/people/{world.client.pk}/")
    [form] = forms_posting_to(page, f"/people/{world.client.pk}/national-id/")
    assert "Ingen fødselsnummer er registrert" in page.content.decode()

    response = client.post(form.action, {**form.inputs, "pid": f"{PID[:6]} {PID[6:]}"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/people/{world.client.pk}/"
    page = response.content.decode()
    assert "Et fødselsnummer er registrert" in page
    assert PID not in page
    assert PID[:6] not in page
    world.client.refresh_from_db()
    assert world.client.pid_hash == identities.pid_hash(PID)
    assert AccessEntry.objects.filter(subject=world.client, actor=world.worker, what="identity", action="change")


def test_a_wrong_number_is_shown_beside_the_field(world, oidc):
    client = Client()
    client.force_login(world.worker)

    response = client.post(f"/people/{world.client.pk}/national-id/", {"pid": with_wrong_check_digit(PID)})

    assert response.status_code == 200
    assert response.context["national_id_form"].errors["pid"]
    world.client.refresh_from_db()
    assert world.client.pid_hash is None


@pytest.mark.parametrize("who", ["other_worker", "peer"])
def test_only_staff_who_may_act_for_the_person_record_their_number(world, oidc, who):
    client = Client()
    client.force_login(getattr(world, who))

    assert client.post(f"/people/{world.client.pk}/national-id/", {"pid": PID}).status_code == 404
    world.client.refresh_from_db()
    assert world.client.pid_hash is None


def test_without_id_porten_no_number_is_asked_for(world, settings):
    settings.OIDC_PROVIDERS = {}
    client = Client()
    client.force_login(world.worker)

    assert client.get(f"/people/{world.client.pk}/national-id/").status_code == 404
    assert forms_posting_to(client.get(f"/people/{world.client.pk}/"), f"/people/{world.client.pk}/national-id/") == []
