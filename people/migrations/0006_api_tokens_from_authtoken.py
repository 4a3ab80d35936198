"""Tokens of DRF's ``rest_framework.authtoken`` become ``ApiToken`` rows: the key's hash, an
expiry counted from now by the person's role. Its table is dropped afterwards (the app is no
longer installed, so nothing else would), with its rows in ``django_migrations``. The keys in
use go on working until they expire; nothing can be turned back, so the reverse does nothing.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def copy_authtoken_keys(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return  # a database made after authtoken was removed
    ApiToken = apps.get_model("people", "ApiToken")
    now = timezone.now()
    staff = now + timedelta(hours=settings.API_TOKEN_HOURS_STAFF)
    service_user = now + timedelta(days=settings.API_TOKEN_DAYS_SERVICE_USER)
    with connection.cursor() as cursor:
        # Fixed names only, no values: the table and its people.
        cursor.execute(
            "SELECT t.key, t.user_id, u.role, u.is_staff FROM authtoken_token t JOIN people_user u ON u.id = t.user_id"
        )
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                label="API",
                created_at=now,
                # As people.services.api_token_lifetime: staff (or anyone who opens the admin) a
                # working day, a service user a month.
                expires_at=staff if role != "service_user" or is_staff else service_user,
            )
            for key, user_id, role, is_staff in rows
        ],
        batch_size=1000,
    )
    schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(OLD_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0005_api_token")]

    operations = [migrations.RunPython(copy_authtoken_keys, migrations.RunPython.noop)]
