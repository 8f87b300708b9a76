"""Catalogue content as files: read the YAML tree, check its shape, write it back canonically.

Plain Python (no Django), so the same code serves the loader, the exporter and, later, the rule
studio's import/export. The shape is documented in docs/catalogue-format.md.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from .engine.findings import identity, identity_problem

LANGS = ("ja", "en", "easy")
CODE = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class ContentError(ValueError):
    """A problem in one file, at one field: str() reads 'file: field: problem'."""

    def __init__(self, file: str, field: str, problem: str):
        self.file, self.field, self.problem = file, field, problem
        super().__init__(f"{file}: {field or '(file)'}: {problem}")


class ContentErrors(ValueError):
    def __init__(self, errors: list[ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# --- shape -------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Text(_Model):
    ja: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]
    easy: Annotated[str, StringConstraints(min_length=1)]


class CatalogueMeta(_Model):
    effective_from: str
    municipality: CODE

    @field_validator("effective_from")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        return _check_iso_date(value)


class Law(_Model):
    key: CODE
    name: Text
    number: str
    egov_id: str | None = None
    verified: bool


class LifeEvent(_Model):
    code: CODE
    name: Text
    description: Text
    event_date_label: Text  # the day deadlines count from: 生まれた日, 亡くなった日 …


class Office(_Model):
    code: CODE
    name: Text


class Choice(_Model):
    value: CODE
    label: Text


class Question(_Model):
    key: CODE
    order: int
    life_events: list[CODE] = Field(min_length=1)
    per_member: bool
    type: Literal["yes_no", "choice", "number", "date"]
    text: Text
    help: Text | None = None
    choices: list[Choice] | None = None
    min: int | None = None  # for numbers
    max: int | None = None
    show_if: Any = None


class Where(_Model):
    counter: CODE | None = None
    office: CODE | None = None


class Fee(_Model):
    yen: int = Field(ge=0)
    note: Text | None = None


class Citation(_Model):
    law: CODE
    article: str
    note: Text | None = None


class Document(_Model):
    name: Text
    note: Text | None = None
    applies_if: Any = None


class Procedure(_Model):
    code: CODE
    life_events: list[CODE] = Field(min_length=1)
    name: Text
    description: Text
    rationale: Annotated[str, StringConstraints(min_length=1)]  # the rule in one line, for review
    where: Where
    online_url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    fee: Fee | None = None
    per_member: bool
    applies_if: Any
    deadline: dict[str, Any] | None
    deadline_note: Text | None = None  # words for the deadline when the law sets no count: 速やかに, 期限なし …
    legal_basis: list[Citation] = Field(min_length=1)
    documents: list[Document] = []


class Counter(_Model):
    code: CODE
    name: Text
    department: Text
    location: Text
    hours: Text
    visit_order: int


class Municipality(_Model):
    code: CODE
    name: Text
    closed_days: list[str] = []
    counters: list[Counter] = Field(min_length=1)

    @field_validator("closed_days")
    @classmethod
    def _iso_dates(cls, value: list[str]) -> list[str]:
        return [_check_iso_date(v) for v in value]


class Override(_Model):
    procedure: CODE
    where: Where | None = None
    fee: Fee | None = None
    online_url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None


class AcceptedFinding(_Model):
    """A finding of the questionnaire walker (catalogue_walk) accepted as intended, with why."""

    kind: str
    procedure: CODE | None = None
    question: CODE | None = None
    field: Annotated[str, StringConstraints(min_length=1)] | None = None
    fact: Annotated[str, StringConstraints(min_length=1)] | None = None
    questions: list[CODE] | None = None
    reason: Annotated[str, StringConstraints(min_length=1)]

    @model_validator(mode="after")
    def _names_a_finding(self):
        problem = identity_problem(self.model_dump())
        if problem:
            raise ValueError(problem)
        return self


def _check_iso_date(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    date.fromisoformat(value)  # raises on an impossible date such as 2026-02-30
    return value


# Files holding a list under one key, with the model of each entry.
LIST_FILES = {
    "national/laws.yaml": ("laws", Law),
    "national/life_events.yaml": ("life_events", LifeEvent),
    "national/offices.yaml": ("offices", Office),
}


# Where the other files live; anything else in the folder is reported, not silently ignored.
CATALOGUE_GLOBS = (
    "national/questions/*.yaml",
    "national/procedures/*.yaml",
    "municipalities/*/municipality.yaml",
    "municipalities/*/overrides.yaml",
    "municipalities/*/procedures/*.yaml",
    "national/accepted_findings.yaml",
    "municipalities/*/accepted_findings.yaml",
)


# --- reading -------------------------------------------------------------------------------------


@dataclass
class Source:
    """A catalogue as read from files: each entry keeps the file it came from."""

    meta: dict
    laws: list[dict] = field(default_factory=list)
    life_events: list[dict] = field(default_factory=list)
    offices: list[dict] = field(default_factory=list)
    questions: list[dict] = field(default_factory=list)  # each with "_file"
    procedures: list[dict] = field(default_factory=list)  # each with "_file" and "_layer"
    municipalities: list[dict] = field(default_factory=list)  # each with "_dir", "overrides"
    accepted_findings: list[dict] = field(default_factory=list)  # each with "_file" and "_layer"

    def files(self) -> dict[str, str]:
        """The canonical text of every file, by path relative to the catalogue's root."""
        return render_files(self)

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for path, text in sorted(self.files().items()):
            digest.update(path.encode() + b"\0" + text.encode() + b"\0")
        return digest.hexdigest()


