"""Charts on screen: Vega-Lite specs built by each job's charts module, kept per aggregated rows.

Building an Altair chart and turning it into a spec costs 15-60 ms per chart, more than
the page's queries. The rows behind a chart are small aggregates (months, scores, grid ×
category), so the spec is cached by their fingerprint and the labels': a rerun with the same
figures draws the kept spec; new figures build a new one.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from typing import Any

import streamlit as st

from core.mediation import charts as mediation_charts
from core.satisfaction import charts as satisfaction_charts
from core.training import charts as training_charts

# builder name → the function that builds it: the cache keys on the name, a plain string
BUILDERS: dict[str, Callable[..., Any]] = {builder.__name__: builder for builder in (
    mediation_charts.cases_by_month_and_kind, mediation_charts.success_rate_trend,
    satisfaction_charts.satisfaction_trend, satisfaction_charts.score_distribution,
    satisfaction_charts.category_heat_map, training_charts.training_hours_by_month_and_topic)}


def _digest(*parts: Any) -> str:
    """A fingerprint of the rows and labels. Streamlit's own hashing walks every value of a list
    of dicts in Python (~30 ms for a page's three charts, on every rerun); pickling them is one C
    call."""
    return hashlib.blake2b(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL), digest_size=16).hexdigest()


@st.cache_data(max_entries=256, show_spinner=False)
def _drawn(builder: str, fingerprint: str, _rows: list[dict[str, Any]], _args: tuple, _kwargs: dict) -> dict[str, Any]:
    """The spec of `BUILDERS[builder](rows, ...)` drawn, kept by the rows' fingerprint with its
    element: a rerun with the same figures replays the element Streamlit made (its data already
    turned into Arrow, ~10 ms a chart) instead of building and converting again. `builder` is
    always a name written in our code."""
    chart_spec = BUILDERS[builder](_rows, *_args, **_kwargs).to_dict()
    st.vega_lite_chart(spec=chart_spec, width="stretch")
    return chart_spec


def draw(builder: str, rows: list[dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Draw the chart where the caller is (inside `with column:`) and return its spec."""
    return _drawn(builder, _digest(rows, args, sorted(kwargs.items())), rows, args, kwargs)
