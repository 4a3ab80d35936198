"""Demo directory: about thirty services of the fictional municipality of Fjordvik, marked
"(demo)" in their text, covering every category; a few are open around the clock and a few
are closed most of the time. Idempotent: every row has a fixed HSDS id."""

import uuid
from datetime import date, time, timedelta

from django.utils import timezone

from services.demo_rights import seed_rights
from services.models import Category, Location, Organization, Service, ServiceAtLocation, WeeklyHours
from services.needs import NEEDS

_NS = uuid.UUID("3f4a1b6c-2d7e-4f80-9a1b-c2d3e4f5a6b7")
WEEKDAYS = range(5)
ALL = range(7)
HOURS = {
    "office": [(d, time(8), time(15, 30)) for d in WEEKDAYS],
    "day": [(d, time(10), time(16)) for d in WEEKDAYS],
    "evening": [(d, time(17), time(21)) for d in WEEKDAYS],
    "always": [(d, time(0), time(23, 59)) for d in ALL],
    "night": [(d, time(20), time(8)) for d in ALL],
    "weekend": [(d, time(11), time(15)) for d in (5, 6)],
    "rare": [(1, time(10), time(11))],
    "long": [(d, time(9), time(20)) for d in ALL],
}
# (name, organisation, categories, hours, lat, lon, phone, cost, what, for whom, next steps)
# fmt: off
SERVICES = [
    ('Bolighjelpen', 'Fjordvik kommune', 'housing', 'office', 59.9131, 10.747, '21000001', 'free',
     'Hjelp til å finne og beholde en bolig, og søke kommunal bolig.',
     'Voksne som bor i Fjordvik.',
     'Kom innom uten avtale, eller ring. Ta med legitimasjon hvis du har.'),
    ('Akuttovernatting Havna', 'Fjordvik kommune', 'housing', 'always', 59.91, 10.756, '21000002', 'free',
     'Et sted å sove i natt. Åpent hele døgnet.',
     'Alle over 18 år uten et sted å bo.',
     'Kom direkte, eller ring først. Du trenger ikke legitimasjon.'),
    ('Natthjemmet', 'Kirkens hjelp Fjordvik', 'housing,harm-reduction', 'night', 59.917, 10.761, '21000003', 'free',
     'Seng, dusj og kveldsmat om natten.',
     'Voksne som trenger et sted å sove.',
     'Kom etter kl. 20.'),
    ('Suppekjøkkenet', 'Kirkens hjelp Fjordvik', 'food', 'day', 59.914, 10.752, '21000004', 'free',
     'Varm mat og kaffe hver ukedag.',
     'Alle som trenger et måltid.',
     'Kom innom. Ingen spørsmål.'),
    ('Matsentralen Fjordvik', 'Matsentralen Fjordvik', 'food', 'weekend', 59.922, 10.77, '21000005', 'free',
     'Matposer med dagligvarer i helgene.',
     'Alle med lav inntekt.',
     'Kom innom med en bærepose.'),
    ('Kveldskafeen', 'Fjordvik Røde Kors', 'food,activities', 'evening', 59.925, 10.74, '21000006', 'free',
     'Kveldsmat, prat og spill.',
     'Voksne som vil ha selskap.',
     'Kom innom.'),
    ('Klesbua', 'Fjordvik Røde Kors', 'food', 'rare', 59.906, 10.765, '21000007', 'free',
     'Gratis klær og sko, én time i uka.',
     'Alle som trenger klær.',
     'Kom tirsdag kl. 10.'),
    ('Døgnkiosken for mat', 'Kirkens hjelp Fjordvik', 'food', 'always', 59.9, 10.78, '21000008', 'low',
     'Enkel mat til lav pris, hele døgnet.',
     'Alle.',
     'Kom innom.'),
    ('Gjeldsrådgivning', 'NAV Fjordvik', 'money', 'office', 59.9135, 10.748, '21000009', 'free',
     'Hjelp med gjeld, inkasso og budsjett.',
     'Alle som bor i Fjordvik.',
     'Ring og be om en time.'),
    ('Pengehjelp Fjordvik', 'Fjordvik Frivilligsentral', 'money', 'day', 59.928, 10.755, '21000010', 'free',
     'Frivillige hjelper deg å lage budsjett og betale regninger.',
     'Voksne.',
     'Ring først.'),
    ('NAV Fjordvik', 'NAV Fjordvik', 'nav-work,money', 'office', 59.9133, 10.7475, '21000011', 'free',
     'Økonomisk sosialhjelp, nødhjelp, arbeid og ytelser.',
     'Alle som bor eller oppholder seg i Fjordvik.',
     'Kom innom, eller ring. Trenger du hjelp i dag, si det.'),
    ('Jobbverkstedet', 'NAV Fjordvik', 'nav-work,activities', 'day', 59.919, 10.745, '21000012', 'free',
     'Arbeidstrening med lønn, i små grupper.',
     'Deg som vil prøve å jobbe.',
     'Snakk med veilederen din.'),
    ('Fastlegekontoret Sentrum', 'Legesenteret Sentrum', 'health', 'office', 59.912, 10.75, '21000013', 'low',
     'Fastlege, resepter og sykmelding.',
     'Alle med fastlege her.',
     'Ring for time. Ved akutt sykdom: ring 116 117.'),
    ('Helsestasjonen', 'Fjordvik kommune', 'health,harm-reduction', 'day', 59.915, 10.759, '21000014', 'free',
     'Sårstell, vaksiner og helsesjekk.',
     'Voksne som bruker rusmidler.',
     'Kom innom.'),
    ('Legevakten', 'Fjordvik kommune', 'health', 'always', 59.92, 10.762, '116117', 'low',
     'Akutt hjelp når fastlegen er stengt.',
     'Alle.',
     'Ring 116 117 først. Ved fare for liv: ring 113.'),
    ('Tannhelsetjenesten', 'Fjordvik fylkeskommune', 'health', 'rare', 59.93, 10.78, '21000016', 'free',
     'Gratis tannbehandling for noen grupper.',
     'Personer i rusbehandling og enkelte andre.',
     'Ring for time.'),
    ('Avrusningen', 'Fjordvik sykehus', 'treatment', 'always', 59.94, 10.77, '21000017', 'free',
     'Avrusning med lege og sykepleier.',
     'Voksne med henvisning, eller ring for råd.',
     'Be fastlegen om henvisning.'),
    ('Poliklinikk rus', 'Fjordvik sykehus', 'treatment', 'office', 59.939, 10.769, '21000018', 'free',
     'Samtaler og behandling for rus og psykisk helse.',
     'Voksne med henvisning.',
     'Be fastlegen eller NAV om henvisning.'),
    ('LAR Fjordvik', 'Fjordvik sykehus', 'treatment,harm-reduction', 'office', 59.9385, 10.768, '21000019', 'free',
     'Legemiddelassistert rehabilitering.',
     'Voksne med opioidavhengighet.',
     'Be om henvisning.'),
    ('Sprøyterommet', 'Fjordvik kommune', 'harm-reduction', 'long', 59.911, 10.76, '21000020', 'free',
     'Rent utstyr og et trygt sted, med helsepersonell.',
     'Voksne som injiserer.',
     'Kom innom.'),
    ('Naloksonutdeling', 'Fjordvik kommune', 'harm-reduction', 'day', 59.9115, 10.7605, '21000021', 'free',
     'Gratis nalokson nesespray og opplæring.',
     'Alle som kan være til stede ved en overdose.',
     'Kom innom.'),
    ('Gatejuristen Fjordvik', 'Kirkens hjelp Fjordvik', 'legal', 'rare', 59.9175, 10.7615, '21000022', 'free',
     'Gratis juridisk hjelp.',
     'Personer som har eller har hatt et rusproblem.',
     'Ring eller kom tirsdag.'),
    ('Jussbuss Fjordvik', 'Jusstudentene', 'legal', 'evening', 59.926, 10.735, '21000023', 'free',
     'Gratis rettshjelp fra jusstudenter.',
     'Alle.',
     'Ring eller send e-post.'),
    ('JURK Fjordvik', 'Juridisk rådgivning for kvinner', 'legal,families', 'day', 59.9265, 10.736, '21000024', 'free',
     'Gratis rettshjelp for kvinner.',
     'Kvinner.',
     'Ring for time.'),
    ('Brukerforeningen', 'Brukerforeningen Fjordvik', 'user-orgs,activities', 'day', 59.916, 10.754, '21000025', 'free',
     'Likepersoner, råd og et sted å være.',
     'Alle som bruker eller har brukt rusmidler.',
     'Kom innom.'),
    ('Likepersonstelefonen', 'Brukerforeningen Fjordvik', 'user-orgs', 'long', 59.9162, 10.7542, '21000026', 'free',
     'Snakk med noen som har vært der selv.',
     'Alle.',
     'Ring.'),
    ('Treningsgruppa', 'Fjordvik Frivilligsentral', 'activities', 'weekend', 59.932, 10.75, '21000027', 'free',
     'Trening ute og inne, med andre.',
     'Alle voksne.',
     'Møt opp.'),
    ('Pårørendesenteret', 'Fjordvik kommune', 'families', 'office', 59.923, 10.76, '21000028', 'free',
     'Samtaler og grupper for pårørende.',
     'Familie og venner.',
     'Ring for en samtale.'),
    ('Barnegruppa', 'Fjordvik kommune', 'families,activities', 'rare', 59.9235, 10.761, '21000029', 'free',
     'Grupper for barn med foreldre som ruser seg.',
     'Barn 7–16 år.',
     'Ring Pårørendesenteret.'),
    ('Døgntelefon for pårørende', 'Pårørendesenteret', 'families', 'always', 59.9232, 10.7605, '21000030', 'free',
     'Noen å snakke med, hele døgnet.',
     'Familie og venner.',
     'Ring.'),
]
# fmt: on


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NS, ":".join(str(p) for p in parts))


