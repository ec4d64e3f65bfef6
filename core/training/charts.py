"""Training charts: Altair specs as pure functions of aggregated rows (never raw records)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd


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
