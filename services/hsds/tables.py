"""The HSDS 3.0 tables Triangel reads and writes, with the columns it uses, and stable ids.

Rows that Triangel keeps as fields of another (a service's phone, languages and cost; its
categories) get ids derived from the owner's id, so exporting twice gives the same file."""

import uuid

from services.needs import NEEDS, TAXONOMY, TAXONOMY_ID

TABLES: dict[str, list[str]] = {
    "organization": ["id", "name", "description", "email", "website"],
    "service": [
        "id",
        "organization_id",
        "name",
        "description",
        "url",
        "email",
        "status",
        "eligibility_description",
        "application_process",
        "assured_date",
    ],
    "location": ["id", "location_type", "organization_id", "name", "latitude", "longitude"],
    "address": ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
    "service_at_location": ["id", "service_id", "location_id"],
    "phone": ["id", "service_id", "number", "type"],
    "language": ["id", "service_id", "code", "name"],
    "cost_option": ["id", "service_id", "option", "amount", "currency"],
    "schedule": [
        "id",
        "location_id",
        "freq",
        "byday",
        "opens_at",
        "closes_at",
        "valid_from",
        "valid_to",
        "description",
    ],
    "taxonomy": ["id", "name", "description", "uri", "version"],
    "taxonomy_term": ["id", "code", "name", "description", "taxonomy", "taxonomy_id", "language", "parent_id"],
    "attribute": ["id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value", "label"],
}

BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FLAGS = "triangel-flags"
FLAGS_ID = "5b7e2d0c-8f41-4c2a-b3d9-6e0a9c1f7d22"
OPEN_ON_HOLIDAYS = "open-public-holidays"
_NS = uuid.UUID("0c1d5e0a-7b3f-4e58-9a2c-81f4d6b3e9a0")


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(_NS, ":".join(str(p) for p in parts)))


def term_id(code: str) -> str:
    return derived_id("term", code)


def taxonomy_rows() -> list[dict[str, str]]:
    return [
        {
            "id": TAXONOMY_ID,
            "name": TAXONOMY,
            "description": "Triangel: needs a service helps with",
            "uri": "",
            "version": "1",
        },
        {"id": FLAGS_ID, "name": FLAGS, "description": "Triangel: facts about a location", "uri": "", "version": "1"},
    ]


def term_rows() -> list[dict[str, str]]:
    rows = [
        {
            "id": term_id(code),
            "code": code,
            "name": en,
            "description": nb,
            "taxonomy": TAXONOMY,
            "taxonomy_id": TAXONOMY_ID,
            "language": "en",
            "parent_id": "",
        }
        for code, nb, en in NEEDS
    ]
    rows.append(
        {
            "id": term_id(OPEN_ON_HOLIDAYS),
            "code": OPEN_ON_HOLIDAYS,
            "name": "Open on public holidays",
            "description": "Åpent på helligdager",
            "taxonomy": FLAGS,
            "taxonomy_id": FLAGS_ID,
            "language": "en",
            "parent_id": "",
        }
    )
    return rows
