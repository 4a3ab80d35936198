from care.demo import continuity, feedback, groups, help, peers, waiting


def seed_all() -> None:
    """Demo data for the co-production parts, after the people, calendars and caseloads exist."""
    for part in (peers, groups, continuity, help, waiting, feedback):
        part.seed()
