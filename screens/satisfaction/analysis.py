"""Satisfaction (满意度, supervisors and admins): for a range of months, a grid, a category, a
channel, a worker and who gave the score — the monthly trend of the mean score (with its 95%
interval) and CSAT, the score distribution, a grid × category heat map, the figures by who gave
the score, a table of workers (only ratings others entered) and the latest low ratings to follow
up. Groups under five ratings read "too few"; a group that would give one away by subtraction
reads "hidden". Each chart downloads as PNG, its data as CSV with the same cells hidden."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base import chart_files
from core.base.errors import LinliError
from core.mediation.service import add_months
from core.office import staff
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from core.satisfaction.disclosure import MIN_GROUP, interval, withheld
from db.engine import read_session
from ui.charts import draw
from ui.forms import FieldErrors
from ui.i18n import ANY, translated_choice, translator, unless_any
from ui.session import actor, database_key, db

t = translator()
me = actor()
engine = db()
st.title(t("satisfaction.title"))

today = date.today()
this_month = today.replace(day=1)
months = [add_months(this_month, -offset) for offset in range(satisfaction.MAX_MONTHS)]
with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
    people = staff.active_staff(session, me)

errors = FieldErrors()
first_col, last_col, grid_col, category_col = st.columns(4)
first = first_col.selectbox(t("satisfaction.first_month"), months, index=satisfaction.DEFAULT_MONTHS - 1,
                            format_func=lambda m: f"{m:%Y-%m}", key="sat_first")
last = last_col.selectbox(t("satisfaction.last_month"), months, index=0, format_func=lambda m: f"{m:%Y-%m}",
                          key="sat_last")
grid = grid_col.selectbox(t("satisfaction.grid"), [ANY, *grids], key=translated_choice("sat_grid"),
                          format_func=lambda g: t("common.all") if g == ANY else grids[g])
category = category_col.selectbox(t("satisfaction.category"), ["", *satisfaction.CATEGORIES],
                                  key=translated_choice("sat_category"),
                                  format_func=lambda c: t(f"satisfaction.category.{c}") if c else t("common.all"))
channel_col, worker_col, independence_col, _ = st.columns(4)
channel = channel_col.selectbox(t("field.channel"), ["", *satisfaction.CHANNELS], key=translated_choice("sat_channel"),
                                format_func=lambda c: t(f"satisfaction.channel.{c}") if c else t("common.all"))
worker = worker_col.selectbox(t("field.worker"), [ANY, 0, *people], key=translated_choice("sat_worker"),
                              format_func=lambda w: t("common.all") if w == ANY
                              else t("satisfaction.no_worker") if w == 0 else people[w])
independence = independence_col.selectbox(
    t("satisfaction.independence"), ["", *satisfaction.INDEPENDENCE], key=translated_choice("sat_independence"),
    help=t("satisfaction.independence_help"),
    format_func=lambda i: t(f"satisfaction.independence.{i}") if i else t("common.all"))
errors.slot("first_month")
errors.slot("last_month")
errors.slot("independence")
filters = satisfaction.RatingFilters(first_month=first, last_month=last, grid_id=unless_any(grid),
                                     category=category, channel=channel, worker_id=unless_any(worker),
                                     independence=independence)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def figures_at(database: str, version: int, scope: tuple, filters: satisfaction.RatingFilters, today: date,
               _engine, _actor) -> tuple[satisfaction.Figures, list[dict]]:
    """The page's figures as of one data version, for one scope (role, community, grids) and filters:
    a rerun that changes nothing reads one row instead of running the figures' queries."""
    with read_session(_engine) as session:
        figures = satisfaction.page_figures(session, _actor, filters, today=today)
        return figures, satisfaction.low_ratings(session, _actor, filters, limit=20, today=today, figures=figures)


try:
    with read_session(engine) as session:
        version = satisfaction.data_version(session)
    scope = (me.role, me.community_id, tuple(sorted(me.grid_ids)))  # every cache key carries the community
    figures, low = figures_at(database_key(engine), version, scope, filters, today, engine, me)
except LinliError as exc:
    errors.show(exc)
    st.stop()


def score_text(figures: dict, which: str) -> str:
    """A mean or CSAT as shown: the number, or why it is not shown."""
    reason = withheld(figures)
    if reason:
        return t(f"satisfaction.{reason}")
    value = figures[which]
    if value is None:
        return "—"
    return f"{value:.0%}" if which == "csat" else f"{value:.2f}"


def interval_text(figures: dict, which: str) -> str:
    bounds = interval(figures, which)
    if bounds is None:
        return ""
    return f"{bounds[0]:.0%}–{bounds[1]:.0%}" if which == "csat" else f"{bounds[0]:.2f}–{bounds[1]:.2f}"


def figure_columns(figures: dict) -> dict:
    """The columns every table and CSV of groups carries: n, mean and CSAT with their intervals."""
    return {t("satisfaction.count"): figures["count"], t("satisfaction.mean"): score_text(figures, "mean"),
            t("satisfaction.mean_interval"): interval_text(figures, "mean"),
            t("satisfaction.csat"): score_text(figures, "csat"),
            t("satisfaction.csat_interval"): interval_text(figures, "csat")}


