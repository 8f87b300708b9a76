"""Studio pages: forms validated like the loader, errors beside their field, rules in words beside JSON."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from staff_testing import sign_in
from studio_testing import CODE, NEW_RULE, OLD_RULE, approver, change_rule, editor, new_draft, procedure, question

from procedures.selectors import today
from studio import services
from studio.models import Draft, Preview

pytestmark = pytest.mark.django_db


def form_data(client, url) -> dict:
    """The form's fields as the page fills them in (inputs, checked boxes, selected options, text areas)."""
    html = client.get(url).content.decode()
    form = html[html.index('<form method="post" class="form form--wide"') :]
    form = form[: form.index("</form>")]
    data: dict = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag).group(1)
        if not name or (kind in ("checkbox", "radio") and "checked" not in tag):
            continue
        val = value.group(1) if value else ("on" if kind in ("checkbox", "radio") else "")
        if kind == "checkbox" and name.group(1) in data:
            data[name.group(1)] = [
                *([data[name.group(1)]] if isinstance(data[name.group(1)], str) else data[name.group(1)]),
                val,
            ]
        else:
            data[name.group(1)] = val
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = _unescape(body.strip("\n"))
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    return {k: _unescape(v) if isinstance(v, str) else v for k, v in data.items()}


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


@pytest.fixture
def author(client):
    user = editor()
    sign_in(client, user)
    return user


def test_the_procedure_page_shows_the_rule_in_words_beside_its_json(client, author):
    draft = new_draft(author)
    html = client.get(reverse("studio:procedure", kwargs={"pk": draft.pk, "code": CODE})).content.decode()
    assert "世帯に「続柄」が「亡くなった方」、かつ「年齢」が65以上の人がいる" in html
    assert "&quot;&gt;=&quot;" in html  # the JSON in the text area


def test_an_unchanged_form_saves_and_changes_nothing_in_the_content(client, author):
    draft = new_draft(author)
    url = reverse("studio:procedure", kwargs={"pk": draft.pk, "code": CODE})
    before = procedure(draft)
    response = client.post(url, form_data(client, url))
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert procedure(draft) == before
    assert draft.revision == 2


def test_a_bad_rule_typed_in_the_form_is_refused_beside_its_field(client, author):
    draft = new_draft(author)
    url = reverse("studio:procedure", kwargs={"pk": draft.pk, "code": CODE})
    data = form_data(client, url)
    data["applies_if"] = json.dumps({">=": [{"var": "deceased_favourite_age"}, 65]})
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('id="id_applies_if_error"') - 400 : html.index('name="applies_if"')]
    assert "deceased_favourite_age" in field, field
    assert "入力内容を確認してください" in html  # the error summary
    draft.refresh_from_db()
    assert (procedure(draft)["applies_if"], draft.revision) == (OLD_RULE, 1)


def test_json_that_does_not_parse_is_refused_beside_its_field(client, author):
    draft = new_draft(author)
    url = reverse("studio:procedure", kwargs={"pk": draft.pk, "code": CODE})
    data = form_data(client, url)
    data["applies_if"] = '{"some": ['
    response = client.post(url, data)
    assert response.status_code == 400
    assert "JSON として読めません" in response.content.decode()
    assert Draft.objects.get(pk=draft.pk).revision == 1


def test_a_new_rule_and_deadline_are_saved_from_the_form(client, author):
    draft = new_draft(author)
    url = reverse("studio:procedure", kwargs={"pk": draft.pk, "code": CODE})
    data = form_data(client, url)
    data.update(applies_if=json.dumps(NEW_RULE), deadline_kind="days", deadline_count="30")
    response = client.post(url, data)
    assert response.status_code == 302
    stored = procedure(Draft.objects.get(pk=draft.pk))
    assert stored["applies_if"] == NEW_RULE
    assert stored["deadline"]["days"] == 30


def test_a_show_if_cycle_typed_in_the_question_form_is_refused_beside_show_if(client, author):
    draft = new_draft(author)
    url = reverse("studio:question", kwargs={"pk": draft.pk, "key": "deceased_received_pension"})
    data = form_data(client, url)
    data["show_if"] = json.dumps({"!=": [{"var": "deceased_pension_kind"}, "basic_only"]})
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('id="id_show_if_error"') - 400 : html.index('name="show_if"')]
    assert "cycle" in field
    assert question(Draft.objects.get(pk=draft.pk), "deceased_received_pension").get("show_if") is None


def test_the_diff_shows_the_rule_in_words_and_json(client, author):
    draft = change_rule(author, new_draft(author))
    html = client.get(reverse("studio:diff", kwargs={"pk": draft.pk})).content.decode()
    assert "「年齢」が65以上の人がいる" in html
    assert "「年齢」が70以上の人がいる" in html
    assert "&quot;age&quot;}, 70]" in html
    assert "変更 1 件" in html


def test_the_diff_shows_deadline_documents_and_texts_in_words(client, author):
    draft = new_draft(author)
    entry = procedure(draft)
    services.draft_edit_procedure(
        actor=author, draft=draft, revision=1, code=CODE,
        changes={
            "deadline": {"days": 30, "from": "event_date", "count_first_day": False, "calendar": "municipality"},
            "documents": [{"name": {"ja": "印鑑", "en": "Seal", "easy": "はんこ"}}],
            "name": {**entry["name"], "ja": "介護保険をやめる届"},
        },
    )  # fmt: skip
    html = client.get(reverse("studio:diff", kwargs={"pk": draft.pk})).content.decode()
    assert "30日" in html
    assert "・印鑑" in html
    assert "介護保険をやめる届" in html


