"""The 年度考核 screen's parts: a worker's own record and peer scoring, the supervisor's desk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.assessment import cycle, record_doc
from core.base.permissions import Actor
from db.engine import read_session
from ui import qr
from ui.forms import FieldErrors, save_then_rerun
from ui.markdown import plain
from ui.session import settings

Translate = Callable[..., str]
NOTICE = "annual_notice"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _saved_or_locked(t: Translate, done: str) -> Callable[[object], str]:
    """A write returns None when the result was signed off: say so (the attempt is audited)."""
    return lambda found: t(done) if found is not None else t("annual.locked")


def own_record(t: Translate, me: Actor, engine: Engine, year: int) -> None:
    with read_session(engine) as session:
        found = cycle.result(session, me, me.id, year)
    if found.signed_off:
        st.success(t("annual.signed", total=found.total, grade=t(f"grade.{found.grade}")))
        parts = pd.DataFrame([
            {t("annual.part"): t("field.street_score"), t("annual.points"): found.street_score},
            {t("annual.part"): t("field.peer_review"), t("annual.points"): found.peer_mean},
            {t("annual.part"): t("field.residents"), t("annual.points"): found.residents_score}]).astype(str)
        st.dataframe(parts, hide_index=True)
        st.caption(t("annual.forms", forms=found.forms, ordinary=found.ordinary_percent, peers=found.peers))
        objection_box(t, me, engine, year, found)
    else:
        st.info(t("annual.not_signed", peers=found.peers))
    record_download(t, me, engine, me.id, year)
    errors = FieldErrors()
    with st.form("annual_summary"):
        text = st.text_area(t("field.self_summary"), value=found.summary, max_chars=cycle.SUMMARY_MAX, height=200,
                            disabled=found.signed_off, key=f"annual_summary_{year}")
        errors.slot("self_summary")
        if st.form_submit_button(t("annual.save_summary"), type="primary", disabled=found.signed_off):
            save_then_rerun(engine, errors, lambda session: cycle.write_summary(session, me, year, text), NOTICE,
                            _saved_or_locked(t, "annual.summary_saved"))


def record_download(t: Translate, me: Actor, engine: Engine, user_id: int, year: int) -> None:
    """The worker's one-page record of the year (.docx), made when asked for (it counts the year)."""
    if st.button(t("annual.record_prepare"), key=f"record_{user_id}_{year}", icon=":material/description:"):
        with read_session(engine) as session:
            data = record_doc.record_docx(session, me, user_id, year)
        st.download_button(t("annual.record_download"), data, file_name=f"assessment-{year}-{user_id}.docx",
                           mime=DOCX_MIME, on_click="ignore", key=f"record_download_{user_id}_{year}")


def objection_box(t: Translate, me: Actor, engine: Engine, year: int, found: cycle.Result) -> None:
    if found.objection:
        st.markdown(f"**{t('field.objection')}**：{plain(found.objection)}")
        st.markdown(f"**{t('field.answer')}**：{plain(found.answer) or t('annual.waiting_answer')}")
        return
    errors = FieldErrors()
    with st.form("annual_objection"):
        text = st.text_area(t("field.objection"), max_chars=cycle.OBJECTION_MAX, key=f"annual_objection_{year}")
        errors.slot("objection")
        if st.form_submit_button(t("annual.file_objection")):
            save_then_rerun(engine, errors, lambda session: cycle.file_objection(session, me, year, text), NOTICE,
                            t("annual.objection_filed"))


