"""The 卷宗 (人民调解法 art. 27: 调解登记、调解工作记录、调解协议书等材料立卷归档), opened as Word opens
it and read part by part."""

from __future__ import annotations

import io

import pytest
from docx import Document
from sqlalchemy import select

from core.mediation import case_file
from core.mediation import service as mediations
from db.engine import read_session, write_session
from db.models import AuditEvent
from tests.factories import make_world, vault_for_tests
from tests.unit.mediation.test_law import agree, at, move, new_case, visit

VAULT = vault_for_tests()


@pytest.fixture
def filed(engine):
    """Intake, two sessions, a written agreement not performed, reopened, an oral second round,
    performed, closed."""
    world = make_world(engine)
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    for day, place, said in (("2026-09-02", "和平里社区调解室", "双方陈述漏水经过"),
                             ("2026-09-05", "当事人家中", "现场查看，双方协商维修费")):
        with write_session(engine) as session:
            mediations.log_session(session, worker, case_id, held_on=day, place=place, present="张三、李四、网格员",
                                   summary=said, now=at(day))
    agree(engine, worker, case_id, "2026-09-10")
    visit(engine, worker, case_id, "2026-09-26", performed="no", advised_court=True, note="李四未付款")
    move(engine, supervisor, case_id, "reopen", "2026-09-28")
    agree(engine, worker, case_id, "2026-10-05", written=False, declined_written=True, amount="600",
          terms="李四当面支付 600 元", responsibilities="", performance_manner="", performance_place="",
          performance_deadline=None)
    visit(engine, worker, case_id, "2026-10-20", performed="yes")
    move(engine, worker, case_id, "close", "2026-10-21")
    return world, case_id


def opened(engine, actor, case_id):
    with write_session(engine) as session:
        content = case_file.content(session, actor, VAULT, case_id, now=at("2026-10-22"))
    return Document(io.BytesIO(case_file.case_file_docx(content)))


def everything(document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_file_holds_each_part_in_order(engine, filed):
    world, case_id = filed
    document = opened(engine, world.actors["supervisor"], case_id)
    titles = [p.text for p in document.paragraphs if p.runs and p.runs[0].font.size and p.runs[0].font.size.pt == 22]
    assert titles == ["卷内文书目录", "人民调解受理登记表", "调解笔录", "调解笔录", "人民调解协议书", "口头调解协议登记",
                      "回访记录", "卷宗备考表"]
    text = everything(document)
    assert "人民调解卷宗" in text and "和平里社区人民调解委员会" in text and "调解结果：调解成功" in text
    contents = text[text.index("卷内文书目录"):text.index("8. 卷宗备考表") + len("8. 卷宗备考表")]
    assert "3. 调解笔录（2026年9月5日）" in contents and "4. 人民调解协议书（第 1 次调解，已被取代）" in contents
    assert "5. 口头调解协议登记（第 2 次调解）" in contents and "8. 卷宗备考表" in contents


def test_the_intake_form_sessions_and_visits_read_as_recorded(engine, filed):
    world, case_id = filed
    text = everything(opened(engine, world.actors["supervisor"], case_id))
    assert "纠纷来源\n当事人申请" in text and "纠纷简要情况\n楼上漏水，双方就维修费用争执" in text
    assert "地点\n和平里社区调解室" in text and "地点\n当事人家中" in text
    assert "现场查看，双方协商维修费" in text and text.count("人民调解员（签名）：") >= 3
    assert "协议履行情况\n未履行" in text and "已告知当事人可申请司法确认或向人民法院起诉" in text
    assert "协议履行情况\n已履行" in text and "回访人\nworker one" in text
    assert "（本协议已于 2026年10月5日 被第 2 次调解达成的协议取代）" in text
    assert "说明\n当事人不要求制作书面调解协议" in text and "李四当面支付 600 元" in text
    assert "第 1 次调解协议已被其后的协议取代，原件一并归档" in text


def test_printing_the_file_is_audited_and_a_worker_gets_blank_id_lines(engine, filed):
    world, case_id = filed
    text = everything(opened(engine, world.actors["worker"], case_id))
    assert "身份证号码：＿＿＿＿＿＿" in text
    with read_session(engine) as session:
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "case_file_print"))


def test_a_case_without_agreement_still_has_its_file_and_says_how_it_ended(engine):
    world = make_world(engine)
    case_id = new_case(engine, world)
    move(engine, world.actors["worker"], case_id, "fail", "2026-09-05")
    move(engine, world.actors["worker"], case_id, "close", "2026-09-06")  # closed after failing: still 调解不成
    text = everything(opened(engine, world.actors["worker"], case_id))
    assert "调解结果：调解不成" in text and "本案未记录调解笔录。" in text and "本案尚无回访记录。" in text
    assert "本卷宗共有文书 2 份" in text  # the register and the file notes; "（无）" placeholders are not documents
    with read_session(engine) as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("%_print"))).all()
    assert actions == ["case_file_print"]  # a file, not an agreement, was printed
