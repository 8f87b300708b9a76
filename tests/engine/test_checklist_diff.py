from datetime import date

from procedures.engine.diff import checklist_diff


def item(key, status="required", deadline=None):
    return {"key": key, "status": status, "deadline": deadline}


def test_no_change_is_an_empty_falsy_diff():
    items = [item("shussei_todoke", deadline=date(2026, 5, 7)), item("jidou_teate_shussei")]
    diff = checklist_diff(items, list(items))
    assert not diff
    assert diff.as_dict() == {"added": [], "removed": [], "changed": []}


def test_added_removed_and_changed_items():
    old = [
        item("tennyu_todoke", deadline=date(2026, 9, 24)),
        item("kokuho_kanyu.m1", status="check", deadline=date(2026, 9, 24)),
        item("inkan_toroku"),
    ]
    new = [
        item("tennyu_todoke", deadline=date(2026, 9, 25)),
        item("kokuho_kanyu.m1", status="required", deadline=date(2026, 9, 24)),
        item("kokuho_kanyu.m2", deadline=date(2026, 9, 24)),
    ]
    diff = checklist_diff(old, new)
    assert diff.added == ("kokuho_kanyu.m2",)
    assert diff.removed == ("inkan_toroku",)
    assert [(c.key, dict(c.changes)) for c in diff.changed] == [
        ("tennyu_todoke", {"deadline": (date(2026, 9, 24), date(2026, 9, 25))}),
        ("kokuho_kanyu.m1", {"status": ("check", "required")}),
    ]
    assert diff.as_dict()["changed"][0] == {
        "key": "tennyu_todoke",
        "deadline": {"old": date(2026, 9, 24), "new": date(2026, 9, 25)},
    }


def test_objects_with_attributes_work_as_well_as_mappings():
    class Row:
        def __init__(self, key, status, deadline):
            self.key, self.status, self.deadline = key, status, deadline

    diff = checklist_diff([Row("a", "check", None)], [item("a", "required")])
    assert diff.changed[0].changes == {"status": ("check", "required")}
