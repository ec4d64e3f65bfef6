"""重点关注 (watch list): the high-risk cases not yet closed, with why and to whom they were reported
(人民调解法 art. 25); a row opens its case."""

import pandas as pd
import streamlit as st

from core.mediation import early_warning
from db.engine import read_session
from ui.i18n import t
from ui.markdown import plain
from ui.session import actor, db
from ui.todo import CASES_PAGE

me = actor()
st.title(t("watch.title"))
st.caption(t("watch.explain"))
with read_session(db()) as session:
    cases = early_warning.watch_list(session, me)
if not cases:
    st.success(t("watch.none"))
    st.stop()
selection = st.dataframe(pd.DataFrame([{
    t("field.number"): row["number"], t("field.type"): row["type"], t("field.state"): t(f"case_state.{row['state']}"),
    t("field.risk_reason"): row["risk_reason"], t("field.risk_reported_to"): row["risk_reported_to"],
    t("field.risk_reported_on"): row["risk_reported_on"]} for row in cases]),
    hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="watch_table")
picked = selection.selection.rows if selection else []
if picked and picked[0] < len(cases):
    st.session_state["cases_open"] = cases[picked[0]]["number"]
    del st.session_state["watch_table"]
    st.switch_page(CASES_PAGE)
st.caption(t("watch.count", count=len(cases), first=plain(cases[0]["number"])))
