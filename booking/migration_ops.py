"""Migration operations that only apply on PostgreSQL.

SQLite has no range types or exclusion constraints. There, overlap is prevented by
serialised (BEGIN IMMEDIATE) write transactions and the re-check in the booking
service. The constraint is a database-only object: it stays out of the migration
state, because SQLite rebuilds a table from the state's constraints whenever the
table changes.
"""

from typing import Any

from django.db import migrations


class AddConstraintOnPostgres(migrations.AddConstraint):
    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
