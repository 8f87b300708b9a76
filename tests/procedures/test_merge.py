"""National updates, three-way: theirs taken where the municipality does not depend on it, else a conflict."""

import copy

import pytest
import yaml
from django.conf import settings

from procedures import content
from procedures.merge import MergeError, national_merge, read_release, settle
from procedures.services import catalogue_check

OVERRIDDEN = "koseki_shomei_seikyu"  # mirai overrides its fee
NOT_OVERRIDDEN = "kaigo_shikaku_soshitsu"
NATIONAL_FEE = {"yen": 500}
MIRAI_FEE_YEN = 450


def release(**changes) -> dict[str, str]:
    """The shipped national layer with some procedures changed ({code: {field: value}}, None removes the file)."""
    source = content.read_tree(settings.CATALOGUE_DIR)
    files = {rel: text for rel, text in source.files().items() if rel.startswith("national/")}
    for code, fields in changes.items():
        rel = f"national/procedures/{code}.yaml"
        if fields is None:
            del files[rel]
            continue
        data = yaml.safe_load(files[rel])
        data.update(fields)
        files[rel] = content.dump_yaml(data)
    return files


def base() -> content.Source:
    return content.read_tree(settings.CATALOGUE_DIR)


def procedure(source, code, layer="national"):
    return next(p for p in source.procedures if p["code"] == code and p["_layer"] == layer)


def mirai(source):
    return next(m for m in source.municipalities if m["code"] == "mirai")


def engine_procedure(source, code):
    catalogue = catalogue_check(source=source)
    return next(p for p in catalogue.procedures if p.code == code).data


def the_update():
    older = base()
    rule = copy.deepcopy(procedure(older, NOT_OVERRIDDEN)["applies_if"])
    rule["some"][1]["and"][1][">="][1] = 70
    theirs = read_release(older, release(**{OVERRIDDEN: {"fee": NATIONAL_FEE}, NOT_OVERRIDDEN: {"applies_if": rule}}))
    return older, national_merge(older, theirs), rule


def test_a_rule_the_municipality_did_not_override_is_taken_and_overrides_kept():
    older, merge, rule = the_update()
    assert procedure(merge.source, NOT_OVERRIDDEN)["applies_if"] == rule
    assert {"part": "procedures", "key": NOT_OVERRIDDEN, "change": "changed", "fields": ["applies_if"]} in merge.taken
    assert mirai(merge.source)["overrides"] == mirai(older)["overrides"]
    assert engine_procedure(merge.source, NOT_OVERRIDDEN)["applies_if"] == rule  # valid for the loader


def test_a_field_both_changed_is_a_conflict_kept_as_ours_until_settled():
    _, merge, _ = the_update()
    assert [c["id"] for c in merge.conflicts] == [f"override:mirai:{OVERRIDDEN}:fee"]
    conflict = merge.conflicts[0]
    assert conflict["base"] is None and conflict["theirs"] == NATIONAL_FEE
    assert conflict["ours"]["yen"] == MIRAI_FEE_YEN
    assert procedure(merge.source, OVERRIDDEN)["fee"] == NATIONAL_FEE  # the national entry is theirs
    assert engine_procedure(merge.source, OVERRIDDEN)["fee"]["yen"] == MIRAI_FEE_YEN  # the override still applies
    taken = next(t for t in merge.taken if t["key"] == OVERRIDDEN)
    assert taken["fields"] == ["fee"]  # listed, never silently


@pytest.mark.parametrize(
    "resolution, value, yen",
    [("theirs", None, NATIONAL_FEE["yen"]), ("ours", None, MIRAI_FEE_YEN), ("edit", {"yen": 480}, 480)],
)
def test_each_resolution_gives_its_content(resolution, value, yen):
    _, merge, _ = the_update()
    settle(merge.source, merge.conflicts[0], resolution, value)
    assert engine_procedure(merge.source, OVERRIDDEN)["fee"]["yen"] == yen
    override = next((o for o in mirai(merge.source)["overrides"] if o["procedure"] == OVERRIDDEN), None)
    assert (override is None) == (resolution == "theirs")  # it overrode the fee only
    content.read_files(merge.source.files())  # still the loader's files


def test_a_removed_procedure_the_municipality_overrides_is_a_conflict():
    older = base()
    merge = national_merge(older, read_release(older, release(sousaihi_shikyu=None, kaso_kyoka=None)))
    assert [c["id"] for c in merge.conflicts] == ["removed:procedures:sousaihi_shikyu"]
    assert {"part": "procedures", "key": "kaso_kyoka", "change": "removed", "fields": []} in merge.taken
    assert procedure(merge.source, "sousaihi_shikyu")  # kept until settled
    catalogue_check(source=merge.source)
    settle(merge.source, merge.conflicts[0], "theirs")
    assert not any(p["code"] == "sousaihi_shikyu" for p in merge.source.procedures)
    assert not any(o["procedure"] == "sousaihi_shikyu" for o in mirai(merge.source)["overrides"])
    catalogue_check(source=merge.source)


def test_a_removed_law_a_local_procedure_cites_is_a_conflict_and_can_be_edited():
    older = base()
    files = release()
    laws = yaml.safe_load(files["national/laws.yaml"])
    laws["laws"] = [law for law in laws["laws"] if law["key"] != "mirai_inkan_jorei"]
    files["national/laws.yaml"] = content.dump_yaml(laws)
    merge = national_merge(older, read_release(older, files))
    conflict = next(c for c in merge.conflicts if c["key"] == "mirai_inkan_jorei")
    assert conflict["kind"] == "removed" and conflict["used_by"].endswith("inkan_toroku.yaml")
    edited = {**conflict["ours"], "verified": True}
    settle(merge.source, conflict, "edit", edited)
    assert next(law for law in merge.source.laws if law["key"] == "mirai_inkan_jorei")["verified"] is True
    with pytest.raises(MergeError):
        settle(merge.source, {**conflict, "status": "settled"}, "theirs")
    with pytest.raises(MergeError):
        settle(merge.source, conflict, "edit", {"key": "other"})


def test_the_same_release_changes_nothing():
    older = base()
    merge = national_merge(older, read_release(older, release()))
    assert merge.conflicts == [] and merge.taken == []
    assert merge.source.files() == older.files()


def test_a_release_with_other_files_is_refused():
    with pytest.raises(content.ContentErrors) as info:
        read_release(base(), {"municipalities/mirai/municipality.yaml": "x"})
    assert "national/ files only" in str(info.value)
