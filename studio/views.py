"""Rule studio pages. Thin: forms read input, services decide and write, selectors read."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from pydantic import ValidationError as PydanticError

from procedures.engine import render_rule
from procedures.engine.render import RELATION_LABELS
from procedures.models import CatalogueVersion
from staff.network import client_ip
from staff.permissions import capability_required, has_capability

from . import exchange, selectors, services
from .forms import (
    ConflictForm,
    CounterForm,
    DraftCreateForm,
    ImportForm,
    LawForm,
    NationalUpdateForm,
    ProcedureForm,
    QuestionForm,
    RevisionForm,
    StoryAcceptForm,
    StoryAddForm,
    SubmitForm,
)
from .models import Draft, Preview

EDIT = "studio.edit"
PUBLISH = "studio.publish"


def _draft(pk: int) -> Draft:
    return get_object_or_404(Draft.objects.select_related("created_by", "base_version"), pk=pk)


def _entry(entries: list[dict], field: str, value: str) -> dict:
    for entry in entries:
        if entry[field] == value:
            return entry
    raise Http404


def _home(request, status=200, **forms):
    context = {
        "drafts": selectors.drafts_open(),
        "in_force": selectors.in_force()[0],
        "form": DraftCreateForm(),
        "import_form": ImportForm(prefix="import"),
        "national_form": NationalUpdateForm(prefix="national"),
        "import_errors": [],
        "national_errors": [],
        **forms,
    }
    return render(request, "studio/home.html", context, status=status)


@capability_required(EDIT)
def home(request):
    return _home(request)


@require_POST
@capability_required(EDIT)
def draft_create(request):
    form = DraftCreateForm(request.POST)
    if not form.is_valid():
        return _home(request, status=400, form=form)
    draft = services.draft_create(actor=request.user, title=form.cleaned_data["title"], ip=client_ip(request))
    messages.success(request, "ドラフトを作りました。ここでの変更は、公開するまで住民には見えません。")
    return redirect("studio:draft", pk=draft.pk)


@require_POST
@capability_required(EDIT)
def draft_import(request):
    """A zip of catalogue files (the download's layout) becomes a new draft, or nothing is stored."""
    form = ImportForm(request.POST, request.FILES, prefix="import")
    errors = []
    if form.is_valid():
        upload = form.cleaned_data["files"]
        try:
            if upload.size > exchange.ZIP_MAX_BYTES:
                raise services.DraftInvalid([exchange.too_large(upload.name)])
            bundle = exchange.unpack_zip(upload.read(), upload.name)
            draft = exchange.draft_import(
                actor=request.user, title=form.cleaned_data["title"], bundle=bundle, ip=client_ip(request)
            )
        except services.DraftInvalid as exc:
            errors = exc.errors
            form.add_error(
                "files", f"取り込めませんでした。{len(errors)} 件の問題があります（下の一覧）。何も保存していません。"
            )
        else:
            messages.success(request, "ファイルからドラフトを作りました。施行中の版との違いを確かめてください。")
            return redirect("studio:draft", pk=draft.pk)
    return _home(request, status=400, import_form=form, import_errors=errors)


@require_POST
@capability_required(EDIT)
def national_update(request):
    """A new release of the national layer (zip) becomes a draft with its conflicts, or nothing is stored."""
    form = NationalUpdateForm(request.POST, request.FILES, prefix="national")
    errors = []
    if form.is_valid():
        upload = form.cleaned_data["files"]
        try:
            if upload.size > exchange.ZIP_MAX_BYTES:
                raise services.DraftInvalid([exchange.too_large(upload.name)])
            files = exchange.unpack_release(upload.read(), upload.name)
            draft = exchange.draft_national_update(
                actor=request.user, title=form.cleaned_data["title"], national_files=files, ip=client_ip(request)
            )
        except services.DraftInvalid as exc:
            errors = exc.errors
            form.add_error(
                "files", f"取り込めませんでした。{len(errors)} 件の問題があります（下の一覧）。何も保存していません。"
            )
        else:
            messages.success(request, "国の更新をドラフトにしました。自動で取り込んだ内容と衝突を確かめてください。")
            return redirect("studio:national", pk=draft.pk)
    return _home(request, status=400, national_form=form, national_errors=errors)


def _json_text(value) -> str:
    return "（なし）" if value is None else json.dumps(value, ensure_ascii=False, indent=1)


@capability_required(EDIT)
def draft_national(request, pk):
    draft = _draft(pk)
    if not draft.national_update:
        raise Http404
    conflicts = [
        {**c, "index": i, "base_text": _json_text(c["base"]), "theirs_text": _json_text(c["theirs"]),
         "ours_text": _json_text(c["ours"]), "value_text": _json_text(c.get("value"))}
        for i, c in enumerate(draft.national_update["conflicts"])
    ]  # fmt: skip
    context = {"draft": draft, "update": draft.national_update, "conflicts": conflicts}
    return render(request, "studio/national.html", context)


@capability_required(EDIT)
def conflict_settle(request, pk, index):
    draft = _draft(pk)
    found = draft.national_update.get("conflicts", [])
    if index >= len(found):
        raise Http404
    conflict = found[index]
    status = 200
    if request.method == "POST":
        form = ConflictForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.draft_conflict_settle(
                    actor=request.user, draft=draft, revision=d["revision"], conflict_id=d["conflict"],
                    resolution=d["resolution"], value=d["value"], ip=client_ip(request),
                )  # fmt: skip
            except services.DraftInvalid as exc:
                form.add_error(None, "この決め方ではカタログが検査を通りません。何も保存していません。")
                for error in exc.errors:
                    form.add_error(None, str(error))
            except services.StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"衝突 {conflict['id']} を決めました（カタログ全体の検査を通りました）。")
                return redirect("studio:national", pk=draft.pk)
        status = 400
    else:
        initial = {"revision": draft.revision, "conflict": conflict["id"], "value": conflict["ours"]}
        form = ConflictForm(initial=initial)
    context = {
        "draft": draft, "conflict": conflict, "form": form, "editable": draft.state == Draft.State.DRAFT,
        "base_text": _json_text(conflict["base"]), "theirs_text": _json_text(conflict["theirs"]),
        "ours_text": _json_text(conflict["ours"]),
    }  # fmt: skip
    return render(request, "studio/conflict.html", context, status=status)


