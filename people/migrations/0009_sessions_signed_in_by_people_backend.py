"""Sessions signed in before ``people.backends.ModelBackend`` named Django's backend; they
name the new one now, so nobody is signed out by the change."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "people.backends.ModelBackend"
BACKEND_KEY = "_auth_user_backend"


def _rename(apps: Apps, old: str, new: str) -> None:
    from config.sessions import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_KEY) == old:
            data[BACKEND_KEY] = new
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))


def forward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename(apps, OLD, NEW)


def backward(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0008_spare_number"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
