"""Group meetings become joint appointments in booking (``Appointment.joint``): every part of a
meeting gets the meeting's uid as its joint key, and the part that held the service user's
reminders becomes their copy. Booking then knows by itself which parts change only together."""

from django.db import migrations


def to_joint(apps, schema_editor):
    Appointment = apps.get_model("booking", "Appointment")
    GroupMeetingAppointment = apps.get_model("care", "GroupMeetingAppointment")
    links = GroupMeetingAppointment.objects.select_related("meeting").values_list(
        "appointment_id", "meeting__uid", "holds_reminders"
    )
    for appointment_id, uid, holds_reminders in links.iterator():
        Appointment.objects.filter(pk=appointment_id).update(joint=uid, client_copy=holds_reminders)


def from_joint(apps, schema_editor):
    Appointment = apps.get_model("booking", "Appointment")
    GroupMeetingAppointment = apps.get_model("care", "GroupMeetingAppointment")
    for link in GroupMeetingAppointment.objects.all().iterator():
        copy = Appointment.objects.filter(pk=link.appointment_id, client_copy=True).exists()
        GroupMeetingAppointment.objects.filter(pk=link.pk).update(holds_reminders=copy)
    Appointment.objects.filter(joint__isnull=False).update(joint=None, client_copy=True)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_appointment_joint"),
        ("care", "0004_invitation_mail_unsent"),
    ]

    operations = [
        migrations.RunPython(to_joint, from_joint),
        migrations.RemoveField(model_name="groupmeetingappointment", name="holds_reminders"),
    ]
