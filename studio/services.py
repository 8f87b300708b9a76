"""Writes in the rule studio: drafts, their edits, review (four eyes), publishing, previews.

Every edit is validated by the loader's own checks on the whole draft before anything is stored;
publishing goes through procedures.services.catalogue_import, the loader's path. Each action
runs in one transaction with its audit row.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

import orjson
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from procedures import content
from procedures.engine.catalogue import CompiledCatalogue
from procedures.models import CatalogueVersion
from procedures.scenarios import Scenario
from procedures.selectors import catalogue_version_in_force, today, version_source
from procedures.services import catalogue_check, catalogue_import
from staff.permissions import require_capability

from .models import Draft, Preview, Story


class StudioError(ValueError):
    """An action that cannot be done now; the message says why, for the page."""


class DraftInvalid(StudioError):
    """The edit would make the catalogue invalid: nothing was stored. Errors name file and field."""

    def __init__(self, errors: list[content.ContentError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# --- content ---------------------------------------------------------------------------------------

PARTS = ("laws", "life_events", "offices", "questions", "procedures", "municipalities", "accepted_findings")


def content_of(source: content.Source) -> dict:
    return {"meta": dict(source.meta), **{part: copy.deepcopy(getattr(source, part)) for part in PARTS}}


def source_of(data: dict) -> content.Source:
    """The loader's Source of a draft's content (drafts made before accepted findings had none)."""
    return content.Source(meta=dict(data["meta"]), **{part: copy.deepcopy(data.get(part, [])) for part in PARTS})


_checked: OrderedDict[str, tuple[content.Source, CompiledCatalogue]] = OrderedDict()
_checked_lock = threading.Lock()


def draft_compiled_content(data: dict) -> CompiledCatalogue:
    """Only the compiled catalogue of valid content (pages, previews): no copy of the source."""
    digest = _digest(data)
    with _checked_lock:
        found = _checked.get(digest)
    return found[1] if found is not None else draft_check(data)[1]


def _digest(data: dict) -> str:
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def draft_check(data: dict) -> tuple[content.Source, CompiledCatalogue]:
    """The loader's validation on a draft's content: written as the files, read back, compiled.

    Reading the rendered files back is what makes a draft exactly as strict as load_catalogue
    (shape, types, unknown fields), and what publish stores. Content already found valid is
    remembered per process by its digest (pages show the same draft many times).
    """
    digest = _digest(data)
    with _checked_lock:
        found = _checked.get(digest)
        if found is not None:
            _checked.move_to_end(digest)
            return copy.deepcopy(found[0]), found[1]
    try:
        source = content.read_files(source_of(data).files())
        compiled = catalogue_check(source=source)
    except content.ContentErrors as exc:
        raise DraftInvalid(exc.errors) from exc
    with _checked_lock:
        _checked[digest] = (copy.deepcopy(source), compiled)
        while len(_checked) > 16:
            _checked.popitem(last=False)
    return source, compiled


# --- drafts ----------------------------------------------------------------------------------------


def _audit(actor, action: str, draft: Draft, ip: str | None, **detail) -> None:
    audit_record(user=actor, action=action, target_type="draft", target_id=str(draft.pk), ip=ip, detail=detail)


def draft_create(*, actor, title: str, version: CatalogueVersion | None = None, ip: str | None = None) -> Draft:
    """A new draft of the version in force, or of an older version (restore) compared with it."""
    require_capability(actor, "studio.edit")
    base = catalogue_version_in_force()
    start = version or base
    with transaction.atomic():
        draft = Draft.objects.create(
            title=title,
            base_version=base,
            restored_from=version if version is not None and version != base else None,
            content=content_of(version_source(start)),
            created_by=actor,
        )
        draft.authors.add(actor)
        _audit(actor, "studio.draft_create", draft, ip, title=title, from_version=start.content_hash)
    return draft


EDIT_REFUSED = (
    "「{state}」のドラフトは編集できません。申請中・承認済みなら「編集中に戻す」を押してから編集してください。"
)


def _locked(draft: Draft, *states: str, refused: str = "この操作は「{state}」のドラフトにはできません。") -> Draft:
    locked = Draft.objects.select_for_update().get(pk=draft.pk)
    if locked.state not in states:
        raise StudioError(refused.format(state=locked.get_state_display()))
    return locked


def _edit(*, actor, draft: Draft, revision: int, ip, action: str, detail: dict, mutate) -> Draft:
    require_capability(actor, "studio.edit")
    with transaction.atomic():
        locked = _locked(draft, Draft.State.DRAFT, refused=EDIT_REFUSED)
        if locked.revision != revision:
            raise StudioError("ほかの人が先にこのドラフトを保存しました。最新の内容を開き直してから編集してください。")
        data = copy.deepcopy(locked.content)
        mutate(data)
        draft_check(data)
        locked.content = data
        locked.revision += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=["content", "revision", "updated_at"])
        locked.authors.add(actor)
        _audit(actor, action, locked, ip, revision=locked.revision, **detail)
    return locked


def _entry(entries: list[dict], field: str, value: str, what: str) -> dict:
    for entry in entries:
        if entry[field] == value:
            return entry
    raise StudioError(f"{what} '{value}' はこのドラフトにありません。")


def _apply(entry: dict, changes: dict) -> None:
    for name, value in changes.items():
        entry[name] = value


def draft_edit_procedure(*, actor, draft: Draft, revision: int, code: str, changes: dict, ip=None) -> Draft:
    """Change a procedure's fields (rule, deadline, documents, legal basis, texts …): all or nothing."""

    def mutate(data):
        _apply(_entry(data["procedures"], "code", code, "手続"), changes)

    return _edit(
        actor=actor, draft=draft, revision=revision, ip=ip, action="studio.procedure_edit",
        detail={"procedure": code, "fields": sorted(changes)}, mutate=mutate,
    )  # fmt: skip


