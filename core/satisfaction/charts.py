"""Satisfaction charts, built from core.satisfaction.service's rows (one per month, score or
grid × category): Altair specs as pure functions of aggregated rows (never raw records)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

_MEAN, _SECOND = "#1f77b4", "#2ca02c"


def satisfaction_trend(rows: list[dict[str, Any]], *, month_title: str, mean_title: str, second_title: str,
                       second: str = "csat", interval_titles: tuple[str, str] = ("95% low", "95% high")
                       ) -> alt.LayerChart:
    """Mean score per month (line, left axis 1–5, its 95% interval as a band) with CSAT (line,
    right axis, %) or the number of ratings (bars), from monthly_trend rows. A month whose group
    is too small, hidden to protect another or empty has no mean: no point is drawn there and the
    line has a gap, rather than a number a reader could take for a measurement."""
    if second not in ("csat", "count"):
        raise ValueError(f"second measure must be csat or count, not {second}")
    frame = pd.DataFrame([{"month": r["month"], "mean": r["mean"], "csat": r["csat"], "count": r["count"],
                           "mean_low": r.get("mean_low"), "mean_high": r.get("mean_high"),
                           "csat_low": r.get("csat_low"), "csat_high": r.get("csat_high")} for r in rows]
                         or [{"month": "", "mean": None, "csat": None, "count": 0, "mean_low": None, "mean_high": None,
                              "csat_low": None, "csat_high": None}])
    base = alt.Chart(frame).encode(x=alt.X("month:N", title=month_title))
    mean_axis = alt.Y("mean:Q", title=mean_title, scale=alt.Scale(domain=[1, 5]),
                      axis=alt.Axis(titleColor=_MEAN, labelColor=_MEAN, orient="left"))
    low_title, high_title = interval_titles
    interval = [alt.Tooltip("mean_low:Q", format=".2f", title=low_title),
                alt.Tooltip("mean_high:Q", format=".2f", title=high_title)]
    # The band shares the line's scale and axis (one layer); months without a mean have none.
    band = base.mark_area(opacity=0.15, color=_MEAN).encode(
        y=alt.Y("mean_low:Q", title=mean_title, scale=alt.Scale(domain=[1, 5])), y2="mean_high:Q")
    # Two measures on two axes: each axis takes its line's colour, which tells them apart
    # without a legend (there is no series field to build one from).
    mean_line = base.mark_line(point=alt.OverlayMarkDef(color=_MEAN), color=_MEAN).encode(
        y=mean_axis, tooltip=["month", alt.Tooltip("mean:Q", format=".2f"), *interval, "count"])
    mean_layer = alt.layer(band, mean_line)
    if second == "csat":
        other = base.mark_line(point=alt.OverlayMarkDef(color=_SECOND), strokeDash=[4, 3], color=_SECOND).encode(
            y=alt.Y("csat:Q", title=second_title, scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%", titleColor=_SECOND, labelColor=_SECOND, orient="right")),
            tooltip=["month", alt.Tooltip("csat:Q", format=".0%"), alt.Tooltip("csat_low:Q", format=".0%", title=low_title),
                     alt.Tooltip("csat_high:Q", format=".0%", title=high_title), "count"])
    else:
        other = base.mark_bar(opacity=0.3, color="#7f7f7f").encode(
            y=alt.Y("count:Q", title=second_title), tooltip=["month", "count"])
    return alt.layer(other, mean_layer).resolve_scale(y="independent").properties(height=280)


def score_distribution(rows: list[dict[str, Any]], *, score_title: str, count_title: str,
                       too_few_label: str) -> alt.Chart:
    """Bars of ratings per score 1–5; a group too small to show is one label, not bars."""
    if any(r["count"] is None for r in rows) or not rows:
        frame = pd.DataFrame([{"label": too_few_label if rows else ""}])
        return alt.Chart(frame).mark_text(size=16, color="#7f7f7f").encode(text="label:N").properties(height=200)
    frame = pd.DataFrame([{"score": r["score"], "count": r["count"], "share": r["share"]} for r in rows])
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("score:O", title=score_title),
        y=alt.Y("count:Q", title=count_title),
        color=alt.Color("score:O", scale=alt.Scale(domain=[1, 2, 3, 4, 5], scheme="redyellowgreen"), legend=None),
        tooltip=["score", "count", alt.Tooltip("share:Q", format=".0%")],
    ).properties(height=200)


def category_heat_map(rows: list[dict[str, Any]], *, grid_title: str, category_title: str, mean_title: str,
                      too_few_label: str, hidden_label: str | None = None,
                      category_names: dict[str, str] | None = None) -> alt.LayerChart:
    """Grid × category cells coloured by mean score; a cell with too few ratings, or hidden so that
    it cannot be worked out from its row and column (hidden_label), is grey and labelled, never
    coloured by a number."""
    names = category_names or {}

    def label(row: dict[str, Any]) -> str:
        if row["mean"] is not None:
            return f"{row['mean']:.2f}"
        return hidden_label if row.get("protected") and hidden_label else too_few_label

    frame = pd.DataFrame([{"grid": r["grid"], "category": names.get(r["category"], r["category"]), "mean": r["mean"],
                           "count": r["count"], "label": label(r)}
                          for r in rows] or [{"grid": "", "category": "", "mean": None, "count": 0, "label": ""}])
    grids = list(dict.fromkeys(frame["grid"]))  # the rows' order (the office's), not the alphabet's
    base = alt.Chart(frame).encode(x=alt.X("category:N", title=category_title),
                                   y=alt.Y("grid:N", title=grid_title, sort=grids))
    shown = base.mark_rect().encode(
        color=alt.Color("mean:Q", title=mean_title, scale=alt.Scale(domain=[1, 5], scheme="redyellowgreen")),
        tooltip=["grid", "category", alt.Tooltip("mean:Q", format=".2f"), "count"],
    ).transform_filter("datum.mean !== null")
    hidden = base.mark_rect(color="#e0e0e0").encode(tooltip=["grid", "category", "count"]).transform_filter(
        "datum.mean === null")
    labels = base.mark_text(fontSize=12).encode(text="label:N")
    return alt.layer(shown, hidden, labels).properties(height=alt.Step(36))
