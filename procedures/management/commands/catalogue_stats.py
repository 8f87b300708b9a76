import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from procedures.content import ContentErrors, read_tree
from procedures.scenarios import coverage, scenario_files
from procedures.services import catalogue_check


class Command(BaseCommand):
    help = "Counts of the catalogue's content and of what the scenario stories cover, as JSON."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help="catalogue folder (default: CATALOGUE_DIR)")
        parser.add_argument("--scenarios", default=None, help="stories folder (default: fixtures/scenarios)")

    def handle(self, *args, path=None, scenarios=None, **options):
        folder = Path(path) if path else Path(settings.CATALOGUE_DIR)
        stories = Path(scenarios) if scenarios else settings.BASE_DIR / "fixtures" / "scenarios"
        try:
            source = read_tree(folder)
            catalogue = catalogue_check(source=source)
        except ContentErrors as exc:
            raise CommandError(str(exc)) from exc
        citations = [c for p in source.procedures for c in p["legal_basis"]]
        laws = {law["key"]: law for law in source.laws}
        covered = coverage(catalogue, stories)
        codes = {p.code for p in catalogue.procedures}
        stats = {
            "procedures": len(catalogue.procedures),
            "procedures_national": sum(1 for p in source.procedures if p["_layer"] == "national"),
            "procedures_municipal": sum(1 for p in source.procedures if p["_layer"] != "national"),
            "questions": len(catalogue.questions),
            "laws": len(source.laws),
            "laws_verified": sum(1 for law in source.laws if law["verified"]),
            "citations": len(citations),
            "citations_verified": sum(1 for c in citations if laws[c["law"]]["verified"]),
            "scenarios": len(scenario_files(stories)),
            "procedures_not_required_in_any_scenario": sorted(codes - covered["required"]),
            "procedures_with_check_in_a_scenario": len(codes & covered["check"]),
        }
        self.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2))
