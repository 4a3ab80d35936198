"""A covering index for the unit's picture (booking.insight): a unit's meetings over months are
counted from the index alone. PostgreSQL only (SQLite has no INCLUDE), and so kept out of the
migration state, as the exclusion constraint of 0002 is."""

from typing import Any

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS appointment_insight_idx ON booking_appointment (calendar_id, blocked_start) "
    "INCLUDE (start, status, client_id, confirmed_at, id) WHERE client_copy"
)
DROP = "DROP INDEX IF EXISTS appointment_insight_idx"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("booking", "0011_meeting_type_max_ahead")]

    operations = [migrations.RunPython(forwards, backwards)]
