"""绩效概览 (workers: their own row; supervisors: every worker and grid of the community): a period's
cases, visits, activities, training and satisfaction per worker, each column with its definition,
the change against the period before, and the sheet to file upward."""

import altair as alt
import pandas as pd
import streamlit as st

from core.assessment import cycle, overview
from core.base.errors import LinliError
from core.base.permissions import can
from db.engine import read_session
from ui.assessment import table
from ui.i18n import translator
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("assessment.title"))
st.caption(t("assessment.caption_all" if can(me, "assessment.view_all") else "assessment.caption_own"))

community = None
if me.community_id is None:  # the 街道: one community at a time
    with read_session(engine) as session:
        choices = overview.communities(session, me)
    community = st.selectbox(t("field.community"), list(choices), format_func=choices.get, key="assessment_community")
first, last = table.period_picker(t)
try:
    period = overview.period_of(first, last)
except LinliError as exc:
    st.error(t(exc.key, **exc.params))
    st.stop()
found = table.overview_at(engine, me, period, community)
st.caption(t("assessment.as_of", first=period.first, last=period.last, as_of=found.as_of))

if not found.workers:
    st.info(t("assessment.no_rows"))
    st.stop()
st.subheader(t("assessment.workers"))
st.dataframe(table.frame(t, found.workers), hide_index=True, width="stretch",
             column_config=table.column_help(t))
if len(found.workers) > 1:
    shares = pd.DataFrame([{"worker": row.label, "share": row.figures["visits_on_time_share"]}
                           for row in found.workers if row.figures["visits_on_time_share"] is not None])
    if not shares.empty:
        st.altair_chart(alt.Chart(shares).mark_bar().encode(
            x=alt.X("share:Q", title=t("assessment.col.visits_on_time_share"), axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("worker:N", title=None, sort="-x")), width="stretch")
if found.grids:
    st.subheader(t("assessment.grids"))
    st.caption(t("assessment.grids_hint", minimum=overview.MIN_GRID_WORKERS))
    st.dataframe(table.frame(t, found.grids, grids=True), hide_index=True, width="stretch",
                 column_config=table.column_help(t))
year = table.whole_year(period)
scores = None
if year is not None:  # a calendar year: the annual scores follow the figures
    with read_session(engine) as session:
        scores = cycle.signed_results(session, me, year, community)
data = table.sheet(t, found, scores)
st.session_state["assessment_sheet"] = data  # what the button hands out (the tests read it here)
st.download_button(t("assessment.download"), data, file_name=f"assessment-{period.first:%Y%m}-{period.last:%Y%m}.xlsx",
                   mime=table.XLSX_MIME, on_click="ignore", key="assessment_download", icon=":material/download:")
