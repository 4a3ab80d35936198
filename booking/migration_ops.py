"""Migration operations that only apply on PostgreSQL.

SQLite has no range types or exclusion constraints. There, overlap is prevented by
serialised (BEGIN IMMEDIATE) write transactions and the re-check in the booking
service; the constraint still lives in the model state so both back ends agree on
the schema Django believes in.
"""

from typing import Any

from django.db import migrations


class AddConstraintOnPostgres(migrations.AddConstraint):
    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