class _Folder:
    """The catalogue's files on disk."""

    def __init__(self, root: Path):
        self.root = root

    def exists(self) -> bool:
        return self.root.is_dir()

    def read(self, rel: str) -> bytes:
        return (self.root / rel).read_bytes()

    def has(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def glob(self, pattern: str) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.glob(pattern))

    def folders(self, rel: str) -> list[str]:
        return sorted(p.name for p in (self.root / rel).glob("*") if p.is_dir())

    def all_files(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}


class _Files:
    """The catalogue's files held in memory, by path relative to its root (a draft, an import)."""

    def __init__(self, files: Mapping[str, str | bytes]):
        self.files = {rel: text.encode("utf-8") if isinstance(text, str) else text for rel, text in files.items()}

    def exists(self) -> bool:
        return True

    def read(self, rel: str) -> bytes:
        try:
            return self.files[rel]
        except KeyError:
            raise FileNotFoundError(rel) from None

    def has(self, rel: str) -> bool:
        return rel in self.files

    def glob(self, pattern: str) -> list[str]:
        parts = pattern.split("/")
        return sorted(
            rel
            for rel in self.files
            if len(rel.split("/")) == len(parts)
            and all(fnmatch.fnmatchcase(a, b) for a, b in zip(rel.split("/"), parts, strict=True))
        )

    def folders(self, rel: str) -> list[str]:
        prefix = rel.rstrip("/") + "/"
        return sorted(
            {f[len(prefix) :].split("/")[0] for f in self.files if f.startswith(prefix) and "/" in f[len(prefix) :]}
        )

    def all_files(self) -> set[str]:
        return set(self.files)


def read_tree(root: Path) -> Source:
    """Read and shape-check every file under root; raise ContentErrors listing every problem."""
    root = Path(root)
    tree = _Folder(root)
    if not tree.exists():
        raise ContentErrors([ContentError(str(root), "", "no such catalogue folder")])
    return _read(tree)


def read_files(files: Mapping[str, str | bytes]) -> Source:
    """The same as read_tree, for files given as {path relative to the root: text}."""
    return _read(_Files(files))


