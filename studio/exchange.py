"""Catalogue content in and out of the studio as files: the YAML tree fixtures/ holds.

An export is the catalogue's files (catalogue/…) and the stories saved in the studio as scenario
files (scenarios/<name>.yaml), the layout of fixtures/. A zip of that tree, or the folders, can
be imported as a new draft: all or nothing, checked by the loader, whose messages name file,
field and problem. Exporting the draft made from an export gives the same bytes again.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from pydantic import ValidationError

from audit.services import audit_record
from procedures import content
from procedures.models import CatalogueVersion
from procedures.scenarios import Scenario, dump_scenario
from procedures.selectors import catalogue_version_in_force, version_source
from procedures.services import catalogue_check
from staff.permissions import require_capability

from .models import Draft, Story
from .services import DraftInvalid, content_of, source_of

CATALOGUE = "catalogue"
SCENARIOS = "scenarios"
ZIP_MAX_BYTES = 5 * 1024 * 1024  # the upload itself
UNPACKED_MAX_BYTES = 20 * 1024 * 1024  # all files unpacked (the shipped catalogue is about 0.4 MB)
MAX_FILES = 2000
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # fixed, so that the same content gives the same zip bytes
IMPORT_REASON = "ファイルから取り込み"


def _error(file: str, problem: str, where: str = "") -> content.ContentError:
    return content.ContentError(file, where, problem)


@dataclass
class Bundle:
    """Files of one export: the catalogue's by path under catalogue/, the stories' by file name."""

    catalogue: dict[str, str]
    scenarios: dict[str, str] = field(default_factory=dict)
    where: tuple[str, str] = (f"{CATALOGUE}/", f"{SCENARIOS}/")  # how messages name its files: as in a zip

    def zip_bytes(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for folder, files in ((CATALOGUE, self.catalogue), (SCENARIOS, self.scenarios)):
                for rel in sorted(files):
                    info = zipfile.ZipInfo(f"{folder}/{rel}", date_time=_ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, files[rel].encode("utf-8"))
        return buffer.getvalue()

    def write(self, catalogue_dir: Path, scenarios_dir: Path | None = None) -> list[str]:
        written = []
        for root, files in ((catalogue_dir, self.catalogue), (scenarios_dir, self.scenarios)):
            if root is None:
                continue
            Path(root).mkdir(parents=True, exist_ok=True)  # an empty stories folder too
            for rel, text in sorted(files.items()):
                path = Path(root) / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                written.append(str(path))
        return written


# --- export ----------------------------------------------------------------------------------------


def _story_files(overlay: dict[str, dict] | None = None) -> dict[str, str]:
    """The stories saved in the studio (rows), with a draft's own on top, as scenario files."""
    stories = {row.name: {**row.data, "reason": row.reason} for row in Story.objects.all()}
    for name, story in (overlay or {}).items():
        stories[name] = {**story["scenario"], "reason": story["reason"]}
    return {f"{name}.yaml": dump_scenario(data) for name, data in sorted(stories.items())}


def version_bundle(version: CatalogueVersion) -> Bundle:
    """A published version's files, with the stories saved in the studio as they are now."""
    return Bundle(catalogue=version_source(version).files(), scenarios=_story_files())


def draft_bundle(draft: Draft) -> Bundle:
    """A draft's files, with the studio's stories and the draft's own added or changed ones."""
    return Bundle(catalogue=source_of(draft.content).files(), scenarios=_story_files(draft.stories))


# --- reading an import -----------------------------------------------------------------------------


def _safe_name(name: str) -> str | None:
    """The member's path if it stays inside the tree (no absolute path, no '..', no backslash)."""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        return None
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts[:-1]) or parts[-1] in (".", ".."):
        return None
    if posixpath.normpath(name) != name.rstrip("/"):
        return None
    return name


def too_large(name: str) -> content.ContentError:
    return _error(name, f"is larger than {ZIP_MAX_BYTES // (1024 * 1024)} MB")


