"""A worker's evaluation form (群众测评) on the public page: 满意 / 基本满意 / 不满意 and whether
the resident is an ordinary resident; nothing that names them (core.assessment.cycle)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy import Engine

from core.assessment import cycle
from core.base.errors import Invalid, InvalidMany
from core.satisfaction.service import PublicSurvey
from db.engine import write_session
from ui.markdown import plain


def form(t: Callable[..., str], engine: Engine, secret: str, token: str, survey: PublicSurvey) -> None:
    st.subheader(t("rate.evaluation.about", worker=plain(survey.worker), year=survey.year))
    with st.form("public_evaluation"):
        verdict = st.radio(t("rate.evaluation.question"), cycle.VERDICTS, format_func=lambda v: t(f"verdict.{v}"),
                           index=None, key="evaluation_verdict")
        verdict_error = st.empty()
        ordinary = st.radio(t("rate.evaluation.who"), (True, False), horizontal=True, key="evaluation_ordinary",
                            format_func=lambda yes: t("rate.evaluation.ordinary" if yes else "rate.evaluation.representative"))
        if st.form_submit_button(t("rate.submit"), type="primary", width="stretch"):
            try:
                with write_session(engine) as session:
                    cycle.submit_evaluation(session, secret, token, verdict=verdict or "", ordinary=ordinary)
            except (Invalid, InvalidMany) as exc:
                for each in exc.errors if isinstance(exc, InvalidMany) else [exc]:
                    slot = verdict_error if each.field == "verdict" else st
                    slot.error(t("rate.evaluation.need_verdict" if each.field == "verdict" else each.key, **each.params))
            else:
                st.session_state["rate_done"] = token
                st.rerun()
    st.caption(t("rate.privacy"))
