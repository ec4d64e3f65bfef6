"""The 人民调解协议书 of a written agreement, as a .docx (python-docx)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

SIDE_LABELS = {"applicant": "申请人", "respondent": "被申请人", "other": "其他当事人"}


def agreement_docx(case: dict[str, Any], committee: str) -> bytes:
    """`case` as core.mediation.service.case_detail returns it; the case must have an agreement."""
    agreement = case["agreement"]
    if agreement is None:
        raise ValueError("the case has no agreement")
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("人民调解协议书")
    run.bold, run.font.size = True, Pt(18)
    number = document.add_paragraph(f"编号：{case['number']}")
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_heading("当事人", level=2)
    for party in case["parties"]:
        document.add_paragraph(f"{SIDE_LABELS.get(party['side'], party['side'])}：{party['name']}")
    document.add_heading("纠纷主要事实、争议事项", level=2)
    document.add_paragraph(case["facts"])
    document.add_heading("经调解，自愿达成如下协议", level=2)
    document.add_paragraph(agreement["terms"])
    if agreement["amount"]:
        document.add_paragraph(f"涉及金额：人民币 {agreement['amount']:.2f} 元")
    if agreement["performance_deadline"] or agreement["performance_manner"]:
        document.add_heading("履行方式、时限", level=2)
        deadline = agreement["performance_deadline"]
        document.add_paragraph("；".join(part for part in (
            agreement["performance_manner"], f"于 {deadline:%Y年%m月%d日} 前履行完毕" if deadline else "") if part))
    document.add_paragraph("本协议一式三份，当事人、人民调解委员会各持一份。当事人可以自本协议生效之日起三十日内"
                           "共同向人民法院申请司法确认。")
    document.add_paragraph("")
    for party in case["parties"]:
        document.add_paragraph(f"{SIDE_LABELS.get(party['side'], party['side'])}（签名）：＿＿＿＿＿＿")
    document.add_paragraph(f"人民调解员（签名）：{case['mediator']}")
    document.add_paragraph(f"{committee}（盖章）")
    document.add_paragraph(f"{agreement['agreed_on']:%Y年%m月%d日}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
