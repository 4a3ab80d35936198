"""The outbox moves to its own app at the bottom of the layers (``messaging``), shared by every
message Triangel sends. Its rows are copied as they are: a row's appointment or plan becomes
what it is ``about``, and the phone number it went to is kept as the address it was ``sent_to``."""

from django.db import migrations

FORWARD = """
INSERT INTO messaging_delivery (
    id, recipient_id, kind, channel, about, about_id, occurrence_at, due_at, expires_at, dedupe_key,
    idempotency_key, context, status, attempts, lease_until, claim_token, last_error, sent_to,
    provider_message_id, delivery_status, sent_at, created_at, updated_at
)
SELECT
    d.id, d.recipient_id, d.kind, d.channel,
    CASE WHEN d.appointment_id IS NOT NULL THEN 'appointment' WHEN d.plan_id IS NOT NULL THEN 'plan' ELSE '' END,
    COALESCE(d.appointment_id, d.plan_id),
    d.occurrence_at, d.due_at, d.expires_at, d.dedupe_key, d.idempotency_key, d.context, d.status, d.attempts,
    d.lease_until, d.claim_token, d.last_error, COALESCE(p.number, ''), d.provider_message_id, d.delivery_status,
    d.sent_at, d.created_at, d.updated_at
FROM reminders_delivery d LEFT JOIN people_phonenumber p ON p.id = d.phone_number_id
"""

BACKWARD = """
INSERT INTO reminders_delivery (
    id, recipient_id, kind, channel, plan_id, appointment_id, occurrence_at, due_at, expires_at, dedupe_key,
    idempotency_key, context, status, attempts, lease_until, claim_token, last_error, phone_number_id,
    provider_message_id, delivery_status, sent_at, created_at, updated_at
)
SELECT
    d.id, d.recipient_id, d.kind, d.channel,
    CASE WHEN d.about = 'plan' THEN d.about_id END,
    CASE WHEN d.about = 'appointment' THEN d.about_id END,
    d.occurrence_at, d.due_at, d.expires_at, d.dedupe_key, d.idempotency_key, d.context, d.status, d.attempts,
    d.lease_until, d.claim_token, d.last_error,
    (SELECT p.id FROM people_phonenumber p WHERE p.user_id = d.recipient_id AND p.number = d.sent_to LIMIT 1),
    d.provider_message_id, d.delivery_status, d.sent_at, d.created_at, d.updated_at
FROM messaging_delivery d
WHERE d.recipient_id IS NOT NULL AND d.about IN ('', 'plan', 'appointment')
"""


def _reset_sequence(schema_editor, table: str) -> None:
    # Rows came with their ids; new ones continue after the largest (SQLite does this itself).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"COALESCE((SELECT MAX(id) FROM {table}), 1), (SELECT COUNT(*) > 0 FROM {table}))"
        )


def forward(apps, schema_editor) -> None:
    schema_editor.execute(FORWARD)
    schema_editor.execute(
        "INSERT INTO messaging_dispatchstate (name, last_run_at) SELECT name, last_run_at FROM reminders_dispatchstate"
    )
    _reset_sequence(schema_editor, "messaging_delivery")


def backward(apps, schema_editor) -> None:
    schema_editor.execute(BACKWARD)
    schema_editor.execute(
        "INSERT INTO reminders_dispatchstate (name, last_run_at) SELECT name, last_run_at FROM messaging_dispatchstate"
    )
    _reset_sequence(schema_editor, "reminders_delivery")


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0004_alter_delivery_kind"),
        ("messaging", "0001_initial"),
        ("people", "0003_phone_number_active_for_one_person"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="Delivery"),
        migrations.DeleteModel(name="DispatchState"),
    ]