def draft_edit_question(*, actor, draft: Draft, revision: int, key: str, changes: dict, ip=None) -> Draft:
    """Change a question (texts, choices, show_if …); a show_if cycle is refused like any invalid rule."""

    def mutate(data):
        _apply(_entry(data["questions"], "key", key, "質問"), changes)

    return _edit(
        actor=actor, draft=draft, revision=revision, ip=ip, action="studio.question_edit",
        detail={"question": key, "fields": sorted(changes)}, mutate=mutate,
    )  # fmt: skip


def draft_edit_law(*, actor, draft: Draft, revision: int, key: str, changes: dict, ip=None) -> Draft:
    """Change an entry of the laws table (name, 法令番号, e-Gov ID, whether the citation was checked)."""

    def mutate(data):
        _apply(_entry(data["laws"], "key", key, "法令"), changes)

    return _edit(
        actor=actor, draft=draft, revision=revision, ip=ip, action="studio.law_edit",
        detail={"law": key, "fields": sorted(changes)}, mutate=mutate,
    )  # fmt: skip


def served_municipality(data: dict) -> dict:
    return _entry(data["municipalities"], "code", data["meta"]["municipality"], "自治体")


def draft_edit_counter(*, actor, draft: Draft, revision: int, code: str, changes: dict, ip=None) -> Draft:
    """Change a counter of the municipality this deployment serves (name, department, place, hours, order)."""

    def mutate(data):
        _apply(_entry(served_municipality(data)["counters"], "code", code, "窓口"), changes)

    return _edit(
        actor=actor, draft=draft, revision=revision, ip=ip, action="studio.counter_edit",
        detail={"counter": code, "fields": sorted(changes)}, mutate=mutate,
    )  # fmt: skip


def draft_discard(*, actor, draft: Draft, ip=None) -> Draft:
    require_capability(actor, "studio.edit")
    with transaction.atomic():
        locked = _locked(draft, Draft.State.DRAFT, Draft.State.SUBMITTED, Draft.State.APPROVED)
        locked.state = Draft.State.DISCARDED
        locked.updated_at = timezone.now()
        locked.save(update_fields=["state", "updated_at"])
        _audit(actor, "studio.draft_discard", locked, ip)
    return locked