def peer_forms(t: Translate, me: Actor, engine: Engine, year: int, scheme: cycle.Scheme) -> None:
    """One form per colleague: a score on each criterion; nobody sees what another gave."""
    with read_session(engine) as session:
        people = cycle.colleagues(session, me)
        done = cycle.scored_by_me(session, me, year)
    st.caption(t("annual.peer_hint", criteria="、".join(scheme.criteria)))
    for user_id, name in people.items():
        with st.expander(f"{plain(name)}{' · ' + t('annual.scored') if user_id in done else ''}"):
            errors = FieldErrors()
            with st.form(f"peer_{year}_{user_id}"):
                columns = st.columns(len(scheme.criteria))
                given = {}
                for column, criterion in zip(columns, scheme.criteria, strict=True):
                    given[criterion] = column.text_input(criterion, key=f"peer_{year}_{user_id}_{criterion}",
                                                         placeholder="0–100")
                    with column:
                        errors.slot(f"criterion.{criterion}")
                errors.slot("worker")
                if st.form_submit_button(t("annual.save_peer"), type="primary"):
                    save_then_rerun(engine, errors, lambda session, uid=user_id, g=given: cycle.score_colleague(
                        session, me, uid, year, g), NOTICE, _saved_or_locked(t, "annual.peer_saved"))


def supervisor_view(t: Translate, me: Actor, engine: Engine, year: int, scheme: cycle.Scheme) -> None:
    with read_session(engine) as session:
        people = cycle.workers_of(session, me, year)
    if not people:
        st.info(t("annual.no_workers"))
        return
    st.dataframe(pd.DataFrame([{t("assessment.worker"): p["name"], t("field.self_summary"): "✓" if p["summary"] else "",
                                t("annual.signed_off"): "✓" if p["signed_off"] else "",
                                t("field.objection"): t("annual.to_answer") if p["objection"] else ""}
                               for p in people]), hide_index=True, width="stretch")
    names = {p["user_id"]: p["name"] for p in people}
    chosen = st.selectbox(t("assessment.worker"), list(names), format_func=names.get, key="annual_worker")
    with read_session(engine) as session:
        found = cycle.result(session, me, chosen, year)
    with st.expander(t("field.self_summary"), expanded=bool(found.summary)):
        st.markdown(plain(found.summary) or t("annual.no_summary"))
    left, middle, right = st.columns(3)
    left.metric(t("field.street_score"), "—" if found.street_score is None else found.street_score)
    middle.metric(t("field.peer_review"), "—" if found.peer_mean is None else found.peer_mean,
                  help=t("annual.peers", peers=found.peers, minimum=cycle.MIN_PEERS))
    right.metric(t("field.residents"), "—" if found.residents_score is None else found.residents_score,
                 help=t("annual.forms", forms=found.forms, ordinary=found.ordinary_percent, peers=found.peers))
    record_download(t, me, engine, chosen, year)
    if found.signed_off:
        st.success(t("annual.signed", total=found.total, grade=t(f"grade.{found.grade}")))
        answer_box(t, me, engine, chosen, year, found)
        return
    forms_form(t, me, engine, chosen, year, found, scheme)
    street_form(t, me, engine, chosen, year)
    sign_off_form(t, me, engine, chosen, year, found, scheme)


def evaluation_code(t: Translate, me: Actor, engine: Engine, worker_id: int, year: int) -> None:
    """The worker's 群众测评 QR code, for residents to send their forms themselves."""
    def made(session: Session) -> tuple[str, datetime]:
        code = cycle.evaluation_code(session, me, settings().cookie_key, worker_id, year)
        return code.token, code.expires_at

    qr.code_on_request(engine, t("annual.make_code"), f"evaluation_code_{worker_id}_{year}", made,
                       lambda expires: t("annual.code_ready", expires=f"{expires:%Y-%m-%d}"),
                       f"evaluation-{year}-{worker_id}-qr.png")


