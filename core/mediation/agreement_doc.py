"""The 人民调解协议书 of a written agreement, as a .docx a 调委会 prints and signs as it is.

What it holds follows 人民调解法 art. 29 (the parties' basic information, the main facts, the
matters in dispute and each side's responsibility, the terms, the manner, place and time limit
of performance; effective once signed by the parties and the mediator and sealed by the
committee) and 人民调解工作若干规定 art. 35. How it looks follows how offices file documents:
A4, 宋体 for headings and 仿宋 for the text as the East-Asian font, black headings (not Word's
blue heading styles), page numbers. It is Chinese whatever the user's language.

Every detail the office does not know prints as a blank line to be filled in by hand, never as
a guess; nothing is pre-typed on a signature line.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

SIDE_LABELS = {"applicant": "申请人", "respondent": "被申请人", "other": "其他当事人"}
SEX_LABELS = {"M": "男", "F": "女"}
ROLE_LABELS = {"legal": "法定代表人", "principal": "负责人"}
AGENT_LABELS = {"agent": "委托代理人", "guardian": "监护人"}
BLANK = "＿＿＿＿＿＿"
HEADING_FONT, TEXT_FONT = "宋体", "仿宋"
BLACK = RGBColor(0, 0, 0)


def set_fonts(run: Any, east_asian: str, size: float, *, bold: bool = False) -> None:
    """Set a run's fonts: python-docx's font.name sets only the Western ones, so the East-Asian
    font (w:eastAsia) is written into rFonts as well."""
    run.font.name = "Times New Roman"
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = BLACK
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def paragraph(document: Any, text: str = "", *, font: str = TEXT_FONT, size: float = 14, bold: bool = False,
               align: Any = None, indent: bool = False) -> Any:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)  # two characters, as offices indent
    paragraph.paragraph_format.space_after = Pt(4)
    if text:
        set_fonts(paragraph.add_run(text), font, size, bold=bold)
    return paragraph


def heading(document: Any, text: str) -> None:
    paragraph(document, text, font=HEADING_FONT, size=15, bold=True)


def _page_numbers(section: Any) -> None:
    """第 X 页 共 Y 页, centred in the footer, from Word's PAGE and NUMPAGES fields."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("第 ", "PAGE", " 页 共 ", "NUMPAGES", " 页"):
        run = paragraph.add_run()
        set_fonts(run, TEXT_FONT, 10.5)
        if piece in ("PAGE", "NUMPAGES"):
            for kind, text in (("begin", None), (None, f" {piece} "), ("end", None)):
                if kind:
                    char = OxmlElement("w:fldChar")
                    char.set(qn("w:fldCharType"), kind)
                    run._element.append(char)
                else:
                    instruction = OxmlElement("w:instrText")
                    instruction.set(qn("xml:space"), "preserve")
                    instruction.text = text
                    run._element.append(instruction)
        else:
            run.text = piece


def or_blank(value: Any) -> str:
    if value is None or value == "":
        return BLANK
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def party_line(party: dict[str, Any]) -> str:
    """A party's basic information as the 协议书 lists it (法 art. 29 (一))."""
    side = SIDE_LABELS.get(party["side"], party["side"])
    if party["kind"] == "organisation":
        return (f"{side}：{party['name']}，统一社会信用代码：{or_blank(party['org_code'])}，"
                f"{ROLE_LABELS.get(party['representative_role'], '法定代表人')}：{or_blank(party['representative'])}，"
                f"联系电话：{or_blank(party['phone'])}")
    sex = SEX_LABELS.get(party["sex"] or "")
    return (f"{side}：{party['name']}，性别：{or_blank(sex)}，出生日期：{or_blank(party['birth_date'])}，"
            f"民族：{or_blank(party['ethnicity'])}，住址：{or_blank(party['address'])}，"
            f"联系电话：{or_blank(party['phone'])}，身份证号码：{or_blank(party['id_number'])}")


def agent_line(party: dict[str, Any]) -> str | None:
    if not party.get("agent_name"):
        return None
    return (f"{AGENT_LABELS.get(party['agent_kind'], '委托代理人')}：{party['agent_name']}，"
            f"联系电话：{or_blank(party['agent_phone'])}")


def new_document() -> Any:
    """An empty A4 document as offices file them: margins, page numbers in the footer."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, not python-docx's US Letter
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.8)
    _page_numbers(section)
    return document


def title(document: Any, text: str, number: str | None = None) -> None:
    paragraph(document, text, font=HEADING_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    if number:
        paragraph(document, f"编号：{number}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)


def write_agreement(document: Any, case: dict[str, Any], agreement: dict[str, Any]) -> None:
    """The 协议书 of one written agreement, appended to `document`."""
    title(document, "人民调解协议书", case["number"])
    heading(document, "当事人基本情况")
    for party in case["parties"]:
        paragraph(document, party_line(party))
        agent = agent_line(party)
        if agent:
            paragraph(document, agent)

    heading(document, "纠纷的主要事实、争议事项及各方责任")
    paragraph(document, case["facts"], indent=True)
    paragraph(document, agreement["responsibilities"] or BLANK, indent=True)

    heading(document, "经人民调解委员会调解，当事人自愿达成如下协议")
    paragraph(document, agreement["terms"], indent=True)
    if agreement["amount"]:
        paragraph(document, f"协议涉及金额：人民币 {agreement['amount']:,.2f} 元。", indent=True)

    heading(document, "履行方式、地点、期限")
    paragraph(document, f"履行方式：{or_blank(agreement['performance_manner'])}")
    paragraph(document, f"履行地点：{or_blank(agreement['performance_place'])}")
    paragraph(document, f"履行期限：{or_blank(agreement['performance_deadline'])}前履行完毕")

    copies = len(case["parties"]) + 1
    paragraph(document, f"本协议一式{copies}份，当事人各执一份，人民调解委员会留存一份。", indent=True)
    paragraph(document, "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
               "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。", indent=True)
    paragraph(document)
    party_signatures(document, case["parties"])
    paragraph(document, f"人民调解员（签名）：{BLANK}{BLANK}")
    paragraph(document)
    paragraph(document, f"{case['committee']}（印）", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(document, chinese_date(agreement["agreed_on"]), align=WD_ALIGN_PARAGRAPH.RIGHT)


def party_signatures(document: Any, parties: list[dict[str, Any]]) -> None:
    for party in parties:
        side = SIDE_LABELS.get(party["side"], party["side"])
        paragraph(document, f"{side}（签名、盖章或按指印）：{BLANK}{BLANK}")
        if party.get("agent_name"):
            paragraph(document, f"{AGENT_LABELS.get(party['agent_kind'], '委托代理人')}（签名）：{BLANK}{BLANK}")


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else f"{BLANK}年{BLANK}月{BLANK}日"


def to_bytes(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def agreement_docx(case: dict[str, Any]) -> bytes:
    """`case` as core.mediation.agreements.document returns it (a written current agreement)."""
    agreement = case["agreement"]
    if agreement is None or not agreement["written"]:
        raise ValueError("the case has no written agreement")
    document = new_document()
    write_agreement(document, case, agreement)
    return to_bytes(document)
