"""Mediation statistics (调解统计): per month received, concluded, agreements (of which re-mediated),
cases settled, success rate and amounts, with a total that counts each case once; cases by source
and by type; charts and an .xlsx download. Every figure is defined in core.mediation.statistics
and said by the "?" of its column. Aggregated in SQL."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base import audit, exports
from core.mediation import judicial_office
from core.mediation import service as mediations
from core.mediation import statistics as mediation_statistics
from db.engine import read_session
from ui.charts import draw
from ui.i18n import translator
from ui.session import actor, database_key, db

t = translator()
me = actor()
st.title(t("stats.title"))

today = date.today()
# Months, not days: the statistics count whole months (a date picker labelled 月份 showed days).
months = [mediations.add_months(today.replace(day=1), -offset) for offset in range(36)]
start_col, end_col, _ = st.columns([1, 1, 2])
first = start_col.selectbox(t("stats.from"), months, index=11, format_func=lambda m: f"{m:%Y-%m}", key="stats_from")
last = end_col.selectbox(t("stats.to"), months, index=0, format_func=lambda m: f"{m:%Y-%m}", key="stats_to")
if first > last:
    st.error(t("stats.bad_range"))
    st.stop()



@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def statistics_at(database: str, mark: int, scope: tuple, first: date, last: date, _engine, _actor
                  ) -> tuple[list, dict, list, list, dict]:
    """The statistics as of one audit high-water mark (every case write is audited): a rerun with
    nothing new reads one row instead of aggregating every case of the range again."""
    with read_session(_engine) as session:
        return (mediation_statistics.monthly_statistics(session, _actor, first, last),
                mediation_statistics.range_totals(session, _actor, first, last),
                mediation_statistics.statistics_by(session, _actor, "source", first, last),
                mediation_statistics.statistics_by(session, _actor, "type", first, last),
                judicial_office.table(session, _actor, first, last))


engine = db()
with read_session(engine) as session:
    mark = audit.high_water(session)
scope = (me.role, me.id, me.community_id, tuple(sorted(me.grid_ids)))  # the community in every cache key
monthly, totals, by_source, by_type, bureau = statistics_at(database_key(engine), mark, scope, first, last, engine, me)

FIGURES = ("received", "concluded", "agreements", "re_mediations", "settled", "success_rate", "amount")
headers = [t("stats.month"), *(t(f"stats.{figure}") for figure in FIGURES)]


def shown(row: dict) -> list:
    rate = "—" if row["success_rate"] is None else f"{row['success_rate']:.0%}"
    return [row["received"], row["concluded"], row["agreements"], row["re_mediations"], row["settled"], rate,
            f"{row['amount_agreed']:,.2f}"]


rows = [[r["month"], *shown(r)] for r in monthly] + [[t("stats.total_row"), *shown(totals)]]
st.dataframe(pd.DataFrame(rows, columns=headers), hide_index=True, width="stretch",
             column_config={t(f"stats.{figure}"): st.column_config.Column(help=t(f"stats.help.{figure}"))
                            for figure in FIGURES})

for row in by_source:
    row["source"] = t(f"source.{row['source']}")
months = [r["month"] for r in monthly]
_, source_rows = mediation_statistics.pivot(by_source, "source", months)
_, type_rows = mediation_statistics.pivot(by_type, "type", months)
source_headers = [t("field.source"), *months, t("stats.total")]
type_headers = [t("field.type"), *months, t("stats.total")]
with st.expander(t("stats.tables_by")):
    st.dataframe(pd.DataFrame(source_rows, columns=source_headers), hide_index=True, width="stretch")
    st.dataframe(pd.DataFrame(type_rows, columns=type_headers), hide_index=True, width="stretch")
# The sheet holds numbers (a supervisor sums and charts them); the table above shows text.
sheet_rows = [[label, r["received"], r["concluded"], r["agreements"], r["re_mediations"], r["settled"],
               None if r["success_rate"] is None else exports.Percent(r["success_rate"]), r["amount_agreed"]]
              for label, r in [*((r["month"], r) for r in monthly), (t("stats.total_row"), totals)]]
# The 司法所's table, by dispute type, for the chosen months together.
bureau_headers = [t("judicial.type"), *(t(f"judicial.figure.{figure}") for figure in judicial_office.FIGURES)]


def bureau_cells(label: str, row: dict) -> list:
    return [label, *(None if figure == "success_rate" and row[figure] is None else
                     exports.Percent(row[figure]) if figure == "success_rate" else row[figure]
                     for figure in judicial_office.FIGURES)]


bureau_rows = ([bureau_cells(row["type"], row) for row in bureau["rows"]]
               + [bureau_cells(t("judicial.total"), bureau["total"])])
st.subheader(t("judicial.title"))
st.caption(t("judicial.caption"))
help_of = {figure: t("judicial.help.prevention") if figure.startswith("prevent_") else t(f"judicial.help.{figure}")
           for figure in judicial_office.FIGURES}
st.dataframe(pd.DataFrame([[("—" if cell is None else f"{cell:.0%}" if isinstance(cell, exports.Percent) else cell)
                            for cell in line] for line in bureau_rows], columns=bureau_headers),
             hide_index=True, width="stretch",
             column_config={t(f"judicial.figure.{figure}"): st.column_config.Column(help=help_of[figure])
                            for figure in judicial_office.FIGURES})
st.caption(t("judicial.screenings", times=bureau["screenings"], disputes=bureau["screened_disputes"]))

workbook = exports.write_workbook([(t("stats.title"), headers, sheet_rows),
                                   (t("judicial.title"), bureau_headers, bureau_rows),
                                   (t("stats.by_source"), source_headers, source_rows),
                                   (t("stats.by_type"), type_headers, type_rows)])
st.download_button(t("stats.download"), workbook, file_name=f"mediation-statistics-{first:%Y%m}-{last:%Y%m}.xlsx",
                   key="stats_download", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
left, right = st.columns(2)
left.subheader(t("stats.by_source"))
with left:
    draw("cases_by_month_and_kind", by_source, "source", month_title=t("stats.month"),
         count_title=t("stats.received"), kind_title=t("field.source"))
right.subheader(t("stats.by_type"))
with right:
    draw("cases_by_month_and_kind", judicial_office.type_chart_rows(by_type, other=t("stats.other_types")), "type",
         month_title=t("stats.month"), count_title=t("stats.received"), kind_title=t("field.type"))
st.subheader(t("stats.success_trend"))
draw("success_rate_trend", monthly, month_title=t("stats.month"), rate_title=t("stats.success_rate"))
