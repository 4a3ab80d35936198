"""Export the service directory as an HSDS 3.0 tabular data package (a folder, or a .zip)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from services.hsds import writer


class Command(BaseCommand):
    help = "Export services as an HSDS 3.0 tabular data package: a zip when PATH ends in .zip, else a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        writer.write(options["path"])
        self.stdout.write(self.style.SUCCESS(f"Exported to {options['path']}."))
