"""Helpers for the rule studio tests: staff, drafts and the catalogue's entries inside a draft."""

import copy

from staff_testing import make_role_user

from studio import services

OLD_RULE = {
    "some": [{"var": "members"}, {"and": [{"==": [{"var": "relation"}, "deceased"]}, {">=": [{"var": "age"}, 65]}]}]
}
NEW_RULE = {
    "some": [{"var": "members"}, {"and": [{"==": [{"var": "relation"}, "deceased"]}, {">=": [{"var": "age"}, 70]}]}]
}
CODE = "kaigo_shikaku_soshitsu"  # 介護保険の資格喪失: a deceased of 65 or over


def procedure(draft, code=CODE) -> dict:
    return next(p for p in draft.content["procedures"] if p["code"] == code)


def question(draft, key) -> dict:
    return next(q for q in draft.content["questions"] if q["key"] == key)


def editor(name="suzuki"):
    return make_role_user("catalogue_editor", name)


def approver(name="tanaka"):
    return make_role_user("catalogue_approver", name)


def new_draft(user, title="介護保険の年齢の見直し"):
    return services.draft_create(actor=user, title=title)


def change_rule(user, draft, rule=None, code=CODE):
    return services.draft_edit_procedure(
        actor=user,
        draft=draft,
        revision=draft.revision,
        code=code,
        changes={"applies_if": copy.deepcopy(rule or NEW_RULE)},
    )


def national_release(**changes) -> dict[str, str]:
    """The shipped national layer as a release, with procedures changed ({code: {field: value}}, None removes it)."""
    import yaml
    from django.conf import settings

    from procedures import content

    files = {r: t for r, t in content.read_tree(settings.CATALOGUE_DIR).files().items() if r.startswith("national/")}
    for code, fields in changes.items():
        rel = f"national/procedures/{code}.yaml"
        if fields is None:
            del files[rel]
            continue
        data = yaml.safe_load(files[rel])
        data.update(fields)
        files[rel] = content.dump_yaml(data)
    return files


OVERRIDDEN = "koseki_shomei_seikyu"  # mirai overrides its fee (450 yen)


def national_draft(user, title="国の更新"):
    """A draft taking in a release that changes a fee mirai overrides and a rule it does not."""
    from studio.exchange import draft_national_update

    rule = copy.deepcopy(NEW_RULE)
    files = national_release(**{OVERRIDDEN: {"fee": {"yen": 500}}, CODE: {"applies_if": rule}})
    return draft_national_update(actor=user, title=title, national_files=files)
