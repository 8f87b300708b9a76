"""What the questionnaire walker reports, and how a finding is named (to accept it in the content).

A finding is a dict: ``kind``, the fields that identify it (below), a ``message`` and, where it
helps, a ``witness``. Its identity is the kind with those fields only, so an acceptance in the
catalogue (``accepted_findings``, with a ``reason``) names it the same way the walker reports it.

Plain Python, no Django, no solver: the content loader validates acceptances with this.
"""

from __future__ import annotations

from collections.abc import Mapping

# kind -> the fields that identify a finding of that kind
KINDS: dict[str, tuple[str, ...]] = {
    "unreachable_procedure": ("procedure",),  # no answers at all list it
    "procedure_only_check": ("procedure",),  # listed only as "check": never "required" with every fact answered
    "question_never_shown": ("question",),
    "question_without_effect": ("question",),  # no change of its answer changes the checklist
    "fact_never_asked": ("procedure", "question", "field", "fact"),  # procedure xor question
    "show_if_unknown_when_answered": ("question",),  # asked although its show_if is undecided
    "show_if_reads_later_question": ("question", "fact"),  # always unknown when the show_if is evaluated
}
IDENTITY_FIELDS = ("procedure", "question", "field", "fact")


def identity(finding: Mapping) -> tuple:
    """A hashable name of the finding: (kind, (field, value) …) with lists as tuples."""
    fields = []
    for name in IDENTITY_FIELDS:
        value = finding.get(name)
        if value is not None:
            fields.append((name, tuple(value) if isinstance(value, list | tuple) else value))
    return (finding["kind"], tuple(fields))


def identity_problem(entry: Mapping) -> str | None:
    """Why an acceptance does not name a finding properly, or None."""
    kind = entry.get("kind")
    if kind not in KINDS:
        return f"unknown kind {kind!r}; one of: {', '.join(KINDS)}"
    allowed = KINDS[kind]
    given = [name for name in IDENTITY_FIELDS if entry.get(name) is not None]
    extra = [name for name in given if name not in allowed]
    if extra:
        return f"a {kind} finding is named by {', '.join(allowed)}, not {', '.join(extra)}"
    if kind == "fact_never_asked":
        if (entry.get("procedure") is None) == (entry.get("question") is None):
            return "a fact_never_asked finding names exactly one of procedure or question"
        missing = [name for name in ("field", "fact") if entry.get(name) is None]
    else:
        missing = [name for name in allowed if entry.get(name) is None]
    if missing:
        return f"a {kind} finding needs {', '.join(missing)}"
    return None


def describe(finding: Mapping) -> str:
    fields = ", ".join(f"{k}={v}" for k, v in identity(finding)[1])
    return f"{finding['kind']} ({fields})"


def check_acceptances(walks: Mapping[str, list[Mapping]], accepted: list[Mapping]) -> tuple[list[dict], list[Mapping]]:
    """(findings no acceptance names, stale acceptances), over the walks of some municipalities.

    ``walks`` maps a municipality's code to the findings of its catalogue (national layer plus its
    own); each acceptance has ``_layer``: "national" or a municipality's code. A finding is
    accepted by the national layer or by its own municipality's. A municipality's acceptance is
    stale when its walk no longer finds it; a national one when none of the walks does.
    """
    names: dict[str, set] = {}
    for a in accepted:
        names.setdefault(a["_layer"], set()).add(identity(a))
    not_accepted = []
    found_anywhere = set()
    for municipality, findings in walks.items():
        ok = names.get("national", set()) | names.get(municipality, set())
        found = {identity(f) for f in findings}
        found_anywhere |= found
        not_accepted += [{**f, "municipality": municipality} for f in findings if identity(f) not in ok]
    stale = []
    for a in accepted:
        layer = a["_layer"]
        if layer == "national":
            if identity(a) not in found_anywhere:
                stale.append(a)
        elif layer in walks and identity(a) not in {identity(f) for f in walks[layer]}:
            stale.append(a)
    return not_accepted, stale
