"""Invitation e-mails move into the shared outbox (``messaging``): each row becomes an outbox row
of kind ``group_invitation`` about its invitee, with what was sent, tried and failed kept."""

import uuid

from django.db import migrations

KIND = "group_invitation"
MAX_ATTEMPTS = 10


def to_outbox(apps, schema_editor) -> None:
    InvitationMail = apps.get_model("care", "InvitationMail")
    Delivery = apps.get_model("messaging", "Delivery")
    rows = []
    for mail in InvitationMail.objects.select_related("invitee__meeting", "invitee__external").iterator():
        meeting = mail.invitee.meeting
        if mail.sent_at is not None:
            status = "sent"
        elif mail.attempts >= MAX_ATTEMPTS:
            status = "failed"
        else:
            status = "scheduled"
        rows.append(
            Delivery(
                kind=KIND,
                channel="email",
                about="invitee",
                about_id=mail.invitee_id,
                occurrence_at=meeting.start,
                due_at=mail.created_at,
                expires_at=max(meeting.end, mail.created_at),
                dedupe_key=f"invitation:{mail.invitee_id}:{mail.method}:{mail.sequence}",
                idempotency_key=uuid.uuid4(),
                context={"method": mail.method, "sequence": mail.sequence},
                status=status,
                attempts=mail.attempts,
                last_error=mail.last_error[:300],
                sent_to=mail.invitee.external.email if mail.sent_at else "",
                provider_message_id=mail.message_id[:100] if mail.sent_at else "",
                sent_at=mail.sent_at,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=500)


def from_outbox(apps, schema_editor) -> None:
    InvitationMail = apps.get_model("care", "InvitationMail")
    Delivery = apps.get_model("messaging", "Delivery")
    MeetingInvitee = apps.get_model("care", "MeetingInvitee")
    for row in Delivery.objects.filter(kind=KIND).iterator():
        invitee = MeetingInvitee.objects.select_related("meeting").filter(pk=row.about_id).first()
        if invitee is None:
            continue
        method, sequence = row.context.get("method", "REQUEST"), row.context.get("sequence", 0)
        InvitationMail.objects.get_or_create(
            invitee_id=invitee.pk,
            method=method,
            sequence=sequence,
            defaults={
                "message_id": f"<group-{invitee.meeting.uid}-{invitee.pk}-{method.lower()}-{sequence}@triangel.local>",
                "sent_at": row.sent_at,
                "attempts": row.attempts,
                "last_error": row.last_error,
            },
        )
    Delivery.objects.filter(kind=KIND).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0005_group_meetings_are_joint_appointments"),
        ("messaging", "0001_initial"),
        # The reminders' rows keep their ids in the outbox, so they are copied first.
        ("reminders", "0005_outbox_moves_to_messaging"),
    ]

    operations = [
        migrations.RunPython(to_outbox, from_outbox),
        migrations.DeleteModel(name="InvitationMail"),
    ]
