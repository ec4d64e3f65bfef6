"""A worker's one-page record of a year (社区工作者年度考核登记表), as a .docx an office files.

It holds the year's work as 绩效概览 counts it (core.assessment.overview), the parts of the
annual assessment with their weights and scores, the total and grade once signed off (blank
lines to fill in by hand before), the self-summary, and an objection with its answer. Chinese
whatever the user's language, A4, 宋体/仿宋 like the mediation documents.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.assessment import cycle, overview
from core.base.permissions import Actor
from core.mediation.agreement_doc import (
    BLANK,
    chinese_date,
    heading,
    new_document,
    paragraph,
    title,
    to_bytes,
)
from core.mediation.case_file import form_table
from db.models import User

GRADE_WORDS = {"excellent": "优秀", "competent": "称职", "basic": "基本称职", "incompetent": "不称职"}
PACE_WORDS = {"met": "已完成", "on_track": "进度正常", "behind": "落后"}


def _shown(value: object, suffix: str = "") -> str:
    return BLANK if value is None else f"{value}{suffix}"


def record_docx(session: Session, actor: Actor, user_id: int, year: int, *, today: date | None = None) -> bytes:
    """The record of `user_id` for `year`: the worker's own, or any worker's for the supervisor
    (cycle.result decides who may, and what a worker sees before sign-off)."""
    found = cycle.result(session, actor, user_id, year)
    scheme = cycle.scheme_of(session, actor.community_id)
    person = session.get(User, user_id)
    whole_year = overview.period_of(date(year, 1, 1), date(year, 12, 1))
    rows = overview.overview(session, actor, whole_year, today=today).workers
    work = next((row.figures for row in rows if row.user_id == user_id), {})
    document = new_document()
    title(document, f"{year}年度社区工作者考核登记表")
    form_table(document, [("姓名", person.display_name if person else BLANK), ("考核年度", f"{year}年")])
    heading(document, "一、年度工作情况")
    form_table(document, [
        ("受理纠纷 / 调解成功 / 超期", f"{work.get('cases_received', 0)} / {work.get('cases_settled', 0)} / "
                                   f"{work.get('cases_overdue', 0)} 件"),
        ("应走访 / 按时走访", f"{work.get('visits_due', 0)} / {work.get('visits_on_time', 0)} 次"),
        ("组织活动 / 服务居民", f"{work.get('activities_organised', 0)} 场 / {work.get('residents_served', 0)} 人"),
        ("培训学时 / 进度", f"{work.get('training_hours', 0)} 学时 / {PACE_WORDS.get(work.get('training_pace'), '—')}"),
        ("居民评价（非本人录入）", f"{work.get('rating_count', 0)} 条，平均 {_shown(work.get('rating_mean'))}")])
    heading(document, "二、考核得分")
    form_table(document, [
        (f"街道评分（{scheme.weight_street}%）", _shown(found.street_score)),
        (f"同事互评（{scheme.weight_peer}%，{found.peers} 人）", _shown(found.peer_mean)),
        (f"群众测评（{scheme.weight_residents}%，{found.forms} 份）", _shown(found.residents_score)),
        ("总分", _shown(found.total) if found.signed_off else BLANK),
        ("考核等次", GRADE_WORDS.get(found.grade, BLANK) if found.signed_off else BLANK)])
    heading(document, "三、个人述职")
    paragraph(document, found.summary or BLANK, size=12, indent=True)
    if found.objection:
        heading(document, "四、复核")
        form_table(document, [("复核申请", found.objection), ("答复", found.answer or BLANK)])
    paragraph(document, "")
    paragraph(document, f"本人签字：{BLANK}　　考核人签字：{BLANK}　　{chinese_date(None)}", size=12)
    return to_bytes(document)