overall = figures.overview
count_col, mean_col, csat_col = st.columns(3)
count_col.metric(t("satisfaction.count"), overall["count"])
mean_col.metric(t("satisfaction.mean"), score_text(overall, "mean"))
csat_col.metric(t("satisfaction.csat"), score_text(overall, "csat"))
if interval(overall, "mean") and interval(overall, "csat"):
    st.caption(t("satisfaction.interval_caption", count=overall["count"], mean=interval_text(overall, "mean"),
                 csat=interval_text(overall, "csat")))
if worker not in (ANY, 0) and not independence:
    st.caption(t("satisfaction.worker_includes_self"))
if overall["count"] == 0:
    st.info(t("satisfaction.none"))  # the charts still draw: the months and grids stay on their axes
st.caption(t("satisfaction.suppression_help", min=MIN_GROUP))

category_names = {c: t(f"satisfaction.category.{c}") for c in satisfaction.CATEGORIES}


def downloads(name: str, chart: dict, rows: list[dict]) -> None:
    """PNG drawn only when asked for (about a second); CSV of exactly what the chart shows, also
    written only when asked for (three tables on every rerun cost more than the page's queries)."""
    row = st.container(horizontal=True)
    row.download_button(t("satisfaction.download_png"), lambda: chart_files.to_png(chart), file_name=f"{name}.png",
                            mime="image/png", key=f"sat_png_{name}", on_click="ignore", icon=":material/image:")
    row.download_button(t("satisfaction.download_csv"),
                        lambda: pd.DataFrame(rows).to_csv(index=False).encode("utf-8-sig"),
                            file_name=f"{name}.csv", mime="text/csv", key=f"sat_csv_{name}", on_click="ignore",
                            icon=":material/table:")


st.subheader(t("satisfaction.trend"))
trend = draw("satisfaction_trend", figures.trend, month_title=t("satisfaction.month"),
             mean_title=t("satisfaction.mean"), second_title=t("satisfaction.csat"),
             interval_titles=(t("satisfaction.interval_low"), t("satisfaction.interval_high")))
downloads("satisfaction-trend", trend,
          [{t("satisfaction.month"): r["month"], **figure_columns(r)} for r in figures.trend])

left, right = st.columns(2)
with left:
    st.subheader(t("satisfaction.distribution"))
    distribution = draw("score_distribution", figures.distribution, score_title=t("satisfaction.score"),
                        count_title=t("satisfaction.count"), too_few_label=t("satisfaction.too_few"))
    downloads("satisfaction-scores", distribution,
              [{t("satisfaction.score"): r["score"],
                t("satisfaction.count"): t("satisfaction.too_few") if r["count"] is None else r["count"]}
               for r in figures.distribution])
with right:
    st.subheader(t("satisfaction.heat_map"))
    heat = draw("category_heat_map", figures.heat_map, grid_title=t("satisfaction.grid"),
                category_title=t("satisfaction.category"), mean_title=t("satisfaction.mean"),
                too_few_label=t("satisfaction.too_few"), hidden_label=t("satisfaction.hidden_short"),
                category_names=category_names)
    downloads("satisfaction-grid-category", heat,
              [{t("satisfaction.grid"): r["grid"], t("satisfaction.category"): category_names[r["category"]],
                **figure_columns(r)} for r in figures.heat_map])

st.subheader(t("satisfaction.by_independence"))
st.dataframe(pd.DataFrame([{t("satisfaction.independence"): t(f"satisfaction.independence.{r['independence']}"),
                            **figure_columns(r)} for r in figures.independence]), hide_index=True, width="stretch")

st.subheader(t("satisfaction.workers"))
st.caption(t("satisfaction.workers_caption"))
st.dataframe(pd.DataFrame([{t("field.worker"): r["name"] or t("satisfaction.no_worker"), **figure_columns(r)}
                           for r in figures.workers]), hide_index=True, width="stretch")

st.subheader(t("satisfaction.low"))
if low:
    unnamed = t("satisfaction.small_group")  # a group under MIN_GROUP ratings is not named beside a score
    st.dataframe(pd.DataFrame([{t("field.rated_on"): r["rated_on"], t("field.score"): r["score"],
                                t("field.comment"): r["comment"], t("satisfaction.grid"): r["grid"] or unnamed,
                                t("satisfaction.category"): category_names.get(r["category"], unnamed),
                                t("field.channel"): t(f"satisfaction.channel.{r['channel']}"),
                                t("satisfaction.independence"): t(f"satisfaction.independence.{r['independence']}"),
                                t("field.worker"): unnamed if r["worker"] is None else r["worker"],
                                t("field.number"): r["case_number"] or ""}
                               for r in low]), hide_index=True, width="stretch",
                 # The comment is what a follow-up needs: the widest column, not cut to a few characters.
                 column_config={t("field.comment"): st.column_config.TextColumn(width="large")})
else:
    st.caption(t("satisfaction.no_low"))
