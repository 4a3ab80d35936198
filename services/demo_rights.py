"""The rights pages the demo (and a new municipality) starts with: short, plain, both
languages, citing the law by name. Coordinators edit them on the web; seeding again only adds
pages that are missing. They explain; they are not legal advice."""

from services.models import RightsPage, Service

# (slug, title nb, title en, law, services (demo names) that help, body nb, body en)
PAGES = [
    (
        "individual-plan",
        "Individuell plan og koordinator",
        "Individual plan and coordinator",
        "Helse- og omsorgstjenesteloven §§ 7-1 og 7-2; sosialtjenesteloven § 28; "
        "pasient- og brukerrettighetsloven § 2-5",
        ["NAV Fjordvik", "Brukerforeningen"],
        "Trenger du hjelp fra flere tjenester over lang tid, har du rett til en individuell plan. Planen samler "
        "målene dine og hvem som gjør hva, så du slipper å fortelle alt på nytt.\n\n"
        "Kommunen skal også gi deg en koordinator: én person som holder i planen og samarbeidet rundt deg.\n\n"
        "Du må selv samtykke til planen, og du skal være med på å lage den. Be kommunen, fastlegen eller NAV om "
        "en individuell plan. Får du nei, kan du klage.",
        "If you need help from several services over a long time, you have the right to an individual plan. The "
        "plan gathers your goals and who does what, so you do not have to tell everything again.\n\n"
        "The municipality must also give you a coordinator: one person who keeps the plan and the cooperation "
        "around you together.\n\n"
        "The plan needs your consent, and you take part in making it. Ask the municipality, your GP or NAV for an "
        "individual plan. If they say no, you can complain.",
    ),
    (
        "responsibility-group",
        "Ansvarsgruppe",
        "Responsibility group",
        "Ingen egen lovparagraf; brukes i arbeidet med individuell plan (helse- og omsorgstjenesteloven § 7-1)",
        ["NAV Fjordvik", "Pårørendesenteret"],
        "En ansvarsgruppe er deg og de som hjelper deg, som møtes jevnlig for å samarbeide. Ofte leder "
        "koordinatoren møtene.\n\n"
        "Det står ikke i loven at du har rett til en ansvarsgruppe. Men den er en vanlig måte å gjøre arbeidet "
        "med individuell plan på, og du kan alltid be om det.\n\n"
        "Du bestemmer hvem som skal være med, og hva de kan snakke om.",
        "A responsibility group is you and the people who help you, meeting regularly to work together. The "
        "coordinator often leads the meetings.\n\n"
        "No law gives you a right to a responsibility group as such. But it is a common way of doing the work "
        "on an individual plan, and you can always ask for one.\n\n"
        "You decide who takes part and what they may talk about.",
    ),
    (
        "social-assistance",
        "Økonomisk sosialhjelp og nødhjelp fra NAV",
        "Social assistance and emergency help from NAV",
        "Sosialtjenesteloven §§ 18, 19 og 27",
        ["NAV Fjordvik", "Gjeldsrådgivning"],
        "Kan du ikke forsørge deg selv med arbeid, trygd eller andre penger, har du rett til økonomisk stønad "
        "fra NAV-kontoret (§ 18). NAV kan også gi stønad i særlige tilfeller (§ 19).\n\n"
        "Har du ikke penger til mat eller et sted å sove i dag, si det. NAV skal da vurdere saken din med en "
        "gang og hjelpe deg i nødsituasjonen.\n\n"
        "Du får et skriftlig vedtak. Er du uenig, kan du klage til NAV-kontoret. Saken går så til "
        "statsforvalteren.",
        "If you cannot support yourself through work, benefits or other money, you have the right to financial "
        "support from the NAV office (section 18). NAV may also give support in special cases (section 19).\n\n"
        "If you have no money for food or nowhere to sleep today, say so. NAV must then look at your case at "
        "once and help you in the emergency.\n\n"
        "You get a written decision. If you disagree, you can complain to the NAV office. The case then goes to "
        "the County Governor (statsforvalteren).",
    ),
    (
        "temporary-housing",
        "Midlertidig botilbud",
        "Temporary housing",
        "Sosialtjenesteloven § 27",
        ["Akuttovernatting Havna", "Bolighjelpen", "NAV Fjordvik"],
        "Har du ikke et sted å bo i natt, og klarer ikke å skaffe det selv, skal kommunen finne et midlertidig "
        "botilbud til deg (§ 27). Kontakt NAV-kontoret.\n\n"
        "Tilbudet skal være forsvarlig. NAV skal også hjelpe deg videre mot en fast bolig.",
        "If you have nowhere to stay tonight and cannot find somewhere yourself, the municipality must find you "
        "temporary housing (section 27). Contact the NAV office.\n\n"
        "The place must be safe and adequate. NAV must also help you on towards a permanent home.",
    ),
    (
        "patient-rights",
        "Pasientrettigheter og klage",
        "Patient rights and complaints",
        "Pasient- og brukerrettighetsloven kapittel 7 (klage) og kapittel 8 (pasient- og brukerombud)",
        ["Fastlegekontoret Sentrum", "Brukerforeningen"],
        "Mener du at du ikke har fått den hjelpen du har rett til fra helse- eller omsorgstjenesten, kan du "
        "klage. Klag først til den som tok avgjørelsen. Får du ikke medhold, går saken til statsforvalteren.\n\n"
        "Pasient- og brukerombudet hjelper deg gratis med å klage og med å forstå rettighetene dine.",
        "If you believe you did not get the health or care services you have a right to, you can complain. "
        "Complain first to whoever made the decision. If they do not agree, the case goes to the County "
        "Governor (statsforvalteren).\n\n"
        "The patient and user ombudsman (pasient- og brukerombudet) helps you for free to complain and to "
        "understand your rights.",
    ),
    (
        "legal-aid",
        "Gratis juridisk hjelp",
        "Free legal aid",
        "Rettshjelploven (fri rettshjelp)",
        ["Gatejuristen Fjordvik", "Jussbuss Fjordvik", "JURK Fjordvik"],
        "Med lav inntekt og formue kan du få fri rettshjelp betalt av staten i noen typer saker. Søk hos "
        "statsforvalteren, eller spør en advokat.\n\n"
        "Det finnes også gratis rettshjelp: Jussbuss (jusstudenter), Juridisk rådgivning for kvinner (JURK) og "
        "Gatejuristen, som hjelper personer som har eller har hatt et rusproblem.",
        "With a low income and little savings you can get free legal aid paid by the state in some kinds of "
        "cases. Apply to the County Governor (statsforvalteren), or ask a lawyer.\n\n"
        "There is also free legal advice: Jussbuss (law students), Legal Advice for Women (JURK) and "
        "Gatejuristen, which helps people who have or have had a drug or alcohol problem.",
    ),
]


def seed_rights() -> None:
    for position, (slug, title_nb, title_en, law, helpers, body_nb, body_en) in enumerate(PAGES):
        page, created = RightsPage.objects.get_or_create(
            slug=slug,
            defaults={
                "title_nb": title_nb,
                "title_en": title_en,
                "law": law,
                "body_nb": body_nb,
                "body_en": body_en,
                "position": position,
            },
        )
        if created:
            page.services.set(Service.objects.filter(name__in=[f"{name} (demo)" for name in helpers]))
