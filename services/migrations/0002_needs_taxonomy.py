from django.db import migrations

NEEDS = [
    ("housing", "Bolig", "Housing"),
    ("food", "Mat og klær", "Food and clothes"),
    ("money", "Penger og gjeld", "Money and debt"),
    ("nav-work", "NAV og arbeid", "NAV and work"),
    ("health", "Helse og lege", "Health and doctor"),
    ("treatment", "Rusbehandling og avrusning", "Substance-use treatment and detox"),
    ("harm-reduction", "Skadereduksjon", "Harm reduction"),
    ("legal", "Juridisk hjelp", "Legal aid"),
    ("user-orgs", "Brukerorganisasjoner og likepersoner", "User organisations and peers"),
    ("activities", "Aktiviteter og fellesskap", "Activities and community"),
    ("families", "For familie og pårørende", "For families and next of kin"),
]


def add(apps, schema_editor):
    Category = apps.get_model("services", "Category")
    for position, (code, nb, en) in enumerate(NEEDS):
        Category.objects.update_or_create(code=code, defaults={"name_nb": nb, "name_en": en, "position": position})


class Migration(migrations.Migration):
    dependencies = [("services", "0001_service_directory")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