def draft_conflict_settle(
    *, actor, draft: Draft, revision: int, conflict_id: str, resolution: str, value=None, ip=None
) -> Draft:
    """An admin settles one conflict of a national update: theirs, ours, or an edited value.

    The result is checked like every edit (the loader's validation on the whole draft): a
    resolution that leaves the catalogue invalid is refused and the conflict stays open.
    """
    from procedures.merge import MergeError, settle

    require_capability(actor, "studio.edit")
    with transaction.atomic():
        locked = _locked(draft, Draft.State.DRAFT, refused=EDIT_REFUSED)
        if locked.revision != revision:
            raise StudioError("ほかの人が先にこのドラフトを保存しました。最新の内容を開き直してください。")
        update = copy.deepcopy(locked.national_update)
        conflict = next((c for c in update.get("conflicts", []) if c["id"] == conflict_id), None)
        if conflict is None:
            raise StudioError(f"衝突 '{conflict_id}' はこのドラフトにありません。")
        source = source_of(locked.content)
        try:
            settle(source, conflict, resolution, value)
        except MergeError as exc:
            raise StudioError(str(exc)) from exc
        data = content_of(source)
        draft_check(data)
        conflict.update(
            status="settled", resolution=resolution, value=value if resolution == "edit" else None,
            settled_by=actor.get_username(), settled_at=timezone.now().isoformat(),
        )  # fmt: skip
        locked.content, locked.national_update = data, update
        locked.revision += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=["content", "national_update", "revision", "updated_at"])
        locked.authors.add(actor)
        _audit(
            actor, "studio.conflict_settle", locked, ip, conflict=conflict_id, resolution=resolution,
            value=conflict["value"], revision=locked.revision,
        )  # fmt: skip
    return locked


def _no_open_conflicts(draft: Draft) -> None:
    open_ = draft.open_conflicts
    if open_:
        raise StudioError(
            f"国の更新の衝突が {len(open_)} 件、まだ決まっていません（{', '.join(c['id'] for c in open_)}）。"
            "「国の更新」のページで一つずつ決めてから申請・公開してください。"
        )


# --- review and publishing -------------------------------------------------------------------------


def _check_effective_from(effective_from: date) -> None:
    if effective_from < today():
        raise StudioError("施行日は今日以降の日付にしてください（過去の日付では公開できません）。")


def draft_submit(
    *, actor, draft: Draft, revision: int, reason: str, effective_from: date, version_by: str, ip=None
) -> Draft:
    """Ask for approval, saying why, from when (施行日) and which date decides the version for a case."""
    from .selectors import draft_changes

    require_capability(actor, "studio.edit")
    reason = reason.strip()
    if not reason:
        raise StudioError("変更の理由を書いてください。")
    if version_by not in Draft.VersionBy.values:
        raise StudioError("どの日付で版を選ぶかを選んでください。")
    _check_effective_from(effective_from)
    with transaction.atomic():
        locked = _locked(draft, Draft.State.DRAFT)
        if locked.revision != revision:
            raise StudioError("ほかの人が先にこのドラフトを保存しました。最新の内容を確認してから申請してください。")
        _no_open_conflicts(locked)
        if not draft_changes(locked):
            raise StudioError("施行中の版から何も変わっていません。")
        locked.state = Draft.State.SUBMITTED
        locked.reason, locked.effective_from, locked.version_by = reason, effective_from, version_by
        locked.submitted_by, locked.submitted_at = actor, timezone.now()
        locked.updated_at = locked.submitted_at
        locked.save()
        _audit(
            actor, "studio.draft_submit", locked, ip, reason=reason, effective_from=effective_from.isoformat(),
            version_by=version_by, revision=locked.revision,
        )  # fmt: skip
    return locked


