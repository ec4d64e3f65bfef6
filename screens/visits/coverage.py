"""走访覆盖 (supervisor): a month's visits due, on time, late, missed and still open, per grid and
per worker, and the residents in the plan never visited — each list to open."""

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from core.base import audit
from core.mediation.service import add_months
from core.visits import service as visits
from db.engine import read_session
from ui.i18n import translator
from ui.no_grids import stop_without_grids
from ui.session import actor, database_key, db

t = translator()
me = actor()
engine = db()
st.title(t("coverage.title"))
st.caption(t("coverage.caption"))
if not me.grid_ids:  # figures of no grid would all be zero
    stop_without_grids(me, "resident_new.no_grids")

today = date.today()
months = [add_months(today.replace(day=1), -back) for back in range(12)]
month = st.selectbox(t("coverage.month"), months, format_func=lambda m: f"{m:%Y-%m}", key="coverage_month")


@st.cache_data(max_entries=16, ttl=600, show_spinner=t("coverage.working"))
def coverage_at(database: str, mark: int, community: int | None, grids: tuple[int, ...], chosen: date, day: date,
                _engine, _actor) -> dict:  # noqa: ANN001
    """The month's coverage as of one audit high-water mark (every visit, plan and change is
    audited): a rerun with nothing new written reads one row. The key carries the community and
    the grids: two supervisors never share figures; the day is in it (due becomes overdue)."""
    with read_session(_engine) as session:
        return visits.coverage(session, _actor, chosen, today=day)


with read_session(engine) as session:
    mark = audit.high_water(session)
found = coverage_at(database_key(engine), mark, me.community_id, tuple(sorted(me.grid_ids)), month, today, engine, me)

total = found["total"].figures
columns = st.columns(3)
for column, figure in zip(columns * 2, visits.FIGURES, strict=False):
    column.metric(t(f"coverage.figure.{figure}"), total[figure])


def table(rows: list[visits.CoverageRow], label: str) -> pd.DataFrame:
    return pd.DataFrame([{label: row.label, **{t(f"coverage.figure.{f}"): row.figures[f] for f in visits.FIGURES}}
                         for row in rows])


by_grid, by_worker = st.tabs([t("coverage.by_grid"), t("coverage.by_worker")])
with by_grid:
    st.dataframe(table(found["grids"], t("field.grid")), hide_index=True, width="stretch")
    outcomes = ("on_time", "late", "missed", "open")
    long = pd.DataFrame([{"grid": row.label, "outcome": t(f"coverage.figure.{name}"), "count": row.figures[name]}
                         for row in found["grids"] for name in outcomes])
    if not long.empty and long["count"].sum():
        st.altair_chart(alt.Chart(long).mark_bar().encode(
            x=alt.X("sum(count):Q", title=t("coverage.figure.due")), y=alt.Y("grid:N", title=None),
            color=alt.Color("outcome:N", title=None, sort=[t(f"coverage.figure.{name}") for name in outcomes])),
            width="stretch")
with by_worker:
    st.dataframe(table(found["workers"], t("field.worker")), hide_index=True, width="stretch")

missed = [item for item in found["obligations"] if item.outcome.status in ("missed", "overdue")]
with st.expander(t("coverage.missed_list", count=len(missed))):
    st.dataframe(pd.DataFrame([{t("field.person_name"): item.resident.name,
                                t("field.address"): item.resident.address,
                                t("coverage.due"): f"{item.outcome.due:%Y-%m-%d}",
                                t("field.state"): t(f"visit.status.{item.outcome.status}", due="")}
                               for item in missed]), hide_index=True, width="stretch")
never = found["never_visited"]
with st.expander(t("coverage.never_list", count=len(never))):
    st.dataframe(pd.DataFrame([{t("field.person_name"): person.name, t("field.address"): person.address,
                                t("visit.tier"): t(f"visit.tier.{person.tier}")} for person in never]),
                 hide_index=True, width="stretch")
