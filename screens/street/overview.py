"""街道总览 (街道干部): each community's figures side by side, all combined, a chart to compare
them, and each community's monthly workbook or all of theirs together. No resident, party, case or comment is shown."""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from core.base import audit
from core.mediation.service import add_months
from core.reporting import street
from db.engine import read_session
from ui.i18n import language, translator
from ui.session import actor, database_key, db

t = translator()
me = actor()
engine = db()
lang = language()
today = date.today()
st.title(t("street.title"))
st.caption(t("street.caption", today=today))

@st.cache_data(max_entries=16, ttl=600, show_spinner=False)
def overview_at(database: str, mark: int, role: str, day: date, _engine, _actor) -> list[street.Column]:
    """The figures as of one audit high-water mark (every write Linli makes is audited): a rerun
    with nothing new written reads one row; the day is in the key (overdue, on pace)."""
    with read_session(_engine) as session:
        return street.overview(session, _actor, day)


with read_session(engine) as session:
    mark = audit.high_water(session)
columns = overview_at(database_key(engine), mark, me.role, today, engine, me)
communities = [column for column in columns if column.community_id is not None]
if not communities:
    st.info(t("street.no_communities"))
    st.stop()


def shown(column: street.Column, key: str) -> str:
    if key in ("satisfaction_mean", "satisfaction_csat") and column.satisfaction_hidden:
        return t(f"street.hidden.{column.satisfaction_hidden}")
    value = column.figures[key]
    if value is None:
        return "—"
    if key in street.PERCENT_ROWS:
        return f"{value:.1%}"
    return f"{value:.2f}" if key == "satisfaction_mean" else f"{value:,}"


def row_label(key: str) -> str:
    return t("street.row.tag", group=t(key)) if key.startswith("tag.") else t(f"street.row.{key}")


headers = [column.name or t("street.combined") for column in columns]
table = pd.DataFrame([[row_label(key), *(shown(column, key) for column in columns)] for key in street.ROWS],
                     columns=[t("street.figure"), *headers])
# Every row in view: the figures are read side by side, not scrolled to.
st.dataframe(table, hide_index=True, width="stretch", height=(len(table) + 1) * 35 + 3)
st.caption(t("street.rules"))

st.subheader(t("street.compare"))
chartable = [key for key in street.ROWS if key != "satisfaction_mean"]
chosen = st.selectbox(t("street.figure"), chartable, format_func=row_label, key="street_chart_figure")
points = pd.DataFrame([{"community": column.name, "value": column.figures[chosen]} for column in communities
                       if column.figures[chosen] is not None
                       and not (chosen == "satisfaction_csat" and column.satisfaction_hidden)])
if points.empty:
    st.caption(t("street.nothing_to_compare"))
else:
    axis = alt.Axis(format=".0%") if chosen in street.PERCENT_ROWS else alt.Axis(format=",d")
    st.altair_chart(alt.Chart(points).mark_bar().encode(
        x=alt.X("value:Q", title=row_label(chosen), axis=axis),
        y=alt.Y("community:N", title=None, sort="-x"),
        tooltip=[alt.Tooltip("community:N", title=t("field.community")),
                 alt.Tooltip("value:Q", title=row_label(chosen), format=".1%" if chosen in street.PERCENT_ROWS else ",")],
    ), width="stretch")

st.subheader(t("street.workbooks"))
left, right = st.columns(2)
ALL = 0  # no community has id 0: all of them together
by_id = {**{column.community_id: column.name for column in communities}, ALL: t("street.all_communities")}
community_id = left.selectbox(t("field.community"), list(by_id), format_func=by_id.get, key="street_workbook_community")
month = right.selectbox(t("home.report_month"), [today.replace(day=1), add_months(today.replace(day=1), -1)],
                        format_func=lambda m: f"{m:%Y-%m}", key="street_workbook_month")


def workbook() -> bytes:
    with read_session(engine) as session:
        if community_id == ALL:
            return street.combined_workbook(session, me, month, language=lang)
        return street.community_workbook(session, me, community_id, month, language=lang)


st.download_button(t("street.download_workbook", community=by_id[community_id]), workbook,
                   file_name=f"linli-report-{by_id[community_id]}-{month:%Y-%m}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="street_workbook", on_click="ignore", icon=":material/download:", type="primary")
