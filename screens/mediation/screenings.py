"""Dispute screenings (纠纷排查): a worker logs each 排查 of a grid — the day and how many disputes it
found — and sees the recent ones of their grids. The 司法所 table counts them (人民调解法 art. 25:
mediators act before a dispute escalates)."""

from datetime import date

import pandas as pd
import streamlit as st

from core.mediation import judicial_office
from core.residents import service as residents
from db.engine import read_session
from ui.forms import DATE_FORMAT, FieldErrors, save_then_rerun, show_notice
from ui.i18n import t
from ui.session import actor, db

me = actor()
engine = db()
st.title(t("screenings.title"))
st.caption(t("screenings.explain"))

with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
    recent = judicial_office.recent_screenings(session, me)

show_notice("screenings_notice")
errors = FieldErrors()
with st.form("screening", clear_on_submit=True, enter_to_submit=False):
    left, middle, right = st.columns(3)
    grid_id = left.selectbox(t("field.grid"), list(grids), format_func=grids.get, key="screening_grid")
    errors.slot("grid")
    screened_on = middle.date_input(t("field.screened_on"), format=DATE_FORMAT, value=date.today(),
                                    max_value=date.today(), key="screening_on")
    errors.slot("screened_on")
    disputes = right.number_input(t("field.disputes"), min_value=0, max_value=10_000, value=0, step=1,
                                  key="screening_disputes")
    errors.slot("disputes")
    note = st.text_input(t("field.note"), max_chars=1000, key="screening_note", placeholder=t("screenings.note_hint"))
    if st.form_submit_button(t("screenings.log"), type="primary"):
        save_then_rerun(engine, errors, lambda session: judicial_office.log_screening(
            session, me, judicial_office.ScreeningInput(grid_id, screened_on, disputes, note)),
            "screenings_notice", t("screenings.logged"))

st.subheader(t("screenings.recent"))
if recent:
    st.dataframe(pd.DataFrame([{t("field.screened_on"): row["screened_on"], t("field.grid"): row["grid"],
                                t("field.disputes"): row["disputes"], t("field.note"): row["note"]} for row in recent]),
                 hide_index=True, width="stretch")
else:
    st.caption(t("screenings.none"))