def draft_withdraw(*, actor, draft: Draft, ip=None) -> Draft:
    """Back to editing (the author, or a reviewer sending it back); any approval is void."""
    require_capability(actor, "studio.edit")
    with transaction.atomic():
        locked = _locked(draft, Draft.State.SUBMITTED, Draft.State.APPROVED)
        locked.state = Draft.State.DRAFT
        locked.approved_by = locked.approved_at = None
        locked.updated_at = timezone.now()
        locked.save()
        _audit(actor, "studio.draft_withdraw", locked, ip)
    return locked


def draft_approve(*, actor, draft: Draft, revision: int, ip=None) -> Draft:
    """Four eyes: an approver who has not edited the draft approves exactly the revision they saw."""
    require_capability(actor, "studio.publish")
    with transaction.atomic():
        locked = _locked(draft, Draft.State.SUBMITTED)
        if locked.created_by_id == actor.pk or locked.authors.filter(pk=actor.pk).exists():
            raise StudioError("自分が作成・編集したドラフトは承認できません。ほかの承認者に依頼してください。")
        if locked.revision != revision:
            raise StudioError("確認した内容から変わっています。開き直して確認してください。")
        locked.state = Draft.State.APPROVED
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.updated_at = locked.approved_at
        locked.save()
        _audit(actor, "studio.draft_approve", locked, ip, revision=revision)
    return locked


@dataclass(frozen=True)
class Published:
    draft: Draft
    version: CatalogueVersion


def draft_publish(*, actor, draft: Draft, ip=None) -> Published:
    """The approved draft becomes a new immutable version, in force from 00:00 JST on its 施行日.

    Refused while a story fails, or when another version was published after the draft began
    (it would silently undo that change: restore the newest version as a new draft instead).
    """
    from .selectors import draft_story_results

    require_capability(actor, "studio.publish")
    with transaction.atomic():
        locked = _locked(draft, Draft.State.APPROVED)
        _no_open_conflicts(locked)
        _check_effective_from(locked.effective_from)
        if CatalogueVersion.objects.filter(published_at__gt=locked.created_at).exists():
            raise StudioError(
                "このドラフトの作成後に別の版が公開されました。そのままでは公開できません。"
                "最新の版から新しいドラフトを作り、変更をやり直してください。"
            )
        failing = [r.name for r in draft_story_results(locked) if not r.passed]
        if failing:
            raise StudioError(f"ストーリーが失敗しているため公開できません: {', '.join(failing)}")
        data = copy.deepcopy(locked.content)
        data["meta"]["effective_from"] = locked.effective_from.isoformat()
        source, _ = draft_check(data)
        result = catalogue_import(source=source, version_by=locked.version_by)
        if not result.created:
            raise StudioError("同じ内容・同じ施行日の版がすでにあります。")
        for name, story in locked.stories.items():
            Story.objects.update_or_create(
                name=name,
                defaults={"data": story["scenario"], "reason": story["reason"], "draft": locked,
                          "updated_at": timezone.now()},
            )  # fmt: skip
        locked.state = Draft.State.PUBLISHED
        locked.published_by, locked.published_at = actor, timezone.now()
        locked.published_version = result.version
        locked.updated_at = locked.published_at
        locked.save()
        _audit(
            actor, "studio.draft_publish", locked, ip, version=result.version.content_hash,
            effective_from=locked.effective_from.isoformat(), reason=locked.reason, version_by=locked.version_by,
        )  # fmt: skip
    return Published(draft=locked, version=result.version)


# --- stories ---------------------------------------------------------------------------------------


def _story_edit(*, actor, draft: Draft, revision: int, ip, name: str, scenario: dict, reason: str, action: str):
    reason = reason.strip()
    if not reason:
        raise StudioError("期待値を変える理由を書いてください。")
    Scenario.model_validate(scenario)
    require_capability(actor, "studio.edit")
    with transaction.atomic():
        locked = _locked(draft, Draft.State.DRAFT, refused=EDIT_REFUSED)
        if locked.revision != revision:
            raise StudioError("ほかの人が先にこのドラフトを保存しました。開き直してください。")
        locked.stories = {**locked.stories, name: {"scenario": scenario, "reason": reason}}
        locked.revision += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=["stories", "revision", "updated_at"])
        locked.authors.add(actor)
        _audit(actor, action, locked, ip, story=name, reason=reason)
    return locked