def _zip_texts(data: bytes, name: str) -> dict[str, str]:
    """Every file of an uploaded zip by its path, as text; DraftInvalid says what is wrong with it."""
    if len(data) > ZIP_MAX_BYTES:
        raise DraftInvalid([too_large(name)])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise DraftInvalid([_error(name, "is not a zip file")]) from None
    errors: list[content.ContentError] = []
    files = [m for m in members if not m.is_dir()]
    if len(files) > MAX_FILES:
        raise DraftInvalid([_error(name, f"holds more than {MAX_FILES} files")])
    if sum(m.file_size for m in files) > UNPACKED_MAX_BYTES:
        raise DraftInvalid([_error(name, f"unpacks to more than {UNPACKED_MAX_BYTES // (1024 * 1024)} MB")])
    texts: dict[str, str] = {}
    for member in members:
        path = _safe_name(member.filename)
        if path is None:
            errors.append(_error(member.filename, "is not a path inside the tree (absolute, '..' or '\\')"))
            continue
        if member.is_dir():
            continue
        if member.flag_bits & 0x1:
            errors.append(_error(path, "is encrypted"))
            continue
        try:
            with archive.open(member) as fh:
                raw = fh.read(UNPACKED_MAX_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            errors.append(_error(path, f"cannot be read from the zip ({exc})"))
            continue
        if len(raw) != member.file_size:
            errors.append(_error(path, "its size differs from what the zip says"))
            continue
        try:
            texts[path] = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(_error(path, "not UTF-8 text"))
    if errors:
        raise DraftInvalid(errors)
    return texts


def unpack_zip(data: bytes, name: str = "upload.zip") -> Bundle:
    """The files of an uploaded zip in the export's layout (catalogue/, scenarios/)."""
    bundle = Bundle(catalogue={}, scenarios={})
    errors = []
    for path, text in _zip_texts(data, name).items():
        folder, _, rel = path.partition("/")
        if folder not in (CATALOGUE, SCENARIOS) or not rel:
            errors.append(_error(path, f"not in {CATALOGUE}/ or {SCENARIOS}/ (the layout of fixtures/)"))
            continue
        (bundle.catalogue if folder == CATALOGUE else bundle.scenarios)[rel] = text
    if not bundle.catalogue and not errors:
        errors.append(_error(name, f"holds no {CATALOGUE}/ folder"))
    if errors:
        raise DraftInvalid(errors)
    return bundle


def unpack_release(data: bytes, name: str = "release.zip") -> dict[str, str]:
    """A national release as a zip: national/… files, or an export's catalogue/national/… (the rest left out)."""
    texts = _zip_texts(data, name)
    if any(path.startswith(f"{CATALOGUE}/") for path in texts):
        texts = {
            path.removeprefix(f"{CATALOGUE}/"): text
            for path, text in texts.items()
            if path.startswith(f"{CATALOGUE}/national/")
        }
    return texts


def read_release_folder(path: Path) -> dict[str, str]:
    """A national release on disk: a folder holding national/, or the national folder itself."""
    path = Path(path)
    root = path / "national" if (path / "national").is_dir() else path
    if not (root / "laws.yaml").is_file():
        raise DraftInvalid([_error(str(path), "no national/ folder (with laws.yaml) here")])
    return {f"national/{rel}": text for rel, text in read_folders(root).catalogue.items()}


def read_folders(catalogue_dir: Path, scenarios_dir: Path | None = None) -> Bundle:
    """The files of a catalogue folder (and a stories folder) on disk, as an import reads them."""
    catalogue_dir = Path(catalogue_dir)
    if not catalogue_dir.is_dir():
        raise DraftInvalid([_error(str(catalogue_dir), "no such catalogue folder")])
    errors = []

    def texts(root: Path) -> dict[str, str]:
        out = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            try:
                out[rel] = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                errors.append(_error(rel, "not UTF-8 text"))
        return out

    where = (f"{catalogue_dir}/", f"{scenarios_dir}/")
    bundle = Bundle(catalogue=texts(catalogue_dir), where=where)
    if scenarios_dir is not None:
        if not Path(scenarios_dir).is_dir():
            errors.append(_error(str(scenarios_dir), "no such stories folder"))
        else:
            bundle.scenarios = {f"{rel}": text for rel, text in texts(Path(scenarios_dir)).items()}
    if errors:
        raise DraftInvalid(errors)
    return bundle


def _stories_of(files: dict[str, str], prefix: str) -> tuple[dict[str, dict], list[content.ContentError]]:
    """Scenario files read and shape-checked: name -> {scenario, reason}."""
    stories, errors = {}, []
    for rel, text in sorted(files.items()):
        where = f"{prefix}{rel}"
        name = rel[: -len(".yaml")] if rel.endswith(".yaml") else ""
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,99}", name):
            errors.append(_error(where, "not a story file: scenarios/<name>.yaml, name in a-z, 0-9, _"))
            continue
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            errors.append(_error(where, f"not valid YAML: {getattr(exc, 'problem', exc)}", at))
            continue
        try:
            scenario = Scenario.model_validate(data).model_dump()
        except ValidationError as exc:
            for err in exc.errors():
                errors.append(_error(where, content._pydantic_message(err), ".".join(str(p) for p in err["loc"])))
            continue
        reason = (scenario.pop("reason") or "").strip() or IMPORT_REASON
        stories[name] = {"scenario": scenario, "reason": reason}
    return stories, errors


