"""A chart as a file people can keep: its Vega-Lite spec rendered to PNG."""

from __future__ import annotations

from typing import Any

import altair as alt


def to_png(chart: alt.TopLevelMixin | dict[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart (or its Vega-Lite spec) as a PNG picture, rendered by vl-convert from the spec
    the page shows. Costs about a second: call it when someone asks for the file, not on every rerun."""
    import json

    import vl_convert

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return vl_convert.vegalite_to_png(json.dumps(spec), scale=scale)
