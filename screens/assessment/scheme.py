"""考核方案 (admin): the weights of the annual assessment's parts, the residents' evaluation rule,
the peer-review criteria and the grade bands (core.assessment.cycle)."""

import streamlit as st

from core.assessment import cycle
from db.engine import read_session
from ui.forms import FieldErrors, save_then_rerun, show_notice
from ui.i18n import translator
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("scheme.title"))
st.caption(t("scheme.caption"))
show_notice("scheme_notice")
with read_session(engine) as session:
    now = cycle.scheme_of(session, me.community_id)

errors = FieldErrors()
with st.form("assessment_scheme"):
    street, peer, residents = st.columns(3)
    weights = [column.number_input(t(f"field.{name}"), min_value=0, max_value=100, step=5, value=getattr(now, name),
                                   key=f"scheme_{name}")
               for column, name in zip((street, peer, residents), ("weight_street", "weight_peer", "weight_residents"),
                                       strict=True)]
    errors.slot("weight_street")
    participants, ordinary = st.columns(2)
    minimum = participants.number_input(t("field.min_participants"), min_value=1, max_value=10_000,
                                        value=now.min_participants, key="scheme_min_participants")
    share = ordinary.number_input(t("field.min_ordinary_percent"), min_value=0, max_value=100,
                                  value=now.min_ordinary_percent, key="scheme_min_ordinary")
    criteria = st.text_input(t("field.criteria"), value="，".join(now.criteria), key="scheme_criteria",
                             help=t("scheme.criteria_help"))
    errors.slot("criteria")
    excellent, competent, basic, cap = st.columns(4)
    bands = [column.number_input(t(f"field.{name}"), min_value=0.0, max_value=100.0, step=1.0,
                                 value=float(getattr(now, name)), key=f"scheme_{name}")
             for column, name in zip((excellent, competent, basic), ("band_excellent", "band_competent", "band_basic"),
                                     strict=True)]
    errors.slot("band_excellent")
    limit = cap.number_input(t("field.excellent_cap_percent"), min_value=0, max_value=100,
                             value=now.excellent_cap_percent, key="scheme_cap", placeholder=t("scheme.no_cap"))
    if st.form_submit_button(t("common.save"), type="primary"):
        data = cycle.Scheme(*weights, int(minimum), int(share),
                            tuple(criteria.replace("，", ",").replace("、", ",").split(",")), *bands,
                            None if limit is None else int(limit), now.version)
        save_then_rerun(engine, errors, lambda session: cycle.save_scheme(session, me, data), "scheme_notice",
                        t("scheme.saved"))