def _zip_response(bundle, filename: str) -> HttpResponse:
    response = HttpResponse(bundle.zip_bytes(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@capability_required(EDIT)
def draft_download(request, pk):
    draft = _draft(pk)
    exchange.export_record(actor=request.user, what=draft, ip=client_ip(request))
    return _zip_response(exchange.draft_bundle(draft), f"draft-{draft.pk}-r{draft.revision}.zip")


@capability_required(EDIT)
def version_download(request, version_id):
    version = get_object_or_404(CatalogueVersion, pk=version_id)
    exchange.export_record(actor=request.user, what=version, ip=client_ip(request))
    return _zip_response(exchange.version_bundle(version), f"catalogue-{version.content_hash[:12]}.zip")


@capability_required(EDIT)
def draft_detail(request, pk):
    draft = _draft(pk)
    changes = selectors.draft_changes(draft) if draft.state != Draft.State.PUBLISHED else []
    results = selectors.draft_story_results(draft) if draft.is_open else []
    preview = draft.previews.first()
    user = request.user
    context = {
        "draft": draft,
        "changes": changes,
        "failing": [r for r in results if not r.passed],
        "story_count": len(results),
        "submit_form": SubmitForm(initial={"revision": draft.revision}),
        "revision_form": RevisionForm(initial={"revision": draft.revision}),
        "is_author": draft.created_by_id == user.pk or draft.authors.filter(pk=user.pk).exists(),
        "can_publish": has_capability(user, PUBLISH),
        "procedures": sorted(draft.content["procedures"], key=lambda p: p["code"]),
        "questions": sorted(draft.content["questions"], key=lambda q: (q["order"], q["key"])),
        "laws": draft.content["laws"],
        "counters": services.served_municipality(draft.content)["counters"],
        "preview": preview,
        "walk": preview.result.get("walk") if preview and preview.state == Preview.State.DONE else None,
    }
    return render(request, "studio/draft.html", context)


def _rule_words(compiled, rule) -> str | None:
    if rule is None:
        return None
    return render_rule(rule, lang="ja", questions=compiled.question_texts)


def _edit_page(request, draft, *, form_class, entries_key, id_field, value, service, template, entries=None):
    entry = _entry(entries if entries is not None else draft.content[entries_key], id_field, value)
    compiled = selectors.draft_compiled(draft)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, entry=entry, draft_content=draft.content)
        if form.is_valid():
            try:
                service(
                    actor=request.user, draft=draft, revision=form.cleaned_data["revision"],
                    changes=form.changes(), ip=client_ip(request), **{id_field: value},
                )  # fmt: skip
            except services.DraftInvalid as exc:
                form.place_errors(exc.errors)
            except services.StudioError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "保存しました（カタログ全体の検査を通りました）。")
                return redirect("studio:draft", pk=draft.pk)
        status = 400
    else:
        form = form_class(initial={"revision": draft.revision}, entry=entry, draft_content=draft.content)
    rule_field = "applies_if" if entries_key == "procedures" else "show_if"
    context = {
        "draft": draft,
        "entry": entry,
        "file": entry.get("_file") or form.content_file,
        "form": form,
        "rule_words": _rule_words(compiled, entry.get(rule_field)),
        "document_words": [
            (doc["name"]["ja"], _rule_words(compiled, doc.get("applies_if"))) for doc in entry.get("documents") or ()
        ],
        "editable": draft.state == Draft.State.DRAFT,
    }
    return render(request, template, context, status=status)


