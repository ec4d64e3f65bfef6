"""Altair chart specs as pure functions of aggregated rows (never raw records)."""

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


# --- satisfaction: built from core.satisfaction's rows (one per month, score or grid × category) ---

_MEAN, _SECOND = "#1f77b4", "#2ca02c"


def satisfaction_trend(rows: list[dict[str, Any]], *, month_title: str, mean_title: str, second_title: str,
                       second: str = "csat") -> alt.LayerChart:
    """Mean score per month (line, left axis 1–5) with CSAT (line, right axis, %) or the number of
    ratings (bars), from monthly_trend rows. A month whose group is too small or empty has no mean:
    the line has a gap there rather than a number."""
    if second not in ("csat", "count"):
        raise ValueError(f"second measure must be csat or count, not {second}")
    frame = pd.DataFrame([{"month": r["month"], "mean": r["mean"], "csat": r["csat"], "count": r["count"]}
                          for r in rows] or [{"month": "", "mean": None, "csat": None, "count": 0}])
    base = alt.Chart(frame).encode(x=alt.X("month:N", title=month_title))
    # Two measures on two axes: each axis takes its line's colour, which tells them apart
    # without a legend (there is no series field to build one from).
    mean_line = base.mark_line(point=alt.OverlayMarkDef(color=_MEAN), color=_MEAN).encode(
        y=alt.Y("mean:Q", title=mean_title, scale=alt.Scale(domain=[1, 5]),
                axis=alt.Axis(titleColor=_MEAN, labelColor=_MEAN, orient="left")),
        tooltip=["month", alt.Tooltip("mean:Q", format=".2f"), "count"])
    if second == "csat":
        other = base.mark_line(point=alt.OverlayMarkDef(color=_SECOND), strokeDash=[4, 3], color=_SECOND).encode(
            y=alt.Y("csat:Q", title=second_title, scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%", titleColor=_SECOND, labelColor=_SECOND, orient="right")),
            tooltip=["month", alt.Tooltip("csat:Q", format=".0%"), "count"])
    else:
        other = base.mark_bar(opacity=0.3, color="#7f7f7f").encode(
            y=alt.Y("count:Q", title=second_title), tooltip=["month", "count"])
    return alt.layer(other, mean_line).resolve_scale(y="independent").properties(height=280)


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
                      too_few_label: str, category_names: dict[str, str] | None = None) -> alt.LayerChart:
    """Grid × category cells coloured by mean score; a cell with too few ratings is grey and labelled,
    never coloured by a number."""
    names = category_names or {}
    frame = pd.DataFrame([{"grid": r["grid"], "category": names.get(r["category"], r["category"]), "mean": r["mean"],
                           "count": r["count"], "label": too_few_label if r["mean"] is None else f"{r['mean']:.2f}"}
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


# --- training ------------------------------------------------------------------------------------

def training_hours_by_month_and_topic(rows: list[dict[str, Any]], *, month_title: str, hours_title: str,
                                      topic_title: str, other_label: str, top_topics: int = 5,
                                      label_length: int = 10) -> alt.Chart:
    """Stacked bars: training hours per month, one colour per topic.

    Every month of `rows` stays on the axis (zero months included). Topics are free text, so
    the spec stays small (≤ 10 KB) whatever was typed: the `top_topics` with the most hours keep
    their own colour, the rest are summed as `other_label`, names are cut to `label_length`
    characters, and rows with no hours are not sent.
    """
    months = sorted({row["month"] for row in rows})
    totals: dict[str, float] = {}
    for row in rows:
        totals[row["topic"]] = totals.get(row["topic"], 0.0) + row["hours"]
    kept = [topic for topic, hours in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
            if hours > 0][:top_topics]
    labels: dict[str, str] = {}
    for topic in kept:  # cut names stay distinct: two long topics may share their first characters
        label = topic if len(topic) <= label_length else topic[:label_length] + "…"
        labels[topic] = label if label not in labels.values() else f"{label}{len(labels) + 1}"
    summed: dict[tuple[str, str], float] = {}
    for row in rows:
        if row["hours"] > 0:
            label = labels.get(row["topic"], other_label)
            summed[(row["month"], label)] = summed.get((row["month"], label), 0.0) + row["hours"]
    frame = pd.DataFrame([{"month": month, "topic": topic, "hours": round(hours, 2)}
                          for (month, topic), hours in sorted(summed.items())]
                         or [{"month": months[0] if months else "", "topic": "", "hours": 0.0}])
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("month:N", title=month_title, scale=alt.Scale(domain=months) if months else alt.Undefined),
        y=alt.Y("sum(hours):Q", title=hours_title),
        color=alt.Color("topic:N", title=topic_title),
        tooltip=["month", "topic", "hours"],
    ).properties(height=280)


# --- export -------------------------------------------------------------------------------------

def to_png(chart: alt.TopLevelMixin | dict[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart (or its Vega-Lite spec) as a PNG picture, rendered by vl-convert from the spec
    the page shows. Costs about a second: call it when someone asks for the file, not on every rerun."""
    import json

    import vl_convert

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return vl_convert.vegalite_to_png(json.dumps(spec), scale=scale)