def test_the_author_is_told_they_cannot_approve(client, author):
    draft = change_rule(author, new_draft(author))
    url = reverse("studio:submit", kwargs={"pk": draft.pk})
    effective = (today() + timedelta(days=10)).isoformat()
    response = client.post(
        url, {"revision": 2, "reason": "改正", "effective_from": effective, "version_by": "event_date"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.version_by) == (Draft.State.SUBMITTED, "event_date")
    html = client.get(reverse("studio:draft", kwargs={"pk": draft.pk})).content.decode()
    assert "自分が作成・編集したドラフトは承認できません" in html
    assert "承認する</button>" not in html


def test_an_approver_who_authored_the_draft_is_refused_on_post(client):
    user = approver("own.author")
    sign_in(client, user)
    draft = change_rule(user, new_draft(user))
    draft = services.draft_submit(
        actor=user, draft=draft, revision=2, reason="r", effective_from=today(), version_by="build_date"
    )
    response = client.post(reverse("studio:approve", kwargs={"pk": draft.pk}), {"revision": 2}, follow=True)
    assert "自分が作成・編集したドラフトは承認できません" in response.content.decode()
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.SUBMITTED


def test_failing_stories_are_listed_and_an_expectation_is_updated_with_a_reason(client, author):
    draft = change_rule(author, new_draft(author))
    url = reverse("studio:stories", kwargs={"pk": draft.pk})
    html = client.get(url).content.decode()
    assert "✗ 失敗" in html and "death_on_the_31st_self_employed" in html
    response = client.post(
        reverse("studio:story-accept", kwargs={"pk": draft.pk}),
        {"revision": 2, "name": "death_on_the_31st_self_employed", "reason": "改正で 70 歳から"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.stories["death_on_the_31st_self_employed"]["reason"] == "改正で 70 歳から"
    assert "✗ 失敗" not in client.get(url).content.decode()


def test_the_preview_page_shows_counts_and_the_status_endpoint_its_progress(client, author):
    draft = change_rule(author, new_draft(author))
    preview = Preview.objects.create(
        draft=draft, revision=draft.revision, requested_by=author, state=Preview.State.DONE, total=5, processed=5,
        result={"checked": 5, "changed": 2, "codes": [CODE], "procedures": {
            CODE: {"gained": 0, "lost": 2, "status": 0, "deadline": 0, "examples": [
                {"life_events": ["death"], "members": [{"relation": "deceased", "age": 67}], "answers": {},
                 "changes": [f"{CODE}: 削除"]}]}}},
    )  # fmt: skip
    html = client.get(reverse("studio:preview", kwargs={"pk": draft.pk})).content.decode()
    assert "5 件のうち、2 件" in html
    assert "亡くなった方（67歳）" in html
    status = client.get(reverse("studio:preview-status", kwargs={"pk": draft.pk, "preview_id": preview.pk})).json()
    assert status == {
        "state": "done", "state_label": "完了", "processed": 5, "total": 5, "finished": True, "current": True,
    }  # fmt: skip


def test_an_unknown_procedure_is_a_404(client, author):
    draft = new_draft(author)
    assert client.get(reverse("studio:procedure", kwargs={"pk": draft.pk, "code": "no_such"})).status_code == 404
    assert client.get(reverse("studio:draft", kwargs={"pk": 999999})).status_code == 404


def test_a_law_is_edited_and_shown_in_the_diff(client, author):
    draft = new_draft(author)
    url = reverse("studio:law", kwargs={"pk": draft.pk, "key": "koseki_ho"})
    data = form_data(client, url)
    data["verified"] = "on"
    data["name_ja"] = "戸籍法（昭和22年）"
    assert client.post(url, data).status_code == 302
    law = next(item for item in Draft.objects.get(pk=draft.pk).content["laws"] if item["key"] == "koseki_ho")
    assert (law["verified"], law["name"]["ja"]) == (True, "戸籍法（昭和22年）")
    html = client.get(reverse("studio:diff", kwargs={"pk": draft.pk})).content.decode()
    assert "未照合" in html and "照合済み" in html and "戸籍法（昭和22年）" in html


def test_a_counter_with_an_empty_name_is_refused_beside_the_field(client, author):
    draft = new_draft(author)
    url = reverse("studio:counter", kwargs={"pk": draft.pk, "code": "resident_registry"})
    data = form_data(client, url)
    data["hours_ja"] = "平日 8:30〜19:00"
    data["visit_order"] = "5"
    assert client.post(url, data).status_code == 302
    counter = next(
        c for c in services.served_municipality(Draft.objects.get(pk=draft.pk).content)["counters"]
        if c["code"] == "resident_registry"
    )  # fmt: skip
    assert (counter["hours"]["ja"], counter["visit_order"]) == ("平日 8:30〜19:00", 5)
    data["name_en"] = ""
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'field field--error"><label for="id_name_en"' in html


def test_a_law_the_loader_refuses_is_refused_beside_its_field(client, author):
    draft = new_draft(author)
    with pytest.raises(services.DraftInvalid) as info:
        services.draft_edit_law(actor=author, draft=draft, revision=1, key="koseki_ho", changes={"verified": "yes"})
    assert [(e.file, e.field) for e in info.value.errors] == [("national/laws.yaml", "laws.0.verified")]
