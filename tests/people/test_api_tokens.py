"""API tokens: handed out once, stored only as a hash, working until they expire (a working day
for staff, a month for service users) or until their owner ends them; found in one query."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient, APIRequestFactory

from people.authentication import TokenAuthentication
from people.models import ApiToken, User
from people.services import API_TOKENS_PER_PERSON, api_token_issue, api_token_revoke_all
from people.tasks import purge_api_tokens
from tests import factories as f
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(user: User, **headers: str) -> dict:
    body = {"username": user.username, "password": PASSWORD}
    if user.is_staff_member:
        # Staff give their app's code too; each code is accepted once, so a fresh app each time.
        f.enrol_app(user)
        body["otp"] = f.app_code(user)
    response = APIClient().post("/api/auth/token/", body, format="json", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def every_value_in_the_database() -> str:
    """Every value of every column of every table, as one text to search."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values += [str(value) for row in cursor.fetchall() for value in row if value is not None]
    return "\n".join(values)


# --- Signing in --------------------------------------------------------------------------------


def test_the_secret_is_handed_out_once_and_only_its_hash_is_stored(world):
    secret = sign_in(world.client)["token"]

    token = ApiToken.objects.get(user=world.client)
    assert token.key_hash == ApiToken.hash_of(secret)
    assert secret not in every_value_in_the_database()
    assert with_token(secret).get("/api/me/").json()["id"] == world.client.pk


def test_each_sign_in_is_a_token_of_its_own(world):
    first, second = sign_in(world.client)["token"], sign_in(world.client)["token"]
    assert first != second
    assert ApiToken.objects.filter(user=world.client).count() == 2


def test_the_answer_says_when_the_token_expires(world):
    before = timezone.now()
    body = sign_in(world.worker)
    assert set(body) == {"token", "expires_at"}
    token = ApiToken.objects.get(user=world.worker)
    assert parse_datetime(body["expires_at"]) == token.expires_at
    assert before + timedelta(hours=10) <= token.expires_at <= timezone.now() + timedelta(hours=10)


def test_the_sign_in_is_labelled_with_what_signed_in(world):
    sign_in(world.client)
    sign_in(world.client, HTTP_USER_AGENT="Triangel-app/2.1 (Android 14)\x00\x07" + "x" * 200)
    labels = set(ApiToken.objects.filter(user=world.client).values_list("label", flat=True))
    assert labels == {"API", ("Triangel-app/2.1 (Android 14)" + "x" * 200)[:100]}


