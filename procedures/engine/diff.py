"""What a change of answers or of catalogue version does to a checklist.

Reminders use it to tell a resident that a new catalogue version adds a procedure or moves a
deadline; the rule studio's preview uses it to count stored checklists that would change.
Items are compared by key (procedure code, plus the member key for per-member items).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

COMPARED = ("status", "deadline")


@dataclass(frozen=True)
class ItemChange:
    key: str
    changes: Mapping[str, tuple[Any, Any]]  # field -> (old, new), for status and deadline


@dataclass(frozen=True)
class ChecklistDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[ItemChange, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def as_dict(self) -> dict:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [
                {"key": c.key, **{f: {"old": old, "new": new} for f, (old, new) in c.changes.items()}}
                for c in self.changed
            ],
        }


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def checklist_diff(old: Iterable[Any], new: Iterable[Any]) -> ChecklistDiff:
    """Items added, removed, or changed in status or deadline, in the new list's order.

    Items may be mappings or objects with key, status and deadline (stored rows, built items).
    """
    before = {_field(i, "key"): i for i in old}
    after = {_field(i, "key"): i for i in new}
    added = tuple(k for k in after if k not in before)
    removed = tuple(k for k in before if k not in after)
    changed = []
    for key, item in after.items():
        if key not in before:
            continue
        changes = {
            f: (_field(before[key], f), _field(item, f)) for f in COMPARED if _field(before[key], f) != _field(item, f)
        }
        if changes:
            changed.append(ItemChange(key=key, changes=changes))
    return ChecklistDiff(added=added, removed=removed, changed=tuple(changed))
