"""What a satisfaction figure may show, and how sure it is.

Primary suppression: a group of fewer than MIN_GROUP ratings shows its count but no mean, no
CSAT and no interval (too_few): a count reveals nobody's score, a mean of two ratings nearly does.

Complementary suppression: a table is shown with its total, so if exactly one cell of a row (or
column, or of the whole table) were hidden, the total minus the other cells would give it back
(11 ratings at 3.82 overall, 10 at 3.80 shown: 42 − 38 = 4 is the hidden rating). protect() hides,
in every such line, the smallest other cell as well (protected), and repeats until no line has
exactly one hidden cell. What two different filter choices give when subtracted from each other
is not covered: that needs a statistical agency's tools, not a workbench (README says so).

Every figure that is shown carries its count and a 95% interval (core.base.intervals).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from core.base.intervals import mean_interval, wilson

MIN_GROUP = 5  # fewer ratings than this: no mean, no CSAT, no distribution
_SHOWN = ("mean", "csat", "mean_low", "mean_high", "csat_low", "csat_high")


def group_figures(count: int, score_sum: int, count_4_5: int, square_sum: int) -> dict[str, Any]:
    """count; mean (2 decimals) and csat (share of 4–5, 0–1) with their 95% intervals (t for the
    mean, Wilson for CSAT); too_few under MIN_GROUP, which hides them; protected False."""
    count, score_sum, count_4_5, square_sum = (int(value or 0) for value in (count, score_sum, count_4_5, square_sum))
    figures: dict[str, Any] = {"count": count, "too_few": 0 < count < MIN_GROUP, "protected": False}
    if count < MIN_GROUP:
        return figures | dict.fromkeys(_SHOWN)
    mean_low, mean_high = mean_interval(count, score_sum, square_sum, low=1, high=5) or (None, None)
    csat_low, csat_high = wilson(count_4_5, count) or (None, None)
    return figures | {"mean": round(score_sum / count, 2), "csat": round(count_4_5 / count, 4),
                      "mean_low": _round(mean_low, 2), "mean_high": _round(mean_high, 2),
                      "csat_low": _round(csat_low, 4), "csat_high": _round(csat_high, 4)}


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def is_hidden(figures: Mapping[str, Any]) -> bool:
    return bool(figures["too_few"] or figures["protected"])


def hide(figures: dict[str, Any]) -> None:
    """Hide a group shown so far, to protect a smaller one (its count stays)."""
    figures.update(dict.fromkeys(_SHOWN), protected=True)


def protect(cells: Mapping[Hashable, dict[str, Any]], lines: Iterable[Sequence[Hashable]]) -> None:
    """Complementary suppression over the cells' figures, in place. Each line is a set of cells
    whose total is shown or can be worked out (a table's rows, its columns, and the table itself):
    while a line has exactly one hidden cell among those with ratings, the smallest shown cell of
    that line (fewest ratings; the first in line order on a tie) is hidden too."""
    lines = [list(line) for line in lines]
    changed = True
    while changed:
        changed = False
        for line in lines:
            present = [key for key in line if cells[key]["count"] > 0]
            hidden = [key for key in present if is_hidden(cells[key])]
            shown = [key for key in present if not is_hidden(cells[key])]
            if len(hidden) == 1 and shown:
                hide(cells[min(shown, key=lambda key: cells[key]["count"])])
                changed = True


def withheld(figures: Mapping[str, Any]) -> str | None:
    """Why a group's mean and CSAT are not shown: "too_few", "protected", or None when shown.
    Screens and sheets turn it into words (satisfaction.too_few / satisfaction.protected)."""
    if figures["too_few"]:
        return "too_few"
    if figures["protected"]:
        return "protected"
    return None


def interval(figures: Mapping[str, Any], which: str) -> tuple[float, float] | None:
    """The 95% interval of "mean" or "csat" when it is shown, else None."""
    low, high = figures[f"{which}_low"], figures[f"{which}_high"]
    return None if low is None or high is None else (low, high)