def draft_story_accept(*, actor, draft: Draft, revision: int, name: str, reason: str, ip=None) -> Draft:
    """The admin means the change: the story's expectation becomes what the draft builds, with why."""
    from .selectors import draft_story_results

    result = next((r for r in draft_story_results(draft) if r.name == name), None)
    if result is None:
        raise StudioError(f"ストーリー '{name}' はありません。")
    scenario = result.scenario.model_dump()
    scenario["expect"] = {k: {"status": s, "deadline": d} for k, (s, d) in result.items.items()}
    scenario["absent"] = [k for k in scenario["absent"] if k not in result.items]
    return _story_edit(
        actor=actor, draft=draft, revision=revision, ip=ip, name=name, scenario=scenario, reason=reason,
        action="studio.story_accept",
    )  # fmt: skip


def draft_story_add(*, actor, draft: Draft, revision: int, name: str, scenario: dict, reason: str, ip=None) -> Draft:
    """A new story saved from the studio: a case with the outcome the admin checked on this draft."""
    from .selectors import draft_compiled, story_outcome

    outcome = story_outcome(draft_compiled(draft), Scenario.model_validate({**scenario, "expect": {}}), name)
    invalid = [p for p in outcome.problems if p.startswith("invalid answers")]
    if invalid:
        raise StudioError(f"回答が質問に合いません: {invalid[0]}")
    scenario = {**scenario, "expect": {k: {"status": s, "deadline": d} for k, (s, d) in outcome.items.items()}}
    return _story_edit(
        actor=actor, draft=draft, revision=revision, ip=ip, name=name, scenario=scenario, reason=reason,
        action="studio.story_add",
    )  # fmt: skip


# --- preview ---------------------------------------------------------------------------------------


def preview_request(*, actor, draft: Draft, ip=None) -> Preview:
    """Queue the count of stored checklists whose outcome the draft changes (runs in a worker)."""
    from .tasks import preview_run

    require_capability(actor, "studio.edit")
    with transaction.atomic():
        preview = Preview.objects.create(draft=draft, revision=draft.revision, requested_by=actor)
        _audit(actor, "studio.preview_request", draft, ip, preview=preview.pk, revision=draft.revision)
        transaction.on_commit(lambda: preview_run.delay(preview.pk))
    return preview


def preview_compute(*, preview_id: int) -> Preview | None:
    """The preview's work, in the worker: take it only if still queued, count in batches, store."""
    from .preview import Tally, checklist_batches, checklist_count, life_events_of, walk_report
    from .selectors import draft_compiled, in_force, outcome_codes

    if not Preview.objects.filter(pk=preview_id, state=Preview.State.QUEUED).update(state=Preview.State.RUNNING):
        return None
    preview = Preview.objects.select_related("draft").get(pk=preview_id)
    rows = Preview.objects.filter(pk=preview_id)
    try:
        if preview.draft.revision != preview.revision:
            raise StudioError("プレビューの依頼のあとでドラフトが変更されました。もう一度実行してください。")
        _, old = in_force()
        new = draft_compiled(preview.draft)
        codes = outcome_codes(old, new)
        events = life_events_of((old, new), codes)
        tally = Tally(old, new, codes)
        if codes:
            rows.update(total=checklist_count(life_events=events))
            processed = 0
            for batch in checklist_batches(life_events=events):
                tally.add(batch)
                processed += len(batch)
                rows.update(processed=processed)
        result = {**tally.result(), "codes": sorted(codes)}
        result["walk"] = walk_report(source_of(preview.draft.content))  # catalogue_walk, for this draft
        rows.update(state=Preview.State.DONE, result=result, finished_at=timezone.now())
    except Exception as exc:
        rows.update(state=Preview.State.FAILED, error=str(exc), finished_at=timezone.now())
        if not isinstance(exc, StudioError):
            raise
    return Preview.objects.get(pk=preview_id)
