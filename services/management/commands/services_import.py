"""Import a service directory in HSDS 3.0 (a folder or zip of CSV files with datapackage.json)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from services.hsds import reader
from services.hsds.apply import import_package


class Command(BaseCommand):
    help = "Import services from an HSDS 3.0 data package (folder or zip); nothing changes unless every row is valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = import_package(options["path"])
        except reader.Refused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(f"Nothing imported: {len(refused.problems)} problem(s).") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {outcome.created} new, {outcome.changed} changed, {outcome.unchanged} unchanged."
            )
        )