@capability_required(EDIT)
def procedure_edit(request, pk, code):
    return _edit_page(
        request, _draft(pk), form_class=ProcedureForm, entries_key="procedures", id_field="code", value=code,
        service=services.draft_edit_procedure, template="studio/procedure_edit.html",
    )  # fmt: skip


@capability_required(EDIT)
def question_edit(request, pk, key):
    return _edit_page(
        request, _draft(pk), form_class=QuestionForm, entries_key="questions", id_field="key", value=key,
        service=services.draft_edit_question, template="studio/question_edit.html",
    )  # fmt: skip


@capability_required(EDIT)
def law_edit(request, pk, key):
    return _edit_page(
        request, _draft(pk), form_class=LawForm, entries_key="laws", id_field="key", value=key,
        service=services.draft_edit_law, template="studio/entry_edit.html",
    )  # fmt: skip


@capability_required(EDIT)
def counter_edit(request, pk, code):
    draft = _draft(pk)
    return _edit_page(
        request, draft, form_class=CounterForm, entries_key="counters", id_field="code", value=code,
        service=services.draft_edit_counter, template="studio/entry_edit.html",
        entries=services.served_municipality(draft.content)["counters"],
    )  # fmt: skip


@capability_required(EDIT)
def draft_diff(request, pk):
    draft = _draft(pk)
    return render(request, "studio/diff.html", {"draft": draft, "changes": selectors.draft_changes(draft)})


def _act(request, draft, action, success: str):
    try:
        action()
    except services.StudioError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("studio:draft", pk=draft.pk)


def _revision(request) -> int:
    form = RevisionForm(request.POST)
    return form.cleaned_data["revision"] if form.is_valid() else -1


@require_POST
@capability_required(EDIT)
def draft_submit(request, pk):
    draft = _draft(pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("studio:draft", pk=draft.pk)
    d = form.cleaned_data
    return _act(
        request, draft,
        lambda: services.draft_submit(
            actor=request.user, draft=draft, revision=d["revision"], reason=d["reason"],
            effective_from=d["effective_from"], version_by=d["version_by"], ip=client_ip(request),
        ),
        "承認を依頼しました。",
    )  # fmt: skip


@require_POST
@capability_required(EDIT)
def draft_withdraw(request, pk):
    draft = _draft(pk)
    return _act(
        request, draft, lambda: services.draft_withdraw(actor=request.user, draft=draft, ip=client_ip(request)),
        "編集中に戻しました。",
    )  # fmt: skip


@require_POST
@capability_required(PUBLISH)
def draft_approve(request, pk):
    draft = _draft(pk)
    revision = _revision(request)
    return _act(
        request, draft,
        lambda: services.draft_approve(actor=request.user, draft=draft, revision=revision, ip=client_ip(request)),
        "承認しました。",
    )  # fmt: skip


@require_POST
@capability_required(PUBLISH)
def draft_publish(request, pk):
    draft = _draft(pk)
    return _act(
        request, draft, lambda: services.draft_publish(actor=request.user, draft=draft, ip=client_ip(request)),
        "公開しました。施行日の 0 時（日本時間）から住民のチェックリストに使われます。",
    )  # fmt: skip


@require_POST
@capability_required(EDIT)
def draft_discard(request, pk):
    draft = _draft(pk)
    try:
        services.draft_discard(actor=request.user, draft=draft, ip=client_ip(request))
    except services.StudioError as exc:
        messages.error(request, str(exc))
        return redirect("studio:draft", pk=draft.pk)
    messages.success(request, f"ドラフト「{draft.title}」を破棄しました。")
    return redirect("studio:home")


@capability_required(EDIT)
def draft_stories(request, pk):
    draft = _draft(pk)
    results = selectors.draft_story_results(draft)
    return render(
        request,
        "studio/stories.html",
        {"draft": draft, "results": results, "editable": draft.state == Draft.State.DRAFT},
    )


@require_POST
@capability_required(EDIT)
def story_accept(request, pk):
    draft = _draft(pk)
    form = StoryAcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "期待値を変える理由を書いてください。")
        return redirect("studio:stories", pk=draft.pk)
    d = form.cleaned_data
    try:
        services.draft_story_accept(
            actor=request.user, draft=draft, revision=d["revision"], name=d["name"], reason=d["reason"],
            ip=client_ip(request),
        )  # fmt: skip
    except services.StudioError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"ストーリー {d['name']} の期待値をこのドラフトの結果にしました。")
    return redirect("studio:stories", pk=draft.pk)