def _one(row: tuple, categories: dict[str, Category], today: date) -> None:
    name, org_name, codes, hours, lat, lon, phone, cost, what, whom, steps = row
    org, _ = Organization.objects.get_or_create(hsds_id=_id("org", org_name), defaults={"name": f"{org_name} (demo)"})
    service, created = Service.objects.get_or_create(
        hsds_id=_id("service", name),
        defaults={
            "organization": org,
            "name": f"{name} (demo)",
            "description": f"{what} (demo)",
            "eligibility": whom,
            "next_steps": steps,
            "phone": phone,
            "cost": cost,
            "languages": "nb,en",
            # A few entries look old, so the coordinator sees the flag.
            "last_verified": today - timedelta(days=220 if name.startswith(("Klesbua", "Barnegruppa")) else 20),
        },
    )
    if not created:
        return
    service.categories.set([categories[c] for c in codes.split(",")])
    place = Location.objects.create(
        hsds_id=_id("location", name),
        organization=org,
        name=f"{name} (demo)",
        address=f"Demogata {len(name)}",
        postal_code="0150",
        city="Fjordvik",
        latitude=lat,
        longitude=lon,
        open_on_holidays=hours in {"always", "night", "long"},
    )
    ServiceAtLocation.objects.create(hsds_id=_id("sal", name), service=service, location=place)
    WeeklyHours.objects.bulk_create(
        [
            WeeklyHours(hsds_id=_id("hours", name, i), location=place, weekday=d, opens=o, closes=c)
            for i, (d, o, c) in enumerate(HOURS[hours])
        ]
    )


def seed() -> None:
    # The needs come with a migration; a test database emptied between tests has lost them.
    for position, (code, name_nb, name_en) in enumerate(NEEDS):
        Category.objects.get_or_create(
            code=code, defaults={"name_nb": name_nb, "name_en": name_en, "position": position}
        )
    categories = {c.code: c for c in Category.objects.all()}
    today = timezone.localdate()
    for row in SERVICES:
        _one(row, categories, today)
    seed_rights()
