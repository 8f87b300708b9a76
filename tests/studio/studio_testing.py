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
