"""The interview page: every question on one page, members inline, the whole list beside it."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from counter.models import Case
from tests.counter.counter_testing import clerk, family_case, interview_post
from tests.staff.staff_testing import sign_in

pytestmark = pytest.mark.django_db


def test_new_case_by_plain_submit_stores_typed_facts_and_shows_every_department(client):
    sign_in(client, clerk())
    page = client.get(reverse("counter:case-new"))
    assert page.status_code == 200
    assert "Content-Security-Policy" in page.headers
    response = client.post(reverse("counter:case-new"), interview_post())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("counter:case-detail", args=[case.pk])
    assert case.answers == {"move_type": "in_from_other", "moved_in_on": "2026-09-08", "wants_seal_registration": True}
    assert [m["relation"] for m in case.members] == ["self", "spouse", "child"]
    assert [m["key"] for m in case.members] == ["m1", "m2", "m3"]
    assert case.members[2]["age"] == 6
    assert case.municipality == "mirai"
    codes = {i["procedure_code"] for i in case.items}
    assert {"tennyu_todoke", "kokuho_kanyu", "inkan_toroku"} <= codes
    page = client.get(response["Location"]).content.decode()
    assert "転入届" in page
    assert "市民課" in page and "保険年金課" in page  # one list across departments
    assert 'name="a-moved_in_on"' in page  # the questions of the life event on the same page
    assert 'name="m2-age"' in page  # members inline
    assert AuditEvent.objects.filter(action="case.view", target_id=str(case.pk)).count() == 1


def test_questions_hidden_by_the_answers_are_left_out(client):
    sign_in(client, clerk())
    case = family_case()
    page = client.get(reverse("counter:case-detail", args=[case.pk])).content.decode()
    assert 'name="a-moved_in_on"' in page
    assert 'name="a-moved_out_on"' not in page  # show_if: moving out only


def test_add_and_remove_a_member_inline(client):
    sign_in(client, clerk())
    case = family_case()
    url = reverse("counter:case-detail", args=[case.pk])
    data = interview_post(**{"m0-key": "m1", "m1-key": "m2", "m2-key": "m3"})
    response = client.post(url, {**data, "add": "child"})
    assert response.status_code == 302 and response["Location"].endswith("#members")
    case.refresh_from_db()
    assert [m["relation"] for m in case.members] == ["self", "spouse", "child", "child"]
    assert case.members[3]["key"] == "m4"
    data = interview_post(**{"m0-key": "m1", "m1-key": "m2", "m2-key": "m3"})
    client.post(url, {**data, "remove": "1"})
    case.refresh_from_db()
    assert [m["key"] for m in case.members] == ["m1", "m3"]


def test_bad_input_is_a_400_with_messages_and_changes_nothing(client):
    sign_in(client, clerk())
    case = family_case()
    before = (case.answers, case.members, case.items)
    url = reverse("counter:case-detail", args=[case.pk])
    response = client.post(url, interview_post(**{"event_date": "2026-02-30", "m2-age": "six"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "日付を 2026-04-01 のように入力してください" in body
    assert "数字で入力してください" in body
    assert 'href="#id_m2-age"' in body
    case.refresh_from_db()
    assert (case.answers, case.members, case.items) == before
    response = client.post(reverse("counter:case-new"), {"event_date": "2026-09-08", "members": "0"})
    assert response.status_code == 400
    assert "あてはまる出来事を 1 つ以上選んでください" in response.content.decode()
    assert Case.objects.count() == 1


def test_live_update_returns_the_list_alone(client):
    sign_in(client, clerk())
    case = family_case()
    url = reverse("counter:case-detail", args=[case.pk])
    data = interview_post(**{"m0-key": "m1", "m1-key": "m2", "m2-key": "m3", "a-wants_seal_registration": "false"})
    response = client.post(url, data, headers={"X-Counter-Live": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="checklist" id="checklist"')
    assert "<form" not in body
    assert "入力中の内容での見込みです" in body
    assert "印鑑登録" not in body  # the list as the posted answers make it
    case.refresh_from_db()
    assert case.answers["wants_seal_registration"] is True  # a preview saves nothing
    assert "inkan_toroku" in {i["procedure_code"] for i in case.items}


def test_another_municipalitys_or_a_purged_case_is_not_found(client):
    sign_in(client, clerk())
    other = family_case()
    Case.objects.filter(pk=other.pk).update(municipality="hoka")
    purged = family_case()
    Case.objects.filter(pk=purged.pk).update(purged_at="2026-01-01T00:00:00+09:00")
    for case in (other, purged):
        for name in ("counter:case-detail", "counter:case-personal", "counter:case-forms", "counter:case-slip"):
            assert client.get(reverse(name, args=[case.pk])).status_code == 404
    home = client.get(reverse("counter:home")).content.decode()
    assert other.number not in home and purged.number not in home


def test_the_case_page_reads_the_same_number_of_queries_for_a_bigger_household(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, clerk())
    small = family_case()
    big = family_case(members=[{"relation": "child", "age": n, "insurance": "national"} for n in range(1, 11)])
    counts = []
    for case in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("counter:case-detail", args=[case.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_reshaping_answer_returns_the_whole_form_with_the_questions_it_asks_now(client):
    sign_in(client, clerk())
    case = family_case()
    url = reverse("counter:case-detail", args=[case.pk])
    page = client.get(url).content.decode()
    assert "data-reshapes" in page.split('id="id_a-move_type"')[0].rsplit('<div class="field', 1)[1]
    data = interview_post(**{"m0-key": "m1", "m1-key": "m2", "m2-key": "m3", "a-move_type": "out_to_other"})
    response = client.post(url, data, headers={"X-Counter-Live": "page"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="interview"' in body and 'id="checklist"' in body
    assert 'name="a-moved_out_on"' in body and 'name="a-moved_in_on"' not in body
    assert "転出届" in body
    case.refresh_from_db()
    assert case.answers["move_type"] == "in_from_other"  # saved only by the clerk's submit


def test_counter_pages_have_no_inline_script_or_style(client):
    import re

    sign_in(client, clerk())
    case = family_case()
    for url in [
        reverse("counter:home"),
        reverse("counter:case-new"),
        reverse("counter:intake"),
        reverse("counter:case-detail", args=[case.pk]),
        reverse("counter:case-personal", args=[case.pk]),
        reverse("counter:case-forms", args=[case.pk]),
        reverse("counter:case-slip", args=[case.pk]),
    ]:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), url
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", body), url
