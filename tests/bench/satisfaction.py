"""Satisfaction benchmarks: the page's figures at 200,000 ratings vs 1,000, the size of each chart
spec against the 10 KB limit, and the cost of one recorded rating (with its summary upsert)."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from core.base.i18n import translate
from core.office import communities, users
from core.reporting import reports
from core.satisfaction import charts
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from db.models import Rating, RatingMonthSummary
from tests.bench.residents import _fresh_database
from tests.factories import PASSWORD, ROOT

EXTRA_GRIDS = 7  # with the world's two: nine grids, one worker each, like a large community
REPEATS = 31


def _staff(engine, world) -> list[tuple[int, int]]:  # noqa: ANN001
    """(grid id, the worker of that grid) for every grid of the bench community."""
    pairs = [(world.grid_ids[0], world.actors["worker"].id)]
    with write_session(engine) as session:
        grids = [world.grid_ids[1]]
        grids += [communities.create_grid(session, ROOT, community_id=world.community_id, name=f"网格{i}").id
                  for i in range(EXTRA_GRIDS)]
        for index, grid_id in enumerate(grids):
            account = users.create_user(session, None, username=f"bench.w{index}", display_name=f"网格员{index}",
                                        role="worker", community_id=world.community_id,
                                        grid_ids=[grid_id], password=PASSWORD,
                                        must_change_password=False)
            pairs.append((grid_id, account.user.id))
    return pairs


def _fill(engine, world, count: int) -> None:  # noqa: ANN001
    """Ratings over the last 12 months, bulk-inserted, then the summary rebuilt from them."""
    rng = random.Random(count)
    staff = _staff(engine, world)
    supervisor = world.actors["supervisor"].id
    today = date.today()
    now = datetime.now()
    batch: list[dict] = []
    with write_session(engine) as session:
        for _ in range(count):
            grid_id, worker_id = rng.choice(staff)
            channel = rng.choice(satisfaction.CHANNELS)
            rated_on = today - timedelta(days=rng.randint(0, 364))
            batch.append({"score": rng.choice((1, 2, 3, 4, 4, 5, 5, 5)), "comment": "", "grid_id": grid_id,
                          "category": rng.choice(satisfaction.CATEGORIES), "channel": channel, "rated_on": rated_on,
                          "worker_id": None if channel == "resident_qr" else worker_id, "created_at": now,
                          # staff ratings entered by the worker rated (工作人员记录) or the supervisor
                          "recorded_by": None if channel == "resident_qr" else rng.choice((worker_id, supervisor)),
                          "updated_at": now, "version": 1})
            if len(batch) == 20_000:
                session.execute(insert(Rating), batch)
                batch = []
        if batch:
            session.execute(insert(Rating), batch)
        satisfaction.rebuild_summary(session)


def _page(engine, actor) -> satisfaction.Figures:  # noqa: ANN001
    with read_session(engine) as session:
        figures = satisfaction.page_figures(session, actor, satisfaction.RatingFilters())
        satisfaction.low_ratings(session, actor, satisfaction.RatingFilters(), figures=figures)
    return figures


def _medians(small, big, repeats: int = REPEATS) -> tuple[float, float]:  # noqa: ANN001
    """Median time of each call, measured alternately so that drift on a shared machine hits both."""
    small(), big()  # warm the page caches
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for call, times in ((small, samples[0]), (big, samples[1])):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def _median_write(engine, world, runs: int = 30) -> float:  # noqa: ANN001
    actor = world.actors["supervisor"]
    samples = []
    for index in range(runs):
        start = time.perf_counter()
        with write_session(engine) as session:
            satisfaction.record_rating(session, actor, satisfaction.RatingInput(
                score=1 + index % 5, category="visit", grid_id=world.grid_ids[0], rated_on=date.today()))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _summary_rows(engine) -> int:  # noqa: ANN001
    """Bounded by months × grids × categories × channels × workers, whatever the number of ratings."""
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(RatingMonthSummary)) or 0


def _chart_bytes(figures: satisfaction.Figures) -> dict[str, int]:
    def t(key: str) -> str:
        return translate("zh-CN", key)

    built = {
        "trend": charts.satisfaction_trend(figures.trend, month_title=t("satisfaction.month"),
                                           mean_title=t("satisfaction.mean"), second_title=t("satisfaction.csat")),
        "distribution": charts.score_distribution(figures.distribution, score_title=t("satisfaction.score"),
                                                  count_title=t("satisfaction.count"),
                                                  too_few_label=t("satisfaction.too_few")),
        "heat_map": charts.category_heat_map(
            figures.heat_map, grid_title=t("satisfaction.grid"), category_title=t("satisfaction.category"),
            mean_title=t("satisfaction.mean"), too_few_label=t("satisfaction.too_few"),
            category_names={c: t(f"satisfaction.category.{c}") for c in satisfaction.CATEGORIES}),
    }
    return {name: len(json.dumps(chart.to_dict(), separators=(",", ":"), ensure_ascii=False).encode())
            for name, chart in built.items()}


def _databases(folder: Path, counts: tuple[int, ...]) -> dict[int, tuple]:
    """{ratings: (engine, world)}, each filled with that many ratings."""
    made = {}
    for count in counts:
        _url, engine, world = _fresh_database(folder, f"ratings-{count}.db")
        _fill(engine, world, count)
        made[count] = (engine, world)
    return made


def _emit_page_ratio(emit, baseline: tuple, measured: tuple, names: tuple[str, str], goal: str, **extra) -> None:  # noqa: ANN001
    (base_engine, base_world), (engine, world) = baseline, measured
    base_time, time_taken = _medians(lambda: _page(base_engine, base_world.actors["supervisor"]),
                                     lambda: _page(engine, world.actors["supervisor"]))
    emit(f"satisfaction_figures_{names[1]}_vs_{names[0]}", time_taken, base_time, "s", goal,
         baseline_is=f"page_figures + low_ratings (12 months, all grids) at {names[0]} ratings", repeats=REPEATS,
         summary_rows={names[0]: _summary_rows(base_engine), names[1]: _summary_rows(engine)}, **extra)


def run_all(emit) -> None:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-ratings-"))
    databases = _databases(folder, (1_000, 20_000, 200_000))
    small_engine, small_world = databases[1_000]
    big_engine, big_world = databases[200_000]
    _emit_page_ratio(emit, databases[1_000], databases[200_000], ("1k", "200k"), "ratio <= 1.5",
                     note="with complementary suppression (core.satisfaction.disclosure.protect) and 95% intervals")
    # The page reads the summary, whose size is bounded by months × grids × categories × channels ×
    # staff × who gave the score: 1,000 ratings fill a fifth of it, 20,000 nearly all of it. Past
    # that point the figures cost the same whatever the number of ratings.
    _emit_page_ratio(emit, databases[20_000], databases[200_000], ("20k", "200k"),
                     "ratio <= 1.5 (proposed: once the summary is full)")

    sizes = _chart_bytes(_page(big_engine, big_world.actors["supervisor"]))
    emit("satisfaction_largest_chart_bytes", float(max(sizes.values())), 10_000.0, "bytes",
         "value <= 10000 (ratio <= 1)", baseline_is="the 10 KB limit per chart", charts=sizes,
         measured_as="compact JSON of the Vega-Lite spec with its data, at 200,000 ratings in 9 grids")

    # The dashboard's month to date and the same days of last month, read from ratings by day (the
    # summary has months only): an index range of one month's live ratings, about 1/12 of them.
    def month_to_date(engine, world):  # noqa: ANN001, ANN202
        def read() -> None:
            with read_session(engine) as session:
                reports._satisfaction_figures(session, world.actors["supervisor"], date.today())
        return read

    base_time, time_taken = _medians(month_to_date(small_engine, small_world), month_to_date(big_engine, big_world))
    emit("dashboard_satisfaction_month_to_date_200k_vs_1k", time_taken, base_time, "s",
         "informational (one month's index range: ~17k entries at 200k, ~80 at 1k)",
         baseline_is="the same two reads at 1,000 ratings", repeats=REPEATS)

    small, big = _median_write(small_engine, small_world), _median_write(big_engine, big_world)
    emit("rating_write_200k_vs_1k", big, small, "s", "ratio <= 1.5",
         baseline_is="record_rating (with its summary upsert and audit row) at 1,000 ratings", runs=30)
