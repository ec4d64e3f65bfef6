"""What a satisfaction figure may show: groups too small, cells that subtraction would give away,
and how sure a shown figure is (core.satisfaction.disclosure, core.base.intervals)."""

import math
import random
import statistics
from datetime import date

import pytest
from sqlalchemy import delete, insert

from core.base.intervals import mean_interval, t_975, wilson
from core.satisfaction import service as satisfaction
from core.satisfaction.disclosure import MIN_GROUP, group_figures, interval, is_hidden, protect, withheld
from db.engine import write_session
from db.models import RatingMonthSummary
from tests.factories import make_world


def figures_of(scores):
    return group_figures(len(scores), sum(scores), sum(s >= 4 for s in scores), sum(s * s for s in scores))


def test_wilson_interval_matches_the_published_values():
    # Newcombe (1998), table I: 15 of 148 → 0.0624–0.1605; 0 of 20 → 0–0.1611; 81 of 263 → 0.2553–0.3662
    for successes, n, low, high in ((15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (81, 263, 0.2553, 0.3662)):
        found = wilson(successes, n)
        assert found == pytest.approx((low, high), abs=0.0001)
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(6, 5)


def test_t_quantiles_agree_with_the_tables_between_their_rows():
    assert t_975(1) == 12.706 and t_975(30) == 2.042
    assert t_975(50) == pytest.approx(2.0086, abs=0.001)  # tables: t(0.975, 50) = 2.009
    assert t_975(200) == pytest.approx(1.9719, abs=0.001)
    assert t_975(10_000) == pytest.approx(1.9602, abs=0.001)
    with pytest.raises(ValueError):
        t_975(0)


def test_the_mean_interval_is_the_t_interval_of_the_scores_clipped_to_the_scale():
    scores = [5, 4, 4, 3, 1, 5, 2]
    half = t_975(len(scores) - 1) * statistics.stdev(scores) / math.sqrt(len(scores))
    found = mean_interval(len(scores), sum(scores), sum(s * s for s in scores), low=1, high=5)
    assert found == pytest.approx((statistics.mean(scores) - half, statistics.mean(scores) + half))
    assert mean_interval(6, 30, 150, low=1, high=5) == (5.0, 5.0)  # all fives: no spread, still inside 1–5
    assert mean_interval(1, 4, 16) is None


def test_a_group_under_the_threshold_shows_its_count_only():
    small = figures_of([5, 1, 4, 4])
    assert (small["count"], small["mean"], small["csat"], withheld(small)) == (4, None, None, "too_few")
    assert interval(small, "mean") is None
    shown = figures_of([5, 1, 4, 4, 3])
    assert (shown["mean"], shown["csat"], withheld(shown)) == (3.4, 0.6, None)
    assert shown["csat_low"] < 0.6 < shown["csat_high"] and interval(shown, "mean") == (shown["mean_low"],
                                                                                          shown["mean_high"])


def test_the_issues_example_the_other_cell_of_the_line_is_hidden_too():
    # 11 ratings at 3.82: (未指定) 10 at 3.80 and 李秀英 1 — 42 − 38 = 4 would give hers away.
    cells = {"none": figures_of([4] * 8 + [3, 3]), "li": figures_of([4])}
    protect(cells, [list(cells)])
    assert withheld(cells["li"]) == "too_few" and withheld(cells["none"]) == "protected"
    assert cells["none"]["count"] == 10  # counts stay: they reveal nobody's score


def test_protection_repeats_until_no_line_has_a_single_hidden_cell():
    # a 2 × 2 table: hiding b2's partner in row 2 leaves column 1 with one hidden cell, and so on
    cells = {"a1": figures_of([5] * 9), "a2": figures_of([4] * 7), "b1": figures_of([3] * 6), "b2": figures_of([1])}
    protect(cells, [["a1", "a2"], ["b1", "b2"], ["a1", "b1"], ["a2", "b2"], list(cells)])
    for line in (["a1", "a2"], ["b1", "b2"], ["a1", "b1"], ["a2", "b2"]):
        assert sum(is_hidden(cells[key]) for key in line) != 1
    assert withheld(cells["b2"]) == "too_few"


# --- the seeded random test -------------------------------------------------------------------------

MONTHS = [date(2026, month, 1) for month in range(1, 7)]


def one_subtraction_away(cells):
    """What an attacker recovers from one shown line and its total: the one hidden cell, if alone.
    (A line of one cell is its own total: nothing to subtract.)"""
    present = [cell for cell in cells if cell["count"] > 0]
    hidden = [cell for cell in present if cell["mean"] is None]
    return hidden if len(hidden) == 1 and len(present) > 1 else []


def view_lines(figures):
    """Each set of cells shown beside a total they add up to, in one rendered view."""
    yield figures.trend
    yield figures.workers
    yield figures.independence
    yield figures.heat_map
    for key in ("grid_id", "category"):
        for value in {row[key] for row in figures.heat_map}:
            yield [row for row in figures.heat_map if row[key] == value]


def random_summary(rng, world):
    people = [0, world.actors["worker"].id, world.actors["supervisor"].id]
    rows = {}
    for _ in range(rng.randint(1, 40)):
        key = (rng.choice(MONTHS), rng.choice(world.grid_ids), rng.choice(satisfaction.CATEGORIES[:4]),
               rng.choice(satisfaction.CHANNELS), rng.choice(people), rng.choice(satisfaction.INDEPENDENCE))
        scores = [rng.choice([1, 2, 3, 4, 4, 5, 5]) for _ in range(rng.choice([1, 1, 2, 3, 4, 6, 9]))]
        row = rows.setdefault(key, dict.fromkeys(("count", "score_sum", "count_4_5", *(f"count_{k}" for k in range(1, 6))),
                                                 0))
        row["count"] += len(scores)
        row["score_sum"] += sum(scores)
        row["count_4_5"] += sum(s >= 4 for s in scores)
        for score in scores:
            row[f"count_{score}"] += 1
    names = ("month", "grid_id", "category", "channel", "worker_id", "independence")
    return [dict(zip(names, key, strict=True)) | counts for key, counts in rows.items()]


def random_filters(rng, world):
    first = rng.choice(MONTHS)
    chance = 0.25
    return satisfaction.RatingFilters(
        first_month=first, last_month=rng.choice([m for m in MONTHS if m >= first]),
        grid_id=rng.choice(world.grid_ids) if rng.random() < chance else None,
        category=rng.choice(satisfaction.CATEGORIES[:4]) if rng.random() < chance else "",
        channel=rng.choice(satisfaction.CHANNELS) if rng.random() < chance else "",
        independence=rng.choice(satisfaction.INDEPENDENCE) if rng.random() < chance else "")


def test_no_hidden_figure_is_one_subtraction_away_in_any_view(engine, backend):
    """A few hundred generated datasets and filter choices (fewer on PostgreSQL, same code path):
    in every line of every rendered view — the months of the trend, the staff, who gave the score,
    each heat-map row and column and the whole map — an attacker who subtracts the shown cells from
    the line's total never finds a hidden cell alone. Differencing two filter choices is out of
    scope (README)."""
    world = make_world(engine)
    supervisor = world.actors["supervisor"]
    rng = random.Random(18)
    datasets, views_per_dataset = (300, 3) if backend == "sqlite" else (80, 2)
    protected_seen = too_few_lines = 0
    for _ in range(datasets):
        with write_session(engine) as session:
            session.execute(delete(RatingMonthSummary))
            session.execute(insert(RatingMonthSummary), random_summary(rng, world))
        for _ in range(views_per_dataset):
            filters = random_filters(rng, world)
            with write_session(engine) as session:
                figures = satisfaction.page_figures(session, supervisor, filters, today=MONTHS[-1])
            for line in view_lines(figures):
                assert one_subtraction_away(line) == [], (filters, line)
                too_few_lines += any(cell["too_few"] for cell in line)
                protected_seen += sum(cell["protected"] for cell in line)
            for cell in figures.heat_map + figures.trend + figures.workers + figures.independence:
                if cell["count"] >= MIN_GROUP and not cell["protected"]:
                    assert cell["mean"] is not None  # only what must be hidden is hidden
    # the generated data exercised both kinds of suppression many times
    assert too_few_lines > 50 and protected_seen > 50