def _read(tree: _Folder | _Files) -> Source:
    errors: list[ContentError] = []

    def load(rel: str) -> Any:
        try:
            return yaml.safe_load(tree.read(rel).decode("utf-8"))
        except FileNotFoundError:
            errors.append(ContentError(rel, "", "file is missing"))
        except UnicodeDecodeError:
            errors.append(ContentError(rel, "", "not UTF-8 text"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            errors.append(ContentError(rel, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return None

    def shaped(rel: str, model: type[_Model], data: Any, prefix: str = "") -> dict | None:
        try:
            model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in (*([prefix] if prefix else []), *err["loc"]))
                errors.append(ContentError(rel, loc, _pydantic_message(err)))
            return None
        return data

    def listed(rel: str, key: str, model: type[_Model]) -> list[dict]:
        data = load(rel)
        if data is None:
            return []
        if not isinstance(data, dict) or set(data) != {key} or not isinstance(data[key], list):
            errors.append(ContentError(rel, key, f"the file must hold one key '{key}' with a list"))
            return []
        out = []
        for i, entry in enumerate(data[key]):
            if shaped(rel, model, entry, f"{key}.{i}") is not None:
                out.append(entry)
        return out

    meta = load("catalogue.yaml")
    source = Source(meta=meta if shaped("catalogue.yaml", CatalogueMeta, meta) else {})
    for rel, (key, model) in LIST_FILES.items():
        setattr(source, key, listed(rel, key, model))

    for rel in tree.glob("national/questions/*.yaml"):
        for q in listed(rel, "questions", Question):
            source.questions.append({**q, "_file": rel})

    def procedures_in(folder: str, layer: str) -> None:
        for rel in tree.glob(f"{folder}/*.yaml"):
            stem = rel.rsplit("/", 1)[-1][: -len(".yaml")]
            data = load(rel)
            if data is not None and shaped(rel, Procedure, data) is not None:
                if data["code"] != stem:
                    errors.append(ContentError(rel, "code", f"must match the file name '{stem}'"))
                source.procedures.append({**data, "_file": rel, "_layer": layer})

    procedures_in("national/procedures", "national")
    for name in tree.folders("municipalities"):
        rel_dir = f"municipalities/{name}"
        data = load(f"{rel_dir}/municipality.yaml")
        if data is not None and shaped(f"{rel_dir}/municipality.yaml", Municipality, data) is not None:
            if data["code"] != name:
                errors.append(ContentError(f"{rel_dir}/municipality.yaml", "code", f"must match the folder '{name}'"))
            has_overrides = tree.has(f"{rel_dir}/overrides.yaml")
            overrides = listed(f"{rel_dir}/overrides.yaml", "overrides", Override) if has_overrides else []
            source.municipalities.append(
                {**data, "_dir": rel_dir, "_overrides_file": has_overrides, "overrides": overrides}
            )
        procedures_in(f"{rel_dir}/procedures", name)

    def accepted_in(rel: str, layer: str) -> None:
        if not tree.has(rel):
            return
        before = len(errors)
        entries = listed(rel, "accepted_findings", AcceptedFinding)
        if not entries and len(errors) == before:
            errors.append(ContentError(rel, "accepted_findings", "is empty: leave the file out instead"))
        seen = set()
        for i, entry in enumerate(entries):
            if identity(entry) in seen:
                errors.append(ContentError(rel, f"accepted_findings.{i}", "accepts the same finding twice"))
            seen.add(identity(entry))
            source.accepted_findings.append({**entry, "_file": rel, "_layer": layer})

    accepted_in("national/accepted_findings.yaml", "national")
    for m in source.municipalities:
        accepted_in(f"{m['_dir']}/accepted_findings.yaml", m["code"])

    known = tree.all_files()
    expected = {"catalogue.yaml", *LIST_FILES}
    for pattern in CATALOGUE_GLOBS:
        expected |= set(tree.glob(pattern))
    for rel in sorted(known - expected):
        errors.append(ContentError(rel, "", "not a catalogue file (see docs/catalogue-format.md)"))

    if errors:
        raise ContentErrors(errors)
    return source


def _pydantic_message(err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if "https" in pattern:
            return "must be an https:// address"
        return "must be a snake_case code (a-z, 0-9, _), starting with a letter"
    msg = err["msg"]
    return msg[len("Value error, ") :] if msg.startswith("Value error, ") else msg


# --- writing -------------------------------------------------------------------------------------

# Keys are written in this order (others after, alphabetically), so files read like the docs.
KEY_ORDER = [
    "code", "key", "procedure", "effective_from", "municipality", "order", "life_events", "per_member",
    "type", "ja", "en", "easy", "value", "name", "label", "number", "egov_id", "verified", "text",
    "help", "choices", "min", "max", "show_if", "description", "event_date_label", "rationale", "department", "location", "hours", "visit_order",
    "closed_days", "counters", "where", "counter", "office", "online_url", "fee", "yen", "applies_if",
    "days", "months", "from", "count_first_day", "calendar", "deadline", "deadline_note", "legal_basis", "law",
    "article", "note", "documents",
]  # fmt: skip
KEY_ORDER = ["kind", *KEY_ORDER, "question", "field", "fact", "questions", "reason"]  # accepted findings
_RANK = {k: i for i, k in enumerate(KEY_ORDER)}
INLINE_KEYS = {"show_if", "applies_if", "deadline", "life_events", "closed_days"}
INLINE_ITEM_KEYS = {"legal_basis"}
KEEP_NULL = {"deadline"}  # required, null meaning "no legal deadline"


class _Inline(list):
    pass


class _InlineDict(dict):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _ordered(data: Any, inline: bool = False) -> Any:
    """Order keys canonically; rules, deadlines and citations are written inline."""
    if isinstance(data, dict):
        items = sorted(data.items(), key=lambda kv: (_RANK.get(kv[0], len(_RANK)), kv[0]))
        out = {}
        for k, v in items:
            if k.startswith("_") or (v is None and k not in KEEP_NULL):
                continue
            if k in INLINE_ITEM_KEYS and isinstance(v, list):
                out[k] = [_ordered(item, inline=True) for item in v]
            else:
                entries = isinstance(v, list) and any(isinstance(x, dict) for x in v)  # a file's list
                out[k] = _ordered(v, inline or (k in INLINE_KEYS and not entries))
        return _InlineDict(out) if inline else out
    if isinstance(data, list):
        items = [_ordered(v, inline) for v in data]
        return _Inline(items) if inline else items
    return data


_Dumper.add_representer(
    _InlineDict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)
_Dumper.add_representer(_Inline, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(dict, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=False))


def dump_yaml(data: Any) -> str:
    return yaml.dump(_ordered(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000, indent=2)


def _clean(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def render_files(source: Source) -> dict[str, str]:
    files = {"catalogue.yaml": dump_yaml(source.meta)}
    for rel, (key, _model) in LIST_FILES.items():
        files[rel] = dump_yaml({key: [_clean(e) for e in getattr(source, key)]})
    by_file: dict[str, list[dict]] = {}
    for q in source.questions:
        by_file.setdefault(q["_file"], []).append(_clean(q))
    for rel, questions in by_file.items():
        files[rel] = dump_yaml({"questions": questions})
    for p in source.procedures:
        files[p["_file"]] = dump_yaml(_clean(p))
    for m in source.municipalities:
        files[f"{m['_dir']}/municipality.yaml"] = dump_yaml({k: v for k, v in _clean(m).items() if k != "overrides"})
        if m.get("_overrides_file", True):
            files[f"{m['_dir']}/overrides.yaml"] = dump_yaml({"overrides": m["overrides"]})
    accepted: dict[str, list[dict]] = {}
    for a in source.accepted_findings:
        accepted.setdefault(a["_file"], []).append(_clean(a))
    for rel, entries in accepted.items():
        files[rel] = dump_yaml({"accepted_findings": entries})
    return files


def write_tree(source: Source, root: Path) -> list[str]:
    """Write the catalogue's files under root; returns the paths written."""
    root = Path(root)
    written = []
    for rel, text in sorted(source.files().items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(rel)
    return written
