"""The public rating page (居民评价), opened from a QR code without logging in.

It shows the grid and the kind of service, a 1–5 star score and an optional comment; nothing
about any resident, and no link into Linli. Always in Chinese: residents scan it on their phones.
A 群众测评 code opens a worker's evaluation form instead (ui.assessment.evaluation).
"""

import streamlit as st

from core.base.errors import Invalid, InvalidMany, LinliError
from core.base.i18n import translate
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from ui.assessment import evaluation
from ui.markdown import plain
from ui.session import db, settings


def t(key: str, **params: object) -> str:
    return translate("zh-CN", key, **params)


st.title(t("rate.title"))
token = st.query_params.get("t", "")
if not token:
    st.info(t("rate.no_code"))
    st.stop()
if st.session_state.get("rate_done") == token:
    st.success(t("rate.thanks"))
    st.stop()

engine, secret = db(), settings().cookie_key
try:
    with read_session(engine) as session:
        survey = satisfaction.verify_token(session, secret, token)
except Invalid as exc:
    st.error(t(exc.key, **exc.params))
    st.stop()

if survey.kind == "evaluation":  # a worker's 群众测评: a form, not a star rating
    evaluation.form(t, engine, secret, token, survey)
    st.stop()
st.caption(t("rate.about", grid=plain(survey.grid_name), category=t(f"satisfaction.category.{survey.category}")))
if survey.activity:
    st.subheader(plain(survey.activity))
with st.form("public_rating"):
    st.write(t("rate.question"))
    score = st.feedback("stars", key="rate_score")
    score_error = st.empty()
    comment = st.text_area(t("rate.comment"), max_chars=satisfaction.COMMENT_MAX, placeholder=t("rate.comment_hint"))
    comment_error = st.empty()
    if st.form_submit_button(t("rate.submit"), type="primary", width="stretch"):
        try:
            with write_session(engine) as session:
                satisfaction.submit_public_rating(session, secret, token, score=None if score is None else score + 1,
                                                  comment=comment)
        except (Invalid, InvalidMany) as exc:
            for each in exc.errors if isinstance(exc, InvalidMany) else [exc]:
                slot = {"score": score_error, "comment": comment_error}.get(each.field, st)
                key = "rate.need_score" if (each.field, each.key) == ("score", "error.required") else each.key
                slot.error(t(key, **each.params))
        except LinliError as exc:
            st.error(t(exc.key, **exc.params))
        else:
            st.session_state["rate_done"] = token
            st.rerun()
st.caption(t("rate.privacy"))