@capability_required(EDIT)
def story_add(request, pk):
    draft = _draft(pk)
    status = 200
    if request.method == "POST":
        form = StoryAddForm(request.POST, draft_content=draft.content)
        if form.is_valid():
            try:
                services.draft_story_add(
                    actor=request.user, draft=draft, revision=form.cleaned_data["revision"],
                    name=form.cleaned_data["name"], scenario=form.scenario(), reason=form.cleaned_data["reason"],
                    ip=client_ip(request),
                )  # fmt: skip
            except services.StudioError as exc:
                form.add_error(None, str(exc))
            except PydanticError as exc:
                form.add_error(None, f"ストーリーの形が正しくありません: {exc.errors()[0]['msg']}")
            else:
                messages.success(request, "ストーリーを保存しました。期待値はこのドラフトで作られる結果です。")
                return redirect("studio:stories", pk=draft.pk)
        status = 400
    else:
        initial = {"revision": draft.revision}
        editing = request.GET.get("from")
        if editing:  # an existing story, to change and save again under its name (or a new one)
            found = next((sc for name, _, sc, _ in selectors.stories(draft) if name == editing), None)
            if found is None:
                raise Http404
            initial |= {
                "name": editing, "title": found.title, "story": found.story or "", "life_events": found.life_events,
                "event_date": found.event_date, "answers": found.answers or None, "members": found.members or None,
            }  # fmt: skip
        form = StoryAddForm(initial=initial, draft_content=draft.content)
    return render(request, "studio/story_add.html", {"draft": draft, "form": form}, status=status)


@capability_required(EDIT)
def draft_preview(request, pk):
    draft = _draft(pk)
    if request.method == "POST":
        preview = services.preview_request(actor=request.user, draft=draft, ip=client_ip(request))
        return redirect("studio:preview", pk=draft.pk)
    preview = draft.previews.first()
    names = {p["code"]: p["name"]["ja"] for p in draft.content["procedures"]}
    events = {e["code"]: e["name"]["ja"] for e in draft.content["life_events"]}
    rows = []
    if preview and preview.state == Preview.State.DONE:
        for code, counts in preview.result.get("procedures", {}).items():
            examples = [
                {
                    **e,
                    "life_events": [events.get(c, c) for c in e["life_events"]],
                    "members": [
                        {**m, "relation": RELATION_LABELS.get(m.get("relation"), {}).get("ja", m.get("relation"))}
                        for m in e["members"]
                    ],
                }
                for e in counts.get("examples", [])
            ]
            rows.append({"code": code, "name": names.get(code, code), **counts, "examples": examples})
    walk = preview.result.get("walk") if preview and preview.state == Preview.State.DONE else None
    context = {"draft": draft, "preview": preview, "rows": rows, "walk": walk}
    return render(request, "studio/preview.html", context)


@capability_required(EDIT)
def preview_status(request, pk, preview_id):
    preview = get_object_or_404(Preview, pk=preview_id, draft_id=pk)
    return JsonResponse(
        {
            "state": preview.state,
            "state_label": preview.get_state_display(),
            "processed": preview.processed,
            "total": preview.total,
            "finished": preview.state in (Preview.State.DONE, Preview.State.FAILED),
            "current": preview.revision == preview.draft.revision,
        }
    )


@capability_required(EDIT)
def draft_history(request, pk):
    draft = _draft(pk)
    return render(request, "studio/history.html", {"draft": draft, "events": selectors.draft_history(draft)})


@capability_required(EDIT)
def versions(request):
    return render(
        request,
        "studio/versions.html",
        {"versions": selectors.versions_history(), "in_force": selectors.in_force()[0]},
    )


@require_POST
@capability_required(EDIT)
def version_restore(request, version_id):
    version = get_object_or_404(CatalogueVersion, pk=version_id)
    draft = services.draft_create(
        actor=request.user,
        title=f"{version.effective_from:%Y-%m-%d} の版（{version.content_hash[:12]}）に戻す",
        version=version,
        ip=client_ip(request),
    )
    messages.success(request, "古い版を新しいドラフトにしました。施行中の版との違いを確かめてから申請してください。")
    return redirect("studio:draft", pk=draft.pk)
