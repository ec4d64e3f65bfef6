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


def success_rate_trend(rows: list[dict[str, Any]], *, month_title: str, rate_title: str, minimum: int = 5
                       ) -> alt.LayerChart:
    """The success rate per month, with "settled/concluded" written beside each point. A month with
    fewer than `minimum` concluded cases draws no point and breaks the line: a rate of 1 of 2 is
    not a trend."""
    frame = pd.DataFrame([{"month": r["month"],
                           "rate": r["success_rate"] if (r.get("concluded") or 0) >= minimum else None,
                           "counts": f"{r.get('settled', 0)}/{r.get('concluded', 0)}"} for r in rows]
                         or [{"month": "", "rate": None, "counts": ""}])
    base = alt.Chart(frame).encode(
        x=alt.X("month:N", title=month_title),
        y=alt.Y("rate:Q", title=rate_title, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])))
    line = base.mark_line(point=True).encode(tooltip=["month", alt.Tooltip("rate:Q", format=".0%"), "counts"])
    labels = base.mark_text(dx=4, dy=-10, align="left", fontSize=11).encode(text="counts:N").transform_filter(
        "datum.rate !== null")
    return alt.layer(line, labels).properties(height=240)