def forms_form(t: Translate, me: Actor, engine: Engine, worker_id: int, year: int, found: cycle.Result,
               scheme: cycle.Scheme) -> None:
    """Paper forms typed in: so many with one answer from one kind of resident at a time."""
    st.markdown(f"**{t('annual.forms_title')}**")
    evaluation_code(t, me, engine, worker_id, year)
    st.caption(t("annual.forms_rule", participants=scheme.min_participants, ordinary=scheme.min_ordinary_percent,
                 forms=found.forms, share=found.ordinary_percent if found.ordinary_percent is not None else "—"))
    errors = FieldErrors()
    with st.form(f"forms_{worker_id}_{year}"):
        verdict_col, ordinary_col, count_col = st.columns(3)
        verdict = verdict_col.selectbox(t("field.verdict"), cycle.VERDICTS, format_func=lambda v: t(f"verdict.{v}"),
                                        key=f"forms_verdict_{worker_id}")
        ordinary = ordinary_col.checkbox(t("field.ordinary"), value=True, key=f"forms_ordinary_{worker_id}")
        count = count_col.text_input(t("field.form_count"), key=f"forms_count_{worker_id}", placeholder="1–500")
        errors.slot("form_count")
        errors.slot("verdict")
        errors.slot("worker")
        if st.form_submit_button(t("annual.add_forms")):
            save_then_rerun(engine, errors, lambda session: cycle.add_forms(session, me, worker_id, year, verdict,
                                                                            ordinary, count), NOTICE,
                            _saved_or_locked(t, "annual.forms_added"))


def street_form(t: Translate, me: Actor, engine: Engine, worker_id: int, year: int) -> None:
    errors = FieldErrors()
    with st.form(f"street_{worker_id}_{year}"):
        score = st.text_input(t("field.street_score"), key=f"street_score_{worker_id}", placeholder="0–100",
                              help=t("annual.street_hint"))
        errors.slot("street_score")
        note = st.text_input(t("field.street_note"), max_chars=cycle.NOTE_MAX, key=f"street_note_{worker_id}")
        errors.slot("street_note")
        if st.form_submit_button(t("annual.save_street")):
            save_then_rerun(engine, errors, lambda session: cycle.score_street(session, me, worker_id, year, score, note),
                            NOTICE, _saved_or_locked(t, "annual.street_saved"))


def sign_off_form(t: Translate, me: Actor, engine: Engine, worker_id: int, year: int, found: cycle.Result,
                  scheme: cycle.Scheme) -> None:
    if found.missing:
        st.warning(t("annual.missing", parts="、".join(t(f"field.{name}") for name in found.missing)))
        return
    earned = cycle.grade_of(scheme, found.total or 0.0)
    st.info(t("annual.preview", total=found.total, grade=t(f"grade.{earned}")))
    errors = FieldErrors()
    with st.form(f"sign_off_{worker_id}_{year}"):
        allowed = list(cycle.GRADES[cycle.GRADES.index(earned):])
        grade = st.selectbox(t("field.grade"), allowed, format_func=lambda g: t(f"grade.{g}"),
                             key=f"sign_off_grade_{worker_id}")
        errors.slot("grade")
        if st.form_submit_button(t("annual.sign_off"), type="primary"):
            save_then_rerun(engine, errors, lambda session: cycle.sign_off(session, me, worker_id, year, grade=grade),
                            NOTICE, _saved_or_locked(t, "annual.signed_now"))


def answer_box(t: Translate, me: Actor, engine: Engine, worker_id: int, year: int, found: cycle.Result) -> None:
    if not found.objection:
        return
    st.markdown(f"**{t('field.objection')}**：{plain(found.objection)}")
    if found.answer:
        st.markdown(f"**{t('field.answer')}**：{plain(found.answer)}")
        return
    errors = FieldErrors()
    with st.form(f"answer_{worker_id}_{year}"):
        text = st.text_area(t("field.answer"), max_chars=cycle.OBJECTION_MAX, key=f"answer_{worker_id}_{year}_text")
        errors.slot("answer")
        if st.form_submit_button(t("annual.answer"), type="primary"):
            save_then_rerun(engine, errors, lambda session: cycle.answer_objection(session, me, worker_id, year, text),
                            NOTICE, t("annual.answered"))

