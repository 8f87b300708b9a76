import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from procedures.content import ContentErrors, read_tree
from procedures.engine.catalogue import CompiledCatalogue
from procedures.engine.findings import check_acceptances, describe, identity
from procedures.engine.walk import WalkError, walk
from procedures.selectors import NoCatalogue, catalogue_document, catalogue_version_in_force, version_source
from procedures.services import catalogue_check


class Command(BaseCommand):
    help = (
        "Walk the questionnaire: procedures no answers reach, questions never shown or without effect, "
        "rules reading facts never asked, show_if cycles (JSON on stdout, the time on stderr). "
        "--check fails on findings not accepted in accepted_findings.yaml and on stale acceptances."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help="catalogue folder (default: CATALOGUE_DIR)")
        parser.add_argument("--municipality", help="walk this municipality only (default: every one in the folder)")
        parser.add_argument("--in-force", action="store_true", help="walk the version in force instead of a folder")
        parser.add_argument(
            "--check", action="store_true", help="exit non-zero on findings not accepted and stale acceptances"
        )

    def handle(self, *args, path=None, municipality=None, in_force=False, check=False, **options):
        started = time.perf_counter()
        try:
            if in_force:
                version = catalogue_version_in_force()
                source, where = version_source(version), f"version {version.content_hash[:12]}"
            else:
                folder = Path(path) if path else Path(settings.CATALOGUE_DIR)
                source, where = read_tree(folder), str(folder)
            catalogue_check(source=source)
        except NoCatalogue as exc:
            raise CommandError("no catalogue version is in force: run load_catalogue first") from exc
        except ContentErrors as exc:
            raise CommandError(f"the catalogue does not load:\n{exc}") from exc
        codes = [m["code"] for m in source.municipalities]
        if municipality is not None:
            if municipality not in codes:
                raise CommandError(f"no municipality '{municipality}' in {where} (there are: {', '.join(codes)})")
            codes = [municipality]
        walks, results = {}, []
        for code in codes:
            try:
                result = walk(CompiledCatalogue(catalogue_document(source, code)))
            except WalkError as exc:
                raise CommandError(f"municipality {code}: {exc}") from exc
            walks[code] = result.findings
            results.append((code, result))
        not_accepted, stale = check_acceptances(walks, source.accepted_findings)
        missing = {(f["municipality"], identity(f)) for f in not_accepted}
        report = {
            "catalogue": where,
            "municipalities": [
                {
                    "municipality": code,
                    "findings": [{**f, "accepted": (code, identity(f)) not in missing} for f in result.findings],
                    "procedures": result.procedures,
                    "questions": result.questions,
                    "queries": result.queries,
                    "seconds": round(result.seconds, 3),
                }
                for code, result in results
            ],
            "not_accepted": [{"municipality": f["municipality"], "finding": describe(f)} for f in not_accepted],
            "stale": [{"file": a["_file"], **{k: v for k, v in a.items() if not k.startswith("_")}} for a in stale],
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        elapsed = time.perf_counter() - started
        found = sum(len(f) for f in walks.values())
        self.stderr.write(
            f"catalogue_walk: {found} findings, {len(not_accepted)} not accepted, {len(stale)} stale acceptances; "
            f"{elapsed:.2f} s"
        )
        if check and (not_accepted or stale):
            lines = [f"not accepted ({f['municipality']}): {describe(f)}: {f['message']}" for f in not_accepted]
            lines += [f"stale acceptance in {a['_file']}: {describe(a)} is no longer found" for a in stale]
            raise CommandError("catalogue_walk --check failed:\n" + "\n".join(lines))
