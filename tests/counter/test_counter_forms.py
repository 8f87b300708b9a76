"""The forms printed for signature carry the case's facts; the routing slip lists the counters in order."""

import io
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from counter import paperwork, services
from counter.models import CaseVisit
from counter.services import case_personal_save
from tests.counter.counter_testing import DETAILS, clerk, family_case, with_personal
from tests.staff.staff_testing import sign_in

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_move_in_family_needs_these_forms():
    case = with_personal(family_case())
    assert [p.code for p in paperwork.papers_for(case)] == ["juminido", "kokuho_shutoku", "jidou_teate", "inkan"]


def test_every_form_carries_the_names_addresses_and_facts(client):
    sign_in(client, clerk())
    case = with_personal(family_case())
    response = client.get(reverse("counter:case-forms-pdf", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 4
    pages = [page.extract_text() for page in reader.pages]
    juminido, kokuho, jidou, inkan = pages
    assert "住民異動届" in juminido and "転入" in juminido
    for name in ("山田 太郎", "山田 花子", "山田 一郎", "やまだ いちろう"):
        assert name in juminido
    assert DETAILS["new_address"] in juminido and DETAILS["old_address"] in juminido
    assert "2026-09-08" in juminido and "090-1234-5678" in juminido and "1990-07-15" in juminido
    assert "国民健康保険 資格取得届" in kokuho and "山田 一郎" in kokuho and "転入" in kokuho
    assert "児童手当 認定請求書" in jidou and "山田 一郎" in jidou and "1988-05-01" in jidou
    assert "山田 花子" not in jidou  # the children and the claimant, not the spouse
    assert "印鑑登録申請書" in inkan and "山田 太郎" in inkan and DETAILS["new_address"] in inkan
    for text in pages:
        assert "署名" in text  # the one blank left
        assert "みらい市長" in text
    event = AuditEvent.objects.get(action="case.forms.print")
    assert event.detail == {"forms": ["juminido", "kokuho_shutoku", "jidou_teate", "inkan"]}


def test_one_form_alone_and_an_unneeded_form_is_a_404(client):
    sign_in(client, clerk())
    case = with_personal(family_case())
    one = client.get(reverse("counter:case-form-pdf", args=[case.pk, "inkan"]))
    assert one.status_code == 200
    assert len(PdfReader(io.BytesIO(one.content)).pages) == 1
    assert client.get(reverse("counter:case-form-pdf", args=[case.pk, "okuyami"])).status_code == 404
    assert client.get(reverse("counter:case-form-pdf", args=[case.pk, "nothing"])).status_code == 404


def test_okuyami_list_has_every_procedure_after_a_death_with_counter_and_documents(client):
    sign_in(client, clerk())
    actor = clerk()
    case = services.case_create(
        actor=actor,
        life_events=["death"],
        event_date=date(2026, 1, 1),
        answers={"deceased_was_head": True, "deceased_received_pension": True},
        members=[
            {"relation": "deceased", "age": 80, "insurance": "national"},
            {"relation": "spouse", "age": 78, "insurance": "national"},
        ],
    )
    case_personal_save(
        actor=actor,
        case=case,
        people={"m1": {"name": "佐藤 一夫", "kana": "さとう かずお"}, "m2": {"name": "佐藤 和子"}},
        details={"old_address": "みらい市本町1-1"},
    )
    codes = [p.code for p in paperwork.papers_for(case)]
    assert codes == ["kokuho_soshitsu", "okuyami"]
    text = pdf_text(client.get(reverse("counter:case-form-pdf", args=[case.pk, "okuyami"])).content)
    flat = text.replace("\n", "")  # table cells wrap
    assert "おくやみ手続一覧" in text and "佐藤 一夫" in text and "佐藤 和子" in text and "2026-01-01" in text
    assert "死亡届" in flat and "市民課 戸籍係" in flat and "2026-01-07" in flat  # 戸籍法: 7 days, first day counted
    assert "年金事務所" in flat  # outside offices are on the list too
    assert "死亡診断書" in flat  # documents to bring
    papers = paperwork.papers_for(case)
    okuyami = papers[-1]
    assert len(okuyami.rows) == len(case.items)
    soshitsu = pdf_text(client.get(reverse("counter:case-form-pdf", args=[case.pk, "kokuho_soshitsu"])).content)
    assert "国民健康保険 資格喪失届" in soshitsu and "佐藤 一夫" in soshitsu and "死亡" in soshitsu


def test_the_case_counts_fields_filled_for_the_resident_against_what_the_clerk_typed(client):
    sign_in(client, clerk())
    case = with_personal(family_case())
    papers = paperwork.papers_for(case)
    filled = sum(p.filled for p in papers)
    typed = paperwork.typed_by_clerk(case)
    assert typed == 5 * 3 + 4  # five details per person, four for the case (no move-out date)
    assert filled > 2 * typed
    page = client.get(reverse("counter:case-forms", args=[case.pk])).content.decode()
    assert f'id="filled-count">{filled}<' in page
    assert f'id="typed-count">{typed}<' in page


def test_routing_slip_lists_counters_in_visiting_order_and_sends_the_case_on(client):
    sign_in(client, clerk())
    case = family_case()
    url = reverse("counter:case-slip", args=[case.pk])
    page = client.get(url).content.decode()
    first, second = page.index("市民課 住民記録係"), page.index("保険年金課 国民健康保険係")
    assert first < second  # visit_order 20 before 40
    assert "転入届" in page[first:second]
    response = client.post(url)
    assert response.status_code == 302
    visits = list(CaseVisit.objects.filter(case=case).order_by("visit_order"))
    assert [v.department for v in visits][:2] == ["市民課", "保険年金課"]
    assert all(v.arrived_at and v.called_at is None for v in visits)
    kokuho = next(v for v in visits if v.department == "保険年金課")
    assert {k.split(".")[0] for k in kokuho.item_keys} >= {"kokuho_kanyu"}
    client.post(url)  # sending again creates no second entry
    assert CaseVisit.objects.filter(case=case).count() == len(visits)
    assert "お待ちください" in client.get(url).content.decode()
    text = pdf_text(client.get(reverse("counter:case-slip-pdf", args=[case.pk])).content)
    assert "回付票" in text and text.index("住民記録係") < text.index("国民健康保険係")


def test_render_a_form_to_png(client, tmp_path):
    sign_in(client, clerk())
    case = with_personal(family_case())
    pdf = tmp_path / "juminido.pdf"
    pdf.write_bytes(client.get(reverse("counter:case-form-pdf", args=[case.pk, "juminido"])).content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(tmp_path / "juminido")], check=True)
    assert (tmp_path / "juminido.png").stat().st_size > 10_000
