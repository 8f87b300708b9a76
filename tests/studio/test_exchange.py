"""Import and export: versions and drafts as the YAML tree fixtures/ holds, and back as a draft."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from staff_testing import make_staff, sign_in
from studio_testing import NEW_RULE, change_rule, editor, new_draft, procedure

from audit.models import AuditEvent
from procedures.scenarios import Scenario, dump_scenario
from procedures.selectors import catalogue_version_in_force
from studio import exchange, services
from studio.models import Draft, Story

pytestmark = pytest.mark.django_db

STORY = {
    "title": "転入した単身者",
    "life_events": ["moving"],
    "event_date": "2026-09-08",
    "answers": {"move_type": "in_from_other"},
    "members": [{"relation": "self", "age": 30}],
}


def shipped_files() -> dict[str, str]:
    return {
        p.relative_to(settings.CATALOGUE_DIR).as_posix(): p.read_text(encoding="utf-8")
        for p in Path(settings.CATALOGUE_DIR).rglob("*")
        if p.is_file()
    }


def zipped(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def unzip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode() for n in archive.namelist()}


def test_version_export_is_the_shipped_files_byte_for_byte():
    bundle = exchange.version_bundle(catalogue_version_in_force())
    assert bundle.catalogue == shipped_files()


def test_round_trip_version_to_draft_to_files_is_byte_stable():
    user = editor()
    version = catalogue_version_in_force()
    first = exchange.version_bundle(version).zip_bytes()
    draft = exchange.draft_import(actor=user, title="取り込み", bundle=exchange.unpack_zip(first))
    draft.refresh_from_db()  # through the database (jsonb does not keep key order)
    again = exchange.draft_bundle(draft).zip_bytes()
    assert again == first
    assert {n for n in unzip(again) if n.startswith("catalogue/")} == {f"catalogue/{r}" for r in shipped_files()}


def test_stories_round_trip_with_their_reason(tmp_path):
    user = editor()
    draft = new_draft(user)
    draft = services.draft_story_add(
        actor=user, draft=draft, revision=draft.revision, name="tennyu_single", scenario=dict(STORY),
        reason="転入届だけが必要",
    )  # fmt: skip
    bundle = exchange.draft_bundle(draft)
    assert "tennyu_single.yaml" in bundle.scenarios
    text = bundle.scenarios["tennyu_single.yaml"]
    assert "reason: 転入届だけが必要" in text
    assert Scenario.model_validate(__import__("yaml").safe_load(text)).expect  # a scenario file, expectations in

    imported = exchange.draft_import(actor=user, title="もう一度", bundle=exchange.unpack_zip(bundle.zip_bytes()))
    imported.refresh_from_db()
    assert imported.stories["tennyu_single"]["reason"] == "転入届だけが必要"
    assert (
        imported.stories["tennyu_single"]["scenario"]["expect"] == draft.stories["tennyu_single"]["scenario"]["expect"]
    )
    assert exchange.draft_bundle(imported).zip_bytes() == bundle.zip_bytes()


def test_a_story_equal_to_a_file_story_is_not_copied_into_the_draft():
    user = editor()
    name = "birth_before_golden_week"
    text = (Path(settings.BASE_DIR) / "fixtures" / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
    files = {f"catalogue/{r}": t for r, t in shipped_files().items()} | {f"scenarios/{name}.yaml": text}
    draft = exchange.draft_import(actor=user, title="同じ", bundle=exchange.unpack_zip(zipped(files)))
    assert draft.stories == {}
    event = AuditEvent.objects.get(action="studio.draft_import", target_id=str(draft.pk))
    assert event.detail["stories_unchanged"] == [name]


def test_studio_story_rows_are_exported_with_a_version():
    user = editor()
    Story.objects.create(name="saved_here", data={**STORY, "expect": {}, "exhaustive": False}, reason="保存",
                         draft=new_draft(user))  # fmt: skip
    bundle = exchange.version_bundle(catalogue_version_in_force())
    assert list(bundle.scenarios) == ["saved_here.yaml"]
    assert bundle.scenarios["saved_here.yaml"] == dump_scenario({**STORY, "expect": {}, "exhaustive": False,
                                                                  "reason": "保存"})  # fmt: skip


def test_a_draft_exports_its_edits():
    user = editor()
    draft = change_rule(user, new_draft(user))
    files = exchange.draft_bundle(draft).catalogue
    assert "{'>=': [{var: age}, 70]}" in files["national/procedures/kaigo_shikaku_soshitsu.yaml"]
    assert (
        files["national/procedures/kaigo_shikaku_soshitsu.yaml"]
        != shipped_files()["national/procedures/kaigo_shikaku_soshitsu.yaml"]
    )


@pytest.mark.parametrize(
    "case, files, expected",
    [
        ("not a zip", b"this is not a zip", ("upload.zip", "", "is not a zip file")),
        ("traversal", {"../evil.yaml": "x: 1"}, ("../evil.yaml", "", "is not a path inside the tree")),
        ("absolute", {"/etc/passwd": "x"}, ("/etc/passwd", "", "is not a path inside the tree")),
        ("outside the layout", {"other/x.yaml": "x: 1"}, ("other/x.yaml", "", "not in catalogue/ or scenarios/")),
        ("no catalogue", {"scenarios/": ""}, ("upload.zip", "", "holds no catalogue/ folder")),
    ],
)
def test_bad_zips_are_refused_and_nothing_is_stored(case, files, expected):
    data = files if isinstance(files, bytes) else zipped(files)
    before = Draft.objects.count()
    with pytest.raises(services.DraftInvalid) as info:
        exchange.draft_import(actor=editor(), title=case, bundle=exchange.unpack_zip(data))
    found = [(e.file, e.field, e.problem) for e in info.value.errors]
    assert any(f == expected[0] and fld == expected[1] and expected[2] in p for f, fld, p in found), found
    assert Draft.objects.count() == before


def test_too_large_zips_are_refused(monkeypatch):
    monkeypatch.setattr(exchange, "UNPACKED_MAX_BYTES", 1000)
    data = zipped({"catalogue/catalogue.yaml": "x" * 5000})
    with pytest.raises(services.DraftInvalid) as info:
        exchange.unpack_zip(data)
    assert "unpacks to more than" in str(info.value)
    monkeypatch.setattr(exchange, "ZIP_MAX_BYTES", 100)
    with pytest.raises(services.DraftInvalid) as info:
        exchange.unpack_zip(data)
    assert "is larger than" in str(info.value)


def test_invalid_yaml_and_loader_errors_name_file_and_field():
    files = {f"catalogue/{r}": t for r, t in shipped_files().items()}
    files["catalogue/national/procedures/shibou_todoke.yaml"] = files[
        "catalogue/national/procedures/shibou_todoke.yaml"
    ].replace("per_member: false", "per_member: maybe")
    files["catalogue/national/laws.yaml"] = "laws: [unclosed"
    files["scenarios/broken.yaml"] = "title: x\nexpect: {a: {status: nope}}\nlife_events: [birth]\nevent_date: x\n"
    before = Draft.objects.count()
    with pytest.raises(services.DraftInvalid) as info:
        exchange.draft_import(actor=editor(), title="壊れた", bundle=exchange.unpack_zip(zipped(files)))
    found = {(e.file, e.field) for e in info.value.errors}
    assert ("catalogue/national/procedures/shibou_todoke.yaml", "per_member") in found
    assert any(f == "catalogue/national/laws.yaml" and fld.startswith("line") for f, fld in found)
    assert ("scenarios/broken.yaml", "expect.a.status") in found
    assert Draft.objects.count() == before


def test_a_catalogue_the_engine_refuses_is_refused():
    files = {f"catalogue/{r}": t for r, t in shipped_files().items()}
    rel = "catalogue/national/procedures/kaigo_shikaku_soshitsu.yaml"
    files[rel] = files[rel].replace("{var: age}", "{var: no_such_fact_age}", 1)
    with pytest.raises(services.DraftInvalid) as info:
        exchange.draft_import(actor=editor(), title="未知の事実", bundle=exchange.unpack_zip(zipped(files)))
    assert any(e.file == rel and "no_such_fact" in e.problem for e in info.value.errors), info.value.errors


def test_only_editors_may_import():
    clerk = make_staff("kato", "clerk")
    bundle = exchange.version_bundle(catalogue_version_in_force())
    with pytest.raises(PermissionDenied):
        exchange.draft_import(actor=clerk, title="x", bundle=bundle)
    assert not Draft.objects.filter(title="x").exists()


# --- commands ---------------------------------------------------------------------------------------


def test_commands_round_trip_a_draft_with_its_stories(tmp_path, capsys):
    user = editor()
    draft = change_rule(user, new_draft(user))
    draft = services.draft_story_add(
        actor=user, draft=draft, revision=draft.revision, name="tennyu_single",
        scenario=dict(STORY), reason="転入届だけ",
    )  # fmt: skip
    call_command("export_catalogue", str(tmp_path / "cat"), "--draft", str(draft.pk), "--scenarios",
                 str(tmp_path / "sc"))  # fmt: skip
    assert (tmp_path / "sc" / "tennyu_single.yaml").is_file()
    call_command("import_draft", str(tmp_path / "cat"), "--scenarios", str(tmp_path / "sc"), "--title", "戻す",
                 "--actor", user.username)  # fmt: skip
    imported = Draft.objects.get(title="戻す")
    assert procedure(imported)["applies_if"] == NEW_RULE
    assert imported.stories["tennyu_single"]["reason"] == "転入届だけ"
    call_command("export_catalogue", str(tmp_path / "cat2"), "--draft", str(imported.pk), "--scenarios",
                 str(tmp_path / "sc2"))  # fmt: skip
    for a, b in (("cat", "cat2"), ("sc", "sc2")):
        left = {p.relative_to(tmp_path / a): p.read_bytes() for p in (tmp_path / a).rglob("*") if p.is_file()}
        right = {p.relative_to(tmp_path / b): p.read_bytes() for p in (tmp_path / b).rglob("*") if p.is_file()}
        assert left == right


def test_import_command_refuses_invalid_files_and_stores_nothing(catalogue_dir):
    user = editor()
    (catalogue_dir / "national" / "offices.yaml").write_text("offices: [{code: X}]\n", encoding="utf-8")
    before = Draft.objects.count()
    with pytest.raises(CommandError) as info:
        call_command("import_draft", str(catalogue_dir), "--title", "x", "--actor", user.username)
    assert "nothing stored" in str(info.value)
    assert "national/offices.yaml: offices.0.code: must be a snake_case code" in str(info.value)
    assert Draft.objects.count() == before


def test_import_command_reads_a_zip(tmp_path):
    user = editor()
    path = tmp_path / "export.zip"
    path.write_bytes(exchange.version_bundle(catalogue_version_in_force()).zip_bytes())
    call_command("import_draft", str(path), "--title", "zip から", "--actor", user.username)
    assert Draft.objects.filter(title="zip から").exists()


def test_export_command_default_is_unchanged(tmp_path):
    call_command("export_catalogue", str(tmp_path))
    written = {p.relative_to(tmp_path).as_posix(): p.read_text(encoding="utf-8") for p in tmp_path.rglob("*")
               if p.is_file()}  # fmt: skip
    assert written == shipped_files()


# --- pages ------------------------------------------------------------------------------------------


def test_download_and_upload_in_the_studio(client):
    user = editor()
    sign_in(client, user)
    version = catalogue_version_in_force()
    response = client.get(reverse("studio:version-download", args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="catalogue-{version.content_hash[:12]}.zip"'
    assert AuditEvent.objects.filter(action="studio.export", target_type="catalogue_version").exists()
    upload = io.BytesIO(response.content)
    upload.name = "catalogue.zip"
    response = client.post(reverse("studio:draft-import"), {"import-title": "アップロード", "import-files": upload})
    draft = Draft.objects.get(title="アップロード")
    assert response.status_code == 302 and response["Location"] == reverse("studio:draft", args=[draft.pk])
    event = AuditEvent.objects.get(action="studio.draft_import", target_id=str(draft.pk))
    assert event.username == user.username and event.detail["content_hash"] == version.content_hash
    page = client.get(reverse("studio:draft", args=[draft.pk])).content.decode()
    assert reverse("studio:draft-download", args=[draft.pk]) in page
    response = client.get(reverse("studio:draft-download", args=[draft.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="draft-{draft.pk}-r1.zip"'
    assert response.content == exchange.version_bundle(version).zip_bytes()


def test_a_bad_upload_is_a_400_listing_the_loader_errors(client):
    sign_in(client, editor())
    files = {f"catalogue/{r}": t for r, t in shipped_files().items()}
    files["catalogue/national/procedures/shibou_todoke.yaml"] += "surprise: 1\n"
    for data, says in ((zipped(files), "surprise"), (b"PK\x03\x04 nonsense", "is not a zip file")):
        upload = io.BytesIO(data)
        upload.name = "bad.zip"
        before = Draft.objects.count()
        response = client.post(reverse("studio:draft-import"), {"import-title": "壊れた", "import-files": upload})
        assert response.status_code == 400
        page = response.content.decode()
        assert says in page
        assert "何も保存していません" in page
        assert 'href="#id_import-files"' in page  # the error summary links to the field
        assert Draft.objects.count() == before


def test_only_editors_see_downloads(client):
    sign_in(client, make_staff("kato", "clerk"))
    version = catalogue_version_in_force()
    assert client.get(reverse("studio:version-download", args=[version.pk])).status_code == 403


def test_a_story_is_written_edited_in_the_studio_and_exported(client):
    user = editor()
    sign_in(client, user)
    draft = new_draft(user)
    url = reverse("studio:story-add", args=[draft.pk])
    data = {
        "revision": draft.revision, "name": "tennyu_single", "title": "転入した単身者", "story": "",
        "life_events": ["moving"], "event_date": "2026-09-08", "answers": '{"move_type": "in_from_other"}',
        "members": '[{"relation": "self", "age": 30}]', "reason": "転入届だけ",
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    page = client.get(f"{url}?from=tennyu_single").content.decode()
    assert 'value="転入した単身者"' in page and "in_from_other" in page
    assert client.get(f"{url}?from=no_such_story").status_code == 404
    draft.refresh_from_db()
    response = client.post(url, {**data, "revision": draft.revision, "title": "転入した単身者（30歳）"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.stories["tennyu_single"]["scenario"]["title"] == "転入した単身者（30歳）"
    files = unzip(client.get(reverse("studio:draft-download", args=[draft.pk])).content)
    assert "title: 転入した単身者（30歳）" in files["scenarios/tennyu_single.yaml"]
    assert "reason: 転入届だけ" in files["scenarios/tennyu_single.yaml"]
