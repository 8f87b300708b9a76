from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from procedures.content import ContentErrors
from procedures.services import catalogue_load


class Command(BaseCommand):
    help = "Validate a catalogue folder and import it as a new version (nothing changes on any error)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help="catalogue folder (default: CATALOGUE_DIR)")

    def handle(self, *args, path=None, **options):
        folder = Path(path) if path else Path(settings.CATALOGUE_DIR)
        try:
            result = catalogue_load(path=folder)
        except ContentErrors as exc:
            raise CommandError(f"catalogue not loaded, nothing changed:\n{exc}") from exc
        v = result.version
        if result.created:
            self.stdout.write(f"loaded catalogue version {v.content_hash[:12]} effective from {v.effective_from}")
        else:
            self.stdout.write(f"unchanged: version {v.content_hash[:12]} already holds this content")
        if options["verbosity"] > 1 or result.created:
            self.stdout.write(f"municipality {v.municipality} changes the national layer:")
            for line in result.municipality_changes:
                self.stdout.write(f"  {line}")
