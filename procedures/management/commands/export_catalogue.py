from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procedures.content import write_tree
from procedures.models import CatalogueVersion
from procedures.selectors import NoCatalogue, catalogue_version_in_force, version_source


class Command(BaseCommand):
    help = (
        "Write a catalogue version (or a rule studio draft) back as the YAML files it was loaded from; "
        "with --scenarios, the stories saved in the studio as scenario files there too."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="folder to write the catalogue into (the layout of fixtures/catalogue/)")
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--catalogue-version",
            dest="version_hash",
            help="content hash (or a prefix); default: the one in force today",
        )
        which.add_argument("--draft", type=int, help="a rule studio draft, by its number")
        parser.add_argument(
            "--scenarios",
            help="folder to write the studio's stories into as <name>.yaml (the layout of fixtures/scenarios/)",
        )

    def handle(self, *args, path, version_hash=None, draft=None, scenarios=None, **options):
        from studio.exchange import draft_bundle, version_bundle
        from studio.models import Draft

        if draft is not None:
            found = Draft.objects.filter(pk=draft).first()
            if found is None:
                raise CommandError(f"no draft {draft}")
            bundle, what = draft_bundle(found), f"draft {found.pk} ({found.title}, revision {found.revision})"
        else:
            version = self._version(version_hash)
            if scenarios is None:  # the files alone, exactly as before (CI compares them with git diff)
                written = write_tree(version_source(version), Path(path))
                self.stdout.write(f"wrote {len(written)} files of version {version.content_hash[:12]} to {path}")
                return
            bundle, what = version_bundle(version), f"version {version.content_hash[:12]}"
        if scenarios is None:
            bundle.scenarios = {}
        bundle.write(Path(path), Path(scenarios) if scenarios else None)
        stories = f" and {len(bundle.scenarios)} stories to {scenarios}" if scenarios else ""
        self.stdout.write(f"wrote {len(bundle.catalogue)} files of {what} to {path}{stories}")

    def _version(self, version_hash):
        if version_hash:
            matches = list(CatalogueVersion.objects.filter(content_hash__startswith=version_hash)[:2])
            if len(matches) != 1:
                raise CommandError(f"no single version matches '{version_hash}'")
            return matches[0]
        try:
            version = catalogue_version_in_force()
        except NoCatalogue:
            version = CatalogueVersion.objects.order_by("-published_at", "-id").first()
        if version is None:
            raise CommandError("no catalogue is loaded: run load_catalogue first")
        return version
