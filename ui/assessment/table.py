"""The 绩效概览 screen's parts: the period picker, the figures kept per audit mark, the tables
with each column's definition, and the sheet to download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from core.assessment import overview
from core.base import audit, clock
from core.base.exports import write_table
from core.base.permissions import Actor
from core.mediation.service import add_months
from db.engine import read_session
from ui.i18n import translated_choice
from ui.session import database_key

Translate = Callable[..., str]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHOICES = ("this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year", "custom")
# The columns of a row, in the order an office files them: the figures, then the change.
COLUMNS = ("cases_received", "cases_settled", "cases_concluded", "cases_overdue", "days_to_settle", "visits_due",
           "visits_on_time", "visits_on_time_share", "activities_organised", "residents_served", "training_hours",
           "training_pace", "rating_count", "rating_mean", "rating_csat")
PERCENT = frozenset({"visits_on_time_share", "rating_csat"})


def months_of(choice: str, today: date) -> tuple[date, date]:
    """(first month, last month) of a quick choice."""
    month = today.replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    return {"this_month": (month, month), "last_month": (add_months(month, -1),) * 2,
            "this_quarter": (quarter, add_months(quarter, 2)),
            "last_quarter": (add_months(quarter, -3), add_months(quarter, -1)),
            "this_year": (month.replace(month=1), month.replace(month=12)),
            "last_year": (date(month.year - 1, 1, 1), date(month.year - 1, 12, 1))}[choice]


def period_picker(t: Translate) -> tuple[date, date]:
    today = clock.now().date()
    choice = st.radio(t("assessment.period"), CHOICES, format_func=lambda c: t(f"assessment.period.{c}"),
                      horizontal=True, key=translated_choice("assessment_period"), index=2)
    if choice != "custom":
        return months_of(choice, today)
    months = [add_months(today.replace(day=1), -back) for back in range(overview.MAX_MONTHS)]
    left, right = st.columns(2)
    first = left.selectbox(t("assessment.first_month"), months, index=2, format_func=lambda m: f"{m:%Y-%m}",
                           key="assessment_first")
    last = right.selectbox(t("assessment.last_month"), months, index=0, format_func=lambda m: f"{m:%Y-%m}",
                           key="assessment_last")
    return first, last


def overview_at(engine: Engine, me: Actor, period: overview.Period, community: int | None = None
                ) -> overview.Overview:
    """The period's rows, kept per audit high-water mark (every case step, visit, activity,
    training record and rating is audited); the day is in the key, as due becomes overdue."""
    with read_session(engine) as session:
        mark = audit.high_water(session)
    return _overview_at(database_key(engine), mark, me.id, me.role, me.community_id or community, period,
                        clock.now().date(), engine, me)


@st.cache_data(max_entries=32, ttl=600, show_spinner=False)
def _overview_at(database: str, mark: int, user: int, role: str, community: int | None, period: overview.Period,
                 day: date, _engine: Engine, _me: Actor) -> overview.Overview:
    with read_session(_engine) as session:
        return overview.overview(session, _me, period, today=day, community_id=community)


def _shown(t: Translate, name: str, value: Any, row: overview.Row) -> Any:
    if name == "training_pace":
        return t(f"pace.{value}") if value else "—"
    if name in ("rating_mean", "rating_csat") and value is None and row.figures.get("rating_withheld"):
        return t(f"satisfaction.{row.figures['rating_withheld']}")
    if value is None:
        return "—"
    if name in PERCENT:
        return f"{value:.0%}"
    return value


def _change(value: Any, name: str) -> str:
    if value in (None, 0):
        return "" if value is None else "±0"
    return f"{value:+.0%}" if name in PERCENT else f"{value:+g}"


def frame(t: Translate, rows: list[overview.Row], *, grids: bool = False) -> pd.DataFrame:
    """One line per row: the figures, then the change against the previous period."""
    label = t("field.grid") if grids else t("assessment.worker")
    lines = []
    for row in rows:
        line = {label: row.label}
        for name in COLUMNS:
            if grids and name.startswith("training"):
                continue
            line[t(f"assessment.col.{name}")] = _shown(t, name, row.figures.get(name), row)
        for name in overview.CHANGES:
            if grids and name.startswith("training"):
                continue
            line[t("assessment.change", figure=t(f"assessment.col.{name}"))] = _change(row.change.get(name), name)
        lines.append(line)
    return pd.DataFrame(lines).astype(str)


def column_help(t: Translate) -> dict[str, Any]:
    """Each column's definition, as core.assessment.overview counts it: the "?" of its header."""
    return {t(f"assessment.col.{name}"): st.column_config.TextColumn(help=t(f"assessment.help.{name}"))
            for name in COLUMNS}


def whole_year(period: overview.Period) -> int | None:
    """The year a period is, when it is one calendar year: its sheet carries the annual scores."""
    if (period.first.month, period.first.day, period.last.month, period.last.day) == (1, 1, 12, 31) \
            and period.first.year == period.last.year:
        return period.first.year
    return None


SCORE_COLUMNS = ("street_score", "peer_mean", "residents_score", "total", "grade")


def sheet(t: Translate, found: overview.Overview, scores: dict[int, dict[str, Any]] | None = None) -> bytes:
    """The period's sheet as an office files it upward: one row per worker, figures then (for a
    calendar year) the signed-off annual scores, then the grid totals."""
    workers = frame(t, found.workers)
    if scores is not None:
        for name in SCORE_COLUMNS:
            label = t("field.peer_review") if name == "peer_mean" else t("field.residents") \
                if name == "residents_score" else t(f"field.{name}")
            workers[label] = [_score_text(t, name, scores.get(row.user_id, {}).get(name)) for row in found.workers]
    parts = [workers, *([frame(t, found.grids, grids=True)] if found.grids else [])]
    for part in parts:  # one first column for both: a worker's name, or a grid's
        part.columns = [t("assessment.worker_or_grid"), *part.columns[1:]]
    table = pd.concat(parts).fillna("")
    return write_table(list(table.columns), table.values.tolist(), "xlsx", sheet=t("assessment.title"))


def _score_text(t: Translate, name: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    return t(f"grade.{value}") if name == "grade" else str(value)