def bundle_check(bundle: Bundle) -> tuple[content.Source, dict[str, dict]]:
    """The loader's validation of the catalogue's files and the stories' shape: every problem at once."""
    errors: list[content.ContentError] = []
    source = None
    try:
        source = content.read_files(bundle.catalogue)
        catalogue_check(source=source)
    except content.ContentErrors as exc:
        errors += [
            content.ContentError(f"{bundle.where[0]}{e.file}" if e.file != "catalogue" else e.file, e.field, e.problem)
            for e in exc.errors
        ]
    stories, story_errors = _stories_of(bundle.scenarios, bundle.where[1])
    errors += story_errors
    if errors:
        raise DraftInvalid(errors)
    return source, stories


# --- import ----------------------------------------------------------------------------------------


def draft_import(*, actor, title: str, bundle: Bundle, ip: str | None = None, action: str = "studio.draft_import"):
    """A new draft holding the imported files: nothing stored unless everything is valid.

    Stories are kept in the draft only where they differ from the story of that name the studio
    already has (a file in fixtures/scenarios or one saved here); publishing saves them.
    """
    from .selectors import stories as current_stories

    require_capability(actor, "studio.edit")
    source, stories = bundle_check(bundle)
    known = {name: (scenario.model_dump(), reason) for name, _, scenario, reason in current_stories()}
    changed = {
        name: story
        for name, story in stories.items()
        if name not in known or known[name][0] != {**story["scenario"], "reason": None}
    }
    base = catalogue_version_in_force()
    with transaction.atomic():
        draft = Draft.objects.create(
            title=title, base_version=base, content=content_of(source), stories=changed, created_by=actor
        )
        draft.authors.add(actor)
        audit_record(
            user=actor, action=action, target_type="draft", target_id=str(draft.pk), ip=ip,
            detail={"title": title, "files": len(bundle.catalogue), "content_hash": source.content_hash,
                    "stories": sorted(changed), "stories_unchanged": sorted(set(stories) - set(changed))},
        )  # fmt: skip
    return draft


def export_record(*, actor, what: Draft | CatalogueVersion, ip: str | None = None) -> None:
    """Downloads are audited like the other studio actions (who took which content out)."""
    if isinstance(what, Draft):
        target_type, target_id, detail = "draft", what.pk, {"revision": what.revision}
    else:
        target_type, target_id, detail = "catalogue_version", what.pk, {"content_hash": what.content_hash}
    audit_record(user=actor, action="studio.export", target_type=target_type, target_id=str(target_id), ip=ip,
                 detail=detail)  # fmt: skip


# --- national updates ------------------------------------------------------------------------------


def draft_national_update(*, actor, title: str, national_files: dict[str, str], ip: str | None = None) -> Draft:
    """A new release of the national layer as a draft of the version in force, the municipality's layer kept.

    What was taken automatically and the conflicts are stored on the draft (procedures/merge.py
    says what conflicts); it cannot be submitted or published while a conflict is open.
    """
    from procedures.merge import national_merge, read_release

    require_capability(actor, "studio.edit")
    version = catalogue_version_in_force()
    base = version_source(version)
    try:
        merged = national_merge(base, read_release(base, national_files))
        source = content.read_files(merged.source.files())
        catalogue_check(source=source)
    except content.ContentErrors as exc:
        raise DraftInvalid(exc.errors) from exc
    digest = hashlib.sha256()
    for rel, text in sorted(national_files.items()):
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
    update = {"release": digest.hexdigest(), "base": version.content_hash, "taken": merged.taken,
              "conflicts": merged.conflicts}  # fmt: skip
    with transaction.atomic():
        draft = Draft.objects.create(
            title=title, base_version=version, content=content_of(source), national_update=update, created_by=actor
        )
        draft.authors.add(actor)
        audit_record(
            user=actor, action="studio.national_update", target_type="draft", target_id=str(draft.pk), ip=ip,
            detail={"title": title, "release": update["release"], "taken": len(merged.taken),
                    "conflicts": [c["id"] for c in merged.conflicts]},
        )  # fmt: skip
    return draft