def test_a_stale_token_sent_along_does_not_stop_signing_in(world):
    response = with_token("not-a-real-token").post(
        "/api/auth/token/", {"username": world.client.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


def test_a_person_holds_a_bounded_number_of_sign_ins_and_a_new_one_ends_the_oldest(world):
    now = timezone.now()
    tokens = [
        api_token_issue(user=world.client, label=f"app {n}", now=now + timedelta(seconds=n))
        for n in range(API_TOKENS_PER_PERSON + 2)
    ]
    kept = set(ApiToken.objects.filter(user=world.client).values_list("label", flat=True))
    assert kept == {f"app {n}" for n in range(2, API_TOKENS_PER_PERSON + 2)}
    assert with_token(tokens[0][1]).get("/api/me/").status_code == 401
    assert with_token(tokens[-1][1]).get("/api/me/").status_code == 200


# --- Expiry ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "lifetime"),
    [
        ("worker", timedelta(hours=10)),
        ("peer", timedelta(hours=10)),
        ("coordinator", timedelta(hours=10)),
        ("client", timedelta(days=30)),
    ],
)
def test_staff_tokens_last_ten_hours_and_a_service_users_thirty_days(world, who, lifetime):
    now = timezone.now()
    token, _secret = api_token_issue(user=getattr(world, who), label="API", now=now)
    assert token.expires_at - token.created_at == lifetime
    assert token.created_at == now


def test_a_service_user_who_may_open_the_admin_counts_as_staff(world):
    world.client.is_staff = True
    token, _secret = api_token_issue(user=world.client, label="API")
    assert token.expires_at - token.created_at == timedelta(hours=10)


def test_the_lifetimes_come_from_the_settings(world, settings):
    settings.API_TOKEN_HOURS_STAFF, settings.API_TOKEN_DAYS_SERVICE_USER = 2, 7
    staff, _ = api_token_issue(user=world.worker, label="API")
    client, _ = api_token_issue(user=world.client, label="API")
    assert staff.expires_at - staff.created_at == timedelta(hours=2)
    assert client.expires_at - client.created_at == timedelta(days=7)


def test_a_lifetime_below_one_stops_the_start(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_int

    monkeypatch.setenv("API_TOKEN_HOURS_STAFF", "0")
    with pytest.raises(ImproperlyConfigured, match="API_TOKEN_HOURS_STAFF must be at least 1"):
        env_int("API_TOKEN_HOURS_STAFF", 10, minimum=1)


def test_an_expired_token_is_refused_with_401(world):
    token, secret = api_token_issue(user=world.worker, label="API", now=timezone.now() - timedelta(hours=11))
    response = with_token(secret).get("/api/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    assert with_token(secret).get("/api/me/").status_code == 200


def test_a_token_of_a_person_made_inactive_is_refused(world):
    _token, secret = api_token_issue(user=world.client, label="API")
    User.objects.filter(pk=world.client.pk).update(is_active=False)
    assert with_token(secret).get("/api/me/").status_code == 401


def test_the_daily_purge_deletes_expired_tokens_only(world):
    now = timezone.now()
    expired, _ = api_token_issue(user=world.worker, label="old", now=now - timedelta(hours=11))
    alive, _ = api_token_issue(user=world.worker, label="new", now=now)
    assert purge_api_tokens() == 1
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [alive.pk]
    assert not ApiToken.objects.filter(pk=expired.pk).exists()


def test_the_beat_runs_the_purge_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["purge-api-tokens"]
    assert (entry["task"], entry["schedule"]) == ("people.tasks.purge_api_tokens", 24 * 3600.0)


# --- One query ---------------------------------------------------------------------------------


def authenticate(key: str) -> tuple[User, ApiToken] | None:
    request = APIRequestFactory().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    return TokenAuthentication().authenticate(request)


def test_the_token_and_its_person_are_found_in_one_query(world, django_assert_num_queries):
    _token, secret = api_token_issue(user=world.client, label="API")
    for _ in range(2):  # compiled on the first call, the same one query on the next
        with django_assert_num_queries(1):
            user, token = authenticate(secret)
    assert (user.pk, user.role, token.user.pk) == (world.client.pk, "service_user", world.client.pk)


@pytest.mark.parametrize("key", ["0123456789abcdef" * 2 + "01234567", "A-_" * 14 + "x"])
def test_an_unknown_token_of_either_shape_costs_one_query_and_a_401(db, key, django_assert_num_queries):
    with django_assert_num_queries(1), pytest.raises(AuthenticationFailed):
        authenticate(key)


# --- Ending sign-ins ---------------------------------------------------------------------------


def test_signing_out_ends_only_the_token_of_the_request(world):
    phone, laptop = sign_in(world.client)["token"], sign_in(world.client)["token"]

    response = with_token(phone).post("/api/auth/logout/")

    assert response.status_code == 204
    assert with_token(phone).get("/api/me/").status_code == 401
    assert with_token(laptop).get("/api/me/").status_code == 200


def test_signing_out_of_the_api_with_the_web_session_is_a_400_and_ends_no_token(world):
    _token, secret = api_token_issue(user=world.client, label="API")
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(world.client)

    response = client.post("/api/auth/logout/")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_token"
    assert with_token(secret).get("/api/me/").status_code == 200


def test_the_list_shows_the_callers_own_sign_ins_newest_first_and_marks_the_current_one(world):
    now = timezone.now()
    api_token_issue(user=world.client, label="Phone", now=now - timedelta(days=2))
    api_token_issue(user=world.client, label="Old", now=now - timedelta(days=31))  # expired
    api_token_issue(user=world.other_client, label="Someone else's", now=now)
    current, secret = api_token_issue(user=world.client, label="Laptop", now=now - timedelta(minutes=1))

    response = with_token(secret).get("/api/auth/tokens/")

    assert response.status_code == 200
    rows = response.json()
    assert [(r["label"], r["current"]) for r in rows] == [("Laptop", True), ("Phone", False)]
    assert set(rows[0]) == {"id", "label", "created_at", "expires_at", "current"}
    assert rows[0]["id"] == current.pk


def test_with_the_web_session_no_sign_in_is_current(world):
    api_token_issue(user=world.client, label="Phone")
    client = APIClient()
    client.force_login(world.client)
    assert [r["current"] for r in client.get("/api/auth/tokens/").json()] == [False]


def test_ending_ones_own_sign_in_stops_it_working(world):
    phone, phone_secret = api_token_issue(user=world.client, label="Phone")
    _laptop, laptop_secret = api_token_issue(user=world.client, label="Laptop")

    response = with_token(laptop_secret).delete(f"/api/auth/tokens/{phone.pk}/")

    assert response.status_code == 204
    assert with_token(phone_secret).get("/api/me/").status_code == 401
    assert with_token(laptop_secret).get("/api/me/").status_code == 200
    assert with_token(laptop_secret).delete(f"/api/auth/tokens/{phone.pk}/").status_code == 404


def test_ending_someone_elses_sign_in_is_a_404_and_it_goes_on_working(world):
    theirs, their_secret = api_token_issue(user=world.other_client, label="Phone")
    _mine, my_secret = api_token_issue(user=world.worker, label="Laptop")

    response = with_token(my_secret).delete(f"/api/auth/tokens/{theirs.pk}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert with_token(their_secret).get("/api/me/").status_code == 200


def test_ending_all_sign_ins_can_keep_the_one_in_use(world):
    kept, _ = api_token_issue(user=world.client, label="This one")
    api_token_issue(user=world.client, label="Phone")
    api_token_issue(user=world.other_client, label="Someone else's")
    assert api_token_revoke_all(user=world.client, keep=kept) == 1
    assert list(ApiToken.objects.filter(user=world.client)) == [kept]
    assert api_token_revoke_all(user=world.client) == 1
    assert ApiToken.objects.filter(user=world.other_client).count() == 1


# --- Moving over the tokens made before ----------------------------------------------------------


def test_the_migration_moves_authtoken_keys_over_as_hashes_and_drops_the_table(world):
    from django.apps import apps

    migration = importlib.import_module("people.migrations.0006_api_tokens_from_authtoken")
    staff_key, client_key = "a" * 40, "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone NOT NULL,"
            " user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s), (%s, %s, %s)",
            [staff_key, timezone.now(), world.worker.pk, client_key, timezone.now(), world.client.pk],
        )
    MigrationRecorder(connection).record_applied("authtoken", "0001_initial")
    before = timezone.now()

    migration.copy_authtoken_keys(apps, connection.schema_editor())

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not MigrationRecorder(connection).migration_qs.filter(app="authtoken").exists()
    staff = ApiToken.objects.get(user=world.worker)
    client = ApiToken.objects.get(user=world.client)
    assert staff.key_hash == ApiToken.hash_of(staff_key)
    assert client.key_hash == ApiToken.hash_of(client_key)
    assert before + timedelta(hours=10) <= staff.expires_at <= timezone.now() + timedelta(hours=10)
    assert before + timedelta(days=30) <= client.expires_at <= timezone.now() + timedelta(days=30)
    assert staff_key not in every_value_in_the_database()
    # The keys in use go on working, until they expire.
    assert with_token(client_key).get("/api/me/").json()["id"] == world.client.pk


def test_the_migration_does_nothing_where_authtoken_never_was(world):
    from django.apps import apps

    migration = importlib.import_module("people.migrations.0006_api_tokens_from_authtoken")
    migration.copy_authtoken_keys(apps, connection.schema_editor())
    assert not ApiToken.objects.exists()
