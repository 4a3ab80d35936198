"""Demo data for feedback: a few ideas in different states, so the ideas page shows each."""

from django.utils import timezone

from care.models import Idea
from people.models import Unit, User

IDEAS = [
    (
        "Kveldsåpent en dag i uka",
        "Mange av oss har jobb eller kurs på dagtid.",
        Idea.Status.CONSIDERING,
        "Vi prøver torsdager til kl. 19 fra neste måned.",
        "user1",
    ),
    ("Kaffe i venterommet", "", Idea.Status.DONE, "Kaffemaskinen står i venterommet nå. Velkommen!", "peer1"),
    ("Påminnelse på e-post i stedet for SMS", "", Idea.Status.NEW, "", "user4"),
    (
        "Egen parkeringsplass for besøkende",
        "",
        Idea.Status.NOT_DOING,
        "Vi har dessverre ikke plass. Nærmeste parkering er i Storgata 10.",
        "user2",
    ),
]


def seed() -> None:
    """Idempotent: running it twice creates nothing new."""
    unit = Unit.objects.filter(name="Oppfølgingstjenesten Sentrum").first()
    if unit is None:
        return
    for title, text, status, response, username in IDEAS:
        author = User.objects.filter(username=username).first()
        Idea.objects.get_or_create(
            unit=unit,
            title=title,
            defaults={
                "text": text,
                "status": status,
                "response": response,
                "author": author,
                "author_role": author.role if author else "",
                "status_changed_at": None if status == Idea.Status.NEW else timezone.now(),
            },
        )
