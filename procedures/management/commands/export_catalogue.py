from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procedures.content import write_tree
from procedures.models import CatalogueVersion
from procedures.selectors import NoCatalogue, catalogue_version_in_force, version_source


class Command(BaseCommand):
    help = "Write a catalogue version back as the YAML files it was loaded from."

    def add_arguments(self, parser):
        parser.add_argument("path", help="folder to write into")
        parser.add_argument(
            "--catalogue-version",
            dest="version_hash",
            help="content hash (or a prefix); default: the one in force today",
        )

    def handle(self, *args, path, version_hash=None, **options):
        if version_hash:
            matches = list(CatalogueVersion.objects.filter(content_hash__startswith=version_hash)[:2])
            if len(matches) != 1:
                raise CommandError(f"no single version matches '{version_hash}'")
            version = matches[0]
        else:
            try:
                version = catalogue_version_in_force()
            except NoCatalogue:
                version = CatalogueVersion.objects.order_by("-published_at", "-id").first()
            if version is None:
                raise CommandError("no catalogue is loaded: run load_catalogue first")
        written = write_tree(version_source(version), Path(path))
        self.stdout.write(f"wrote {len(written)} files of version {version.content_hash[:12]} to {path}")
