"""The 人民调解协议书 (人民调解法 art. 28-29; 人民调解工作若干规定 art. 35), opened as Word opens it and
read part by part: what it holds, how it is laid out, and what it prints of whom."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import select

from core.base.errors import Invalid
from core.mediation import agreement_doc, agreements
from core.mediation import service as mediations
from core.mediation.parties import PartyInput
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from db.models import AuditEvent, Resident
from tests.factories import make_resident_id, make_world, vault_for_tests
from tests.factories import register as register_resident
from tests.unit.mediation.test_law import agree, at, move, new_case, version_of
from tests.unit.mediation.test_service import case_input

VAULT = vault_for_tests()
RESIDENT_ID = make_resident_id("19470718", "024")  # digit 17 even: a woman
OUTSIDE_ID = make_resident_id("20120301", "021")


@pytest.fixture
def printed_case(engine):
    """A case between a resident (registry details), a child with a guardian (outside, ID recorded)
    and a company, settled by a written agreement."""
    world = make_world(engine)
    with write_session(engine) as session:
        resident = register_resident(session, world.actors["supervisor"], VAULT, ResidentForm(
            name="王秀英", id_number=RESIDENT_ID, phone="13812345678", grid_id=world.grid_ids[0],
            address="和平里小区3号楼2单元301", ethnicity="回族"))
        case = mediations.register(session, world.actors["worker"], case_input(engine, world, intake_date="2026-09-01", parties=[
            PartyInput(side="applicant", resident_id=resident.id),
            PartyInput(side="applicant", name="王小明", id_number=OUTSIDE_ID, agent_kind="guardian",
                       agent_name="王建国", agent_phone="13900001111"),
            PartyInput(side="respondent", kind="organisation", name="顺达物业管理有限公司",
                       representative="赵经理", representative_role="principal")]), vault=VAULT, now=at("2026-09-01"))
    move(engine, world.actors["worker"], case.id, "start", "2026-09-01")
    agree(engine, world.actors["worker"], case.id, "2026-09-10", performance_deadline="2026-09-30")
    return world, case.id


def printed(engine, actor, case_id):
    with write_session(engine) as session:
        content = agreements.document(session, actor, VAULT, case_id, now=at("2026-09-11"))
    return Document(io.BytesIO(agreement_doc.agreement_docx(content)))


def text_of(document) -> str:
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def test_it_holds_what_article_29_lists_and_says_how_many_copies(engine, printed_case):
    world, case_id = printed_case
    text = text_of(printed(engine, world.actors["supervisor"], case_id))
    for part in ("人民调解协议书", "当事人基本情况", "纠纷的主要事实、争议事项及各方责任", "李四负主要责任",
                 "经人民调解委员会调解，当事人自愿达成如下协议", "李四承担维修费 800 元", "人民币 800.00 元",
                 "履行方式：现金", "履行地点：和平里社区居委会", "履行期限：2026年9月30日前履行完毕",
                 "三十日内共同向人民法院申请司法确认"):
        assert part in text, part
    assert "本协议一式4份，当事人各执一份，人民调解委员会留存一份。" in text  # 3 parties + the committee
    assert "一式三份" not in text


def test_each_party_prints_its_basic_information_and_the_unknown_as_blank_lines(engine, printed_case):
    world, case_id = printed_case
    lines = [p.text for p in printed(engine, world.actors["supervisor"], case_id).paragraphs]
    resident = next(line for line in lines if line.startswith("申请人：王秀英"))
    assert ("性别：女" in resident and "出生日期：1947年7月18日" in resident and "民族：回族" in resident
            and "住址：和平里小区3号楼2单元301" in resident and "联系电话：13812345678" in resident
            and f"身份证号码：{RESIDENT_ID}" in resident)  # the supervisor may reveal: printed in full
    child = next(line for line in lines if line.startswith("申请人：王小明"))
    assert "出生日期：2012年3月1日" in child and f"身份证号码：{OUTSIDE_ID}" in child
    assert f"民族：{agreement_doc.BLANK}" in child and f"住址：{agreement_doc.BLANK}" in child  # not known
    assert "监护人：王建国，联系电话：13900001111" in lines
    company = next(line for line in lines if line.startswith("被申请人：顺达物业管理有限公司"))
    assert f"统一社会信用代码：{agreement_doc.BLANK}" in company and "负责人：赵经理" in company


def test_a_worker_prints_blank_lines_for_id_numbers_and_each_print_is_audited(engine, printed_case):
    world, case_id = printed_case
    text = text_of(printed(engine, world.actors["worker"], case_id))
    assert RESIDENT_ID not in text and OUTSIDE_ID not in text and f"身份证号码：{agreement_doc.BLANK}" in text
    printed(engine, world.actors["supervisor"], case_id)
    with read_session(engine) as session:
        rows = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "agreement_print")
                               .order_by(AuditEvent.id)).all()
    assert [json.loads(row)["id_numbers_printed"] for row in rows] == [0, 2]


def test_signature_lines_are_blank_and_the_seal_names_the_committee(engine, printed_case):
    world, case_id = printed_case
    lines = [p.text for p in printed(engine, world.actors["supervisor"], case_id).paragraphs]
    blank = agreement_doc.BLANK * 2
    assert lines.count(f"申请人（签名、盖章或按指印）：{blank}") == 2
    assert f"被申请人（签名、盖章或按指印）：{blank}" in lines and f"监护人（签名）：{blank}" in lines
    assert f"人民调解员（签名）：{blank}" in lines  # the mediator signs; no name pre-typed
    assert "worker one" not in "\n".join(lines)
    assert "和平里社区人民调解委员会（印）" in lines and "2026年9月10日" in lines


def test_it_is_a4_with_east_asian_fonts_black_headings_and_page_numbers(engine, printed_case):
    world, case_id = printed_case
    document = printed(engine, world.actors["supervisor"], case_id)
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    runs = [run for paragraph in document.paragraphs for run in paragraph.runs]
    east_asian = {run._element.rPr.rFonts.get(qn("w:eastAsia")) for run in runs}
    assert east_asian == {"宋体", "仿宋"}
    assert all(run.font.color.rgb == agreement_doc.BLACK for run in runs)
    assert not any(p.style.name.startswith("Heading") for p in document.paragraphs)  # Word's blue headings
    footer = section.footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


def test_only_a_written_agreement_in_force_is_printed(engine):
    world = make_world(engine)
    case_id = new_case(engine, world)
    agree(engine, world.actors["worker"], case_id, "2026-09-10", written=False, amount="0", terms="互相道歉",
          responsibilities="", performance_manner="", performance_place="", performance_deadline=None)
    with pytest.raises(Invalid) as refused, write_session(engine) as session:
        agreements.document(session, world.actors["worker"], VAULT, case_id)
    assert refused.value.key == "error.agreement.no_written"


def test_a_round_2_agreement_prints_its_own_terms(engine, printed_case):
    world, case_id = printed_case
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    with write_session(engine) as session:
        agreements.record_follow_up(session, worker, case_id, version_of(engine, case_id), agreements.FollowUpInput(
            visited_on="2026-10-01", performed="no", satisfaction=2), now=at("2026-10-01"))
    move(engine, supervisor, case_id, "reopen", "2026-10-02")
    agree(engine, worker, case_id, "2026-10-12", terms="李四分两期支付 600 元", amount="600",
          performance_deadline="2026-11-30")
    text = text_of(printed(engine, supervisor, case_id))
    assert "李四分两期支付 600 元" in text and "李四承担维修费 800 元" not in text


def test_a_worker_prints_the_phones_of_their_grids_residents_only_and_each_print_shows_in_their_history(
        engine, printed_case):
    """The phone rule: a resident's number is the grid's worker's and the supervisor's to see."""
    world, case_id = printed_case
    with write_session(engine) as session:  # the resident moves to a grid the worker does not see
        resident = session.scalar(select(Resident).where(Resident.name == "王秀英"))
        resident.grid_id = world.grid_ids[1]
    text = text_of(printed(engine, world.actors["worker"], case_id))  # the worker mediates the case
    assert "13812345678" not in text and "13900001111" in text  # the guardian's, typed by the worker
    text = text_of(printed(engine, world.actors["supervisor"], case_id))
    assert "13812345678" in text
    with read_session(engine) as session:
        reveals = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "reveal",
                                                                AuditEvent.object_id == str(resident.id))).all()
    assert [json.loads(after)["field"] for after in reveals] == ["agreement_print"]
