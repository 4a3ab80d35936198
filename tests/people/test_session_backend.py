"""Signed-in sessions read their person through ``people.backends.ModelBackend``; sessions
signed in before it named Django's backend and keep working after the migration renames it."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import Client

from config.sessions import SessionStore

pytestmark = pytest.mark.django_db

rename = importlib.import_module("people.migrations.0009_sessions_signed_in_by_people_backend")


def _session(user, backend: str) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _signed_in_as(session_key: str):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    user = client.get("/").wsgi_request.user
    return user.pk if user.is_authenticated else None


def test_a_session_from_before_keeps_its_person_after_the_migration(world) -> None:
    old = _session(world.client, rename.OLD)
    assert _signed_in_as(old) is None  # the old name is no longer a backend in the settings
    rename.forward(apps, None)
    assert _signed_in_as(old) == world.client.pk
    assert SessionStore(old).load()[BACKEND_SESSION_KEY] == rename.NEW


def test_an_inactive_person_or_a_changed_password_ends_the_session(world) -> None:
    key = _session(world.client, rename.NEW)
    assert _signed_in_as(key) == world.client.pk
    world.client.set_password("another-long-password-1")
    world.client.save()
    assert _signed_in_as(key) is None
    key = _session(world.worker, rename.NEW)
    world.worker.is_active = False
    world.worker.save()
    assert _signed_in_as(key) is None


def test_an_expired_or_unknown_session_key_signs_in_nobody(world) -> None:
    assert _signed_in_as("x" * 32) is None
    assert _signed_in_as("not a key at all") is None
