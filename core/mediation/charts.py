"""Mediation charts: Altair specs as pure functions of aggregated rows (never raw records)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd


def cases_by_month_and_kind(rows: list[dict[str, Any]], kind: str, *, month_title: str, count_title: str,
                            kind_title: str) -> alt.Chart:
    """Stacked bars: cases received per month, by `kind` (source or type)."""
    frame = pd.DataFrame(rows or [{"month": "", kind: "", "cases": 0}])
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("month:N", title=month_title),
        y=alt.Y("sum(cases):Q", title=count_title),
        # Streamlit's palette has 10 colours; an office with more dispute types got repeats.
        color=alt.Color(f"{kind}:N", title=kind_title,
                        scale=alt.Scale(scheme="tableau20") if frame[kind].nunique() > 10 else alt.Undefined),
        tooltip=["month", kind, "cases"],
    ).properties(height=280)


def success_rate_trend(rows: list[dict[str, Any]], *, month_title: str, rate_title: str) -> alt.Chart:
    frame = pd.DataFrame([{"month": r["month"], "rate": r["success_rate"]} for r in rows if r["success_rate"] is not None]
                         or [{"month": "", "rate": 0.0}])
    return alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("month:N", title=month_title),
        y=alt.Y("rate:Q", title=rate_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=["month", alt.Tooltip("rate:Q", format=".0%")],
    ).properties(height=240)
