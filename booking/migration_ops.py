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


# --- Calendar versions ---------------------------------------------------------------------
# Every change to what decides a calendar's free times gives the calendar a new random
# version token in the same transaction (see booking.models.CalendarVersion). Triggers, so
# no writer can forget it. On PostgreSQL one statement-level trigger per table and event
# touches each changed calendar once per statement, in calendar order.

# Tables whose rows carry a calendar_id and decide free times.
VERSIONED_TABLES = ("booking_appointment", "booking_workinghours", "booking_calendaroverride")
# Tables versioned by a later migration (0008: busy time read from a worker's own calendars).
LATER_VERSIONED_TABLES = ("booking_externalbusy",)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION booking_calendar_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE booking_calendarversion SET token = md5(random()::text || clock_timestamp()::text);
    ELSIF TG_TABLE_NAME = 'booking_calendar' THEN
        INSERT INTO booking_calendarversion AS v (calendar_id, token)
        SELECT id, md5(random()::text || clock_timestamp()::text) FROM new_rows ORDER BY id
        ON CONFLICT (calendar_id) DO UPDATE SET token = EXCLUDED.token;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO booking_calendarversion AS v (calendar_id, token)
        SELECT calendar_id, md5(random()::text || clock_timestamp()::text)
        FROM (SELECT DISTINCT calendar_id FROM new_rows) AS changed ORDER BY calendar_id
        ON CONFLICT (calendar_id) DO UPDATE SET token = EXCLUDED.token;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO booking_calendarversion AS v (calendar_id, token)
        SELECT calendar_id, md5(random()::text || clock_timestamp()::text)
        FROM (SELECT DISTINCT calendar_id FROM old_rows) AS changed ORDER BY calendar_id
        ON CONFLICT (calendar_id) DO UPDATE SET token = EXCLUDED.token;
    ELSIF TG_TABLE_NAME = 'booking_appointment' THEN
        -- Only a change of calendar, status or held time frees or takes time; a
        -- confirmation or a reminder's bookkeeping does not.
        INSERT INTO booking_calendarversion AS v (calendar_id, token)
        SELECT calendar_id, md5(random()::text || clock_timestamp()::text)
        FROM (
            SELECT DISTINCT unnest(ARRAY[n.calendar_id, o.calendar_id]) AS calendar_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.calendar_id, n.status, n.blocked_start, n.blocked_end)
                IS DISTINCT FROM (o.calendar_id, o.status, o.blocked_start, o.blocked_end)
        ) AS changed ORDER BY calendar_id
        ON CONFLICT (calendar_id) DO UPDATE SET token = EXCLUDED.token;
    ELSE
        INSERT INTO booking_calendarversion AS v (calendar_id, token)
        SELECT calendar_id, md5(random()::text || clock_timestamp()::text)
        FROM (SELECT calendar_id FROM new_rows UNION SELECT calendar_id FROM old_rows) AS changed
        ORDER BY calendar_id
        ON CONFLICT (calendar_id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
    RETURN NULL;
END
$$;
"""

_SQLITE_BUMP = (
    "INSERT INTO booking_calendarversion (calendar_id, token) VALUES ({ref}, lower(hex(randomblob(16)))) "
    "ON CONFLICT (calendar_id) DO UPDATE SET token = excluded.token;"
)


def _pg_statements() -> list[str]:
    statements = [_PG_FUNCTION]
    for table in VERSIONED_TABLES:
        statements += _pg_table_statements(table)
    statements.append(
        "CREATE TRIGGER calendar_version_ins AFTER INSERT ON booking_calendar REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION booking_calendar_version_bump()"
    )
    return statements


def _pg_table_statements(table: str) -> list[str]:
    short = table.removeprefix("booking_")
    return [
        f"CREATE TRIGGER {short}_version_ins AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION booking_calendar_version_bump()",
        f"CREATE TRIGGER {short}_version_upd AFTER UPDATE ON {table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION booking_calendar_version_bump()",
        f"CREATE TRIGGER {short}_version_del AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION booking_calendar_version_bump()",
        f"CREATE TRIGGER {short}_version_trunc AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION booking_calendar_version_bump()",
    ]


def _sqlite_statements() -> list[str]:
    statements = []
    for table in VERSIONED_TABLES:
        statements += _sqlite_table_statements(table)
    statements.append(
        "CREATE TRIGGER calendar_version_ins AFTER INSERT ON booking_calendar BEGIN "
        + _SQLITE_BUMP.format(ref="NEW.id")
        + " END"
    )
    return statements


def _sqlite_table_statements(table: str) -> list[str]:
    short = table.removeprefix("booking_")
    new, old = _SQLITE_BUMP.format(ref="NEW.calendar_id"), _SQLITE_BUMP.format(ref="OLD.calendar_id")
    when = ""
    if table == "booking_appointment":
        when = (
            " WHEN NEW.calendar_id IS NOT OLD.calendar_id OR NEW.status IS NOT OLD.status"
            " OR NEW.blocked_start IS NOT OLD.blocked_start OR NEW.blocked_end IS NOT OLD.blocked_end"
        )
    return [
        f"CREATE TRIGGER {short}_version_ins AFTER INSERT ON {table} BEGIN {new} END",
        f"CREATE TRIGGER {short}_version_upd AFTER UPDATE ON {table}{when} BEGIN {new} {old} END",
        f"CREATE TRIGGER {short}_version_del AFTER DELETE ON {table} BEGIN {old} END",
    ]


def trigger_names(vendor: str) -> list[str]:
    """The triggers that keep calendar versions on a database of this vendor."""
    ops = ("ins", "upd", "del", "trunc") if vendor == "postgresql" else ("ins", "upd", "del")
    tables = (*VERSIONED_TABLES, *LATER_VERSIONED_TABLES)
    names = [f"{t.removeprefix('booking_')}_version_{op}" for t in tables for op in ops]
    return [*names, "calendar_version_ins"]


def create_version_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _pg_statements, "sqlite": _sqlite_statements}[vendor]()
    for statement in statements:
        schema_editor.execute(statement)
    # Every existing calendar starts with a token, so "no token" never stands for a state.
    if vendor == "postgresql":
        schema_editor.execute(
            "INSERT INTO booking_calendarversion (calendar_id, token) "
            "SELECT id, md5(random()::text || clock_timestamp()::text) FROM booking_calendar "
            "ON CONFLICT (calendar_id) DO NOTHING"
        )
    else:
        schema_editor.execute(
            "INSERT OR IGNORE INTO booking_calendarversion (calendar_id, token) "
            "SELECT id, lower(hex(randomblob(16))) FROM booking_calendar"
        )


def drop_version_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    tables = {f"{t.removeprefix('booking_')}_version": t for t in VERSIONED_TABLES}
    tables["calendar_version"] = "booking_calendar"
    # Migration 0005's triggers only: later tables' go with their own migration.
    for name in [n for n in trigger_names(vendor) if n.rsplit("_", 1)[0] in tables]:
        on = f" ON {tables[name.rsplit('_', 1)[0]]}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS booking_calendar_version_bump()")


def create_later_version_triggers(apps: Any, schema_editor: Any) -> None:
    """The version triggers of ``LATER_VERSIONED_TABLES`` (the bump function is migration 0005's)."""
    vendor = schema_editor.connection.vendor
    for table in LATER_VERSIONED_TABLES:
        statements = _pg_table_statements(table) if vendor == "postgresql" else _sqlite_table_statements(table)
        for statement in statements:
            schema_editor.execute(statement)


def drop_later_version_triggers(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    ops = ("ins", "upd", "del", "trunc") if vendor == "postgresql" else ("ins", "upd", "del")
    for table in LATER_VERSIONED_TABLES:
        for op in ops:
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table.removeprefix('booking_')}_version_{op}{on}")
