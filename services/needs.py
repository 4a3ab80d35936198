"""The taxonomy ``triangel-needs``: the needs a service helps with (code, Norwegian, English).
A data migration writes them, and ``needs_ensure`` after every migrate; HSDS files carry them
as taxonomy terms."""

TAXONOMY = "triangel-needs"
TAXONOMY_ID = "9a0f1c3e-5d8b-4b7a-9e61-2f7c1d0a4b11"

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


def needs_ensure(**_signal: object) -> None:
    """The categories exist, as the data migration wrote them. Run after every ``migrate`` (and
    after a database is emptied by ``flush``, which removes what migrations wrote), so the
    fixed list is always there; it never removes or renames a code."""
    from services.models import Category

    for position, (code, nb, en) in enumerate(NEEDS):
        Category.objects.get_or_create(code=code, defaults={"name_nb": nb, "name_en": en, "position": position})
