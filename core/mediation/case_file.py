"""The case file (卷宗) of a mediation case, as one .docx the 调委会 files (人民调解法 art. 27:
人民调解员应当记录调解情况。人民调解委员会应当建立调解工作档案，将调解登记、调解工作记录、调解协议书
等材料立卷归档).

Its parts, in the order they are filed, each on its own pages after a cover and a contents list
(a static list: python-docx cannot fill in a Word table of contents):

1. 人民调解受理登记表 — intake: number, date, source, type, the parties, the facts, the mediator;
2. 调解笔录 — one per session: date, place, who took part, what was said, signature lines;
3. 人民调解协议书 for each written agreement, or the 口头调解协议登记 of an oral one; an agreement a
   later round superseded stays in the file, marked so;
4. 回访记录 — one per follow-up visit: date, who visited, performance, satisfaction, what was found;
5. 卷宗备考表 — what the file holds and the lines for who filed and checked it.

It is Chinese whatever the user's language, laid out as the 协议书 is (core.mediation.agreement_doc).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.base import clock
from core.base.crypto import Vault
from core.base.permissions import Actor, require
from core.mediation import agreements, service
from core.mediation.agreement_doc import (
    BLANK,
    agent_line,
    chinese_date,
    heading,
    new_document,
    or_blank,
    paragraph,
    party_line,
    party_signatures,
    set_fonts,
    title,
    to_bytes,
    write_agreement,
)
from db.models import Agreement, CaseSession, FollowUp, User

SOURCE_WORDS = {"application": "当事人申请", "initiative": "人民调解委员会主动调解", "police": "公安机关移送",
                "court": "人民法院委托", "government": "政府部门交办", "other": "其他"}
PERFORMED_WORDS = {"yes": "已履行", "partly": "部分履行", "no": "未履行"}
PARTS = ("人民调解受理登记表", "调解笔录", "人民调解协议书（口头协议登记）", "回访记录", "卷宗备考表")


def content(session: Session, actor: Actor, vault: Vault, case_id: int, *, now: datetime | None = None
            ) -> dict[str, Any]:
    """Everything the 卷宗 prints: the case and its parties as the 协议书 prints them (the same rules
    on ID numbers and phones, audited the same way), its sessions, every agreement, its visits."""
    require(actor, "mediation.view")
    now = now or clock.now()
    case = agreements.document(session, actor, vault, case_id, now=now, require_written=False,
                               printed="case_file_print")  # audited there, on the case and each resident shown
    names = dict(session.execute(select(User.id, User.display_name)).all())
    sessions = [{"held_on": s.held_on, "place": s.place, "present": s.present, "summary": s.summary,
                 "recorded_by": names.get(s.recorded_by, "")}
                for s in session.scalars(select(CaseSession).where(CaseSession.case_id == case_id)
                                         .order_by(CaseSession.held_on, CaseSession.id))]
    rounds = [service._agreement_view(a) for a in session.scalars(
        select(Agreement).where(Agreement.case_id == case_id).order_by(Agreement.round))]
    visits = [{"visited_on": v.visited_on, "performed": v.performed, "satisfaction": v.satisfaction, "note": v.note,
               "advised_court": v.advised_court, "recorded_by": names.get(v.recorded_by, "")}
              for v in session.scalars(select(FollowUp).where(FollowUp.case_id == case_id)
                                       .order_by(FollowUp.visited_on, FollowUp.id))]
    return {**case, "sessions": sessions, "agreements": rounds, "visits": visits, "printed_on": now.date()}


def form_table(document: Any, rows: list[tuple[str, str]]) -> None:
    """A two-column form: what is asked, what was recorded (a blank line where nothing was)."""
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        left, right = table.add_row().cells
        for cell, text, bold in ((left, label, True), (right, value, False)):
            cell.paragraphs[0].text = ""
            set_fonts(cell.paragraphs[0].add_run(text), "仿宋", 12, bold=bold)


def _new_page(document: Any) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _cover(document: Any, case: dict[str, Any]) -> None:
    for _ in range(4):
        paragraph(document)
    paragraph(document, case["committee"], size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(document, "人民调解卷宗", font="宋体", size=26, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(document)
    applicants = "、".join(p["name"] for p in case["parties"] if p["side"] == "applicant")
    respondents = "、".join(p["name"] for p in case["parties"] if p["side"] == "respondent")
    current = case["agreement"]
    endings = [item["to"] for item in case["timeline"] if item["kind"] == "state"
               and item["to"] in ("failed", "withdrawn", "referred", "in_mediation")]  # newest first
    outcome = ("调解成功" if case["agreement_in_force"] else
               {"failed": "调解不成", "withdrawn": "撤回", "referred": "转介"}.get(endings[0] if endings else "", "调解中"))
    for label, value in (("案件编号", case["number"]), ("纠纷类型", case["type"]), ("申请人", applicants),
                         ("被申请人", respondents), ("受理日期", chinese_date(case["intake_date"])),
                         ("结案日期", chinese_date(case.get("closed_on"))), ("调解结果", outcome),
                         ("人民调解员", case["mediator"]),
                         ("协议形式", ("书面协议" if current["written"] else "口头协议") if current else BLANK)):
        paragraph(document, f"{label}：{or_blank(value)}", size=15, align=WD_ALIGN_PARAGRAPH.CENTER)


def _contents(document: Any, case: dict[str, Any]) -> None:
    title(document, "卷内文书目录")
    entries = ["人民调解受理登记表"]
    entries += [f"调解笔录（{chinese_date(s['held_on'])}）" for s in case["sessions"]] or ["调解笔录（无）"]
    for agreement in case["agreements"]:
        kind = "人民调解协议书" if agreement["written"] else "口头调解协议登记"
        entries.append(f"{kind}（第 {agreement['round']} 次调解{'，已被取代' if not agreement['current'] else ''}）")
    entries += [f"回访记录（{chinese_date(v['visited_on'])}）" for v in case["visits"]] or ["回访记录（无）"]
    entries.append("卷宗备考表")
    for index, entry in enumerate(entries, start=1):
        paragraph(document, f"{index}. {entry}")


def _intake(document: Any, case: dict[str, Any]) -> None:
    title(document, "人民调解受理登记表", case["number"])
    rows = [("受理日期", chinese_date(case["intake_date"])), ("纠纷来源", SOURCE_WORDS.get(case["source"], case["source"])),
            ("纠纷类型", case["type"]), ("所属网格", case["grid"])]
    for party in case["parties"]:
        rows.append(("当事人", party_line(party)))
        agent = agent_line(party)
        if agent:
            rows.append(("代理人/监护人", agent))
    rows += [("纠纷简要情况", case["facts"]), ("受理人（人民调解员）", case["mediator"])]
    form_table(document, rows)
    paragraph(document)
    paragraph(document, f"登记人（签名）：{BLANK}{BLANK}")


def _sessions(document: Any, case: dict[str, Any]) -> None:
    if not case["sessions"]:
        title(document, "调解笔录", case["number"])
        paragraph(document, "本案未记录调解笔录。")
        return
    for index, record in enumerate(case["sessions"]):
        if index:
            _new_page(document)
        title(document, "调解笔录", case["number"])
        form_table(document, [("时间", chinese_date(record["held_on"])), ("地点", or_blank(record["place"])),
                          ("参加人", or_blank(record["present"])), ("记录人", or_blank(record["recorded_by"]))])
        heading(document, "调解情况")
        paragraph(document, record["summary"], indent=True)
        paragraph(document)
        party_signatures(document, case["parties"])
        paragraph(document, f"人民调解员（签名）：{BLANK}{BLANK}")
        paragraph(document, f"记录人（签名）：{BLANK}{BLANK}")


def _oral(document: Any, case: dict[str, Any], agreement: dict[str, Any]) -> None:
    """人民调解法 art. 28: an oral agreement is recorded by the mediator (口头调解协议登记)."""
    title(document, "口头调解协议登记", case["number"])
    form_table(document, [("达成日期", chinese_date(agreement["agreed_on"])),
                      ("当事人", "；".join(p["name"] for p in case["parties"])),
                      ("协议内容", agreement["terms"]),
                      ("涉及金额", f"人民币 {agreement['amount']:,.2f} 元" if agreement["amount"] else "无"),
                      ("说明", "当事人不要求制作书面调解协议" if agreement["declined_written"] else "口头达成")])
    paragraph(document)
    paragraph(document, f"人民调解员（签名）：{BLANK}{BLANK}")


def _visits(document: Any, case: dict[str, Any]) -> None:
    title(document, "回访记录", case["number"])
    if not case["visits"]:
        paragraph(document, "本案尚无回访记录。")
    for visit in case["visits"]:
        form_table(document, [("回访日期", chinese_date(visit["visited_on"])), ("回访人", or_blank(visit["recorded_by"])),
                          ("协议履行情况", PERFORMED_WORDS.get(visit["performed"], visit["performed"])),
                          ("当事人满意度", f"{visit['satisfaction']} 分（满分 5 分）"),
                          ("回访情况", or_blank(visit["note"])),
                          ("告知事项", "已告知当事人可申请司法确认或向人民法院起诉" if visit["advised_court"] else "—")])
        paragraph(document, f"回访人（签名）：{BLANK}{BLANK}")
        paragraph(document)


def _notes(document: Any, case: dict[str, Any]) -> None:
    title(document, "卷宗备考表", case["number"])
    documents = 1 + len(case["sessions"]) + len(case["agreements"]) + len(case["visits"]) + 1
    paragraph(document, f"本卷宗共有文书 {documents} 份（见卷内文书目录），由邻里系统于 "
                        f"{chinese_date(case['printed_on'])} 生成，经立卷人核对后签名归档。", indent=True)
    superseded = [a for a in case["agreements"] if not a["current"]]
    if superseded:
        paragraph(document, "本案经重新调解，" + "、".join(f"第 {a['round']} 次调解协议" for a in superseded)
                  + "已被其后的协议取代，原件一并归档。", indent=True)
    paragraph(document)
    paragraph(document, f"立卷人（签名）：{BLANK}{BLANK}")
    paragraph(document, f"检查人（签名）：{BLANK}{BLANK}")
    paragraph(document, f"立卷日期：{chinese_date(None)}")


def case_file_docx(case: dict[str, Any]) -> bytes:
    """`case` as content() returns it."""
    document = new_document()
    _cover(document, case)
    for part in (_contents, _intake, _sessions):
        _new_page(document)
        part(document, case)
    for agreement in case["agreements"]:
        _new_page(document)
        if agreement["written"]:
            write_agreement(document, case, agreement)
        else:
            _oral(document, case, agreement)
        if not agreement["current"]:
            paragraph(document, f"（本协议已于 {chinese_date(agreement['superseded_at'].date())} 被第 "
                                f"{agreement['round'] + 1} 次调解达成的协议取代）", bold=True)
    for part in (_visits, _notes):
        _new_page(document)
        part(document, case)
    return to_bytes(document)
