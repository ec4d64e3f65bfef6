"""Satisfaction chart builders: pure functions of aggregated rows, small enough to send."""

import json
from datetime import date, datetime

import pytest

from core.base import chart_files
from core.satisfaction import charts
from core.satisfaction import service as satisfaction
from core.satisfaction.service import MIN_GROUP, RatingFilters
from db.engine import read_session, write_session
from tests.factories import make_world


def spec(chart):
    return chart.to_dict()


def datasets(chart):
    return list(spec(chart)["datasets"].values())


def compact_bytes(chart):
    return len(json.dumps(spec(chart), separators=(",", ":"), ensure_ascii=False).encode())


def layers(chart):
    return spec(chart)["layer"]


def trend_rows(months=24):
    rows = []
    for index in range(months):
        count = index % 9
        shown = count >= MIN_GROUP
        rows.append({"month": f"{2024 + index // 12}-{index % 12 + 1:02d}", "count": count,
                     "mean": 3.5 + index % 3 / 4 if shown else None, "csat": 0.6 if shown else None,
                     "too_few": 0 < count < MIN_GROUP})
    return rows


def heat_rows(grids=10):
    return [{"grid_id": g, "grid": f"第{g}网格", "category": category, "count": (g + i) % 8,
             "mean": 4.25 if (g + i) % 8 >= MIN_GROUP else None, "csat": None, "too_few": False}
            for g in range(grids) for i, category in enumerate(satisfaction.CATEGORIES)]


@pytest.mark.parametrize("second", ["csat", "count"])
def test_trend_encodes_months_mean_and_the_second_measure(second):
    rows = trend_rows()
    chart = charts.satisfaction_trend(rows, month_title="月份", mean_title="平均分", second_title="第二", second=second)
    other_layer, (band, mean_layer) = layers(chart)[0], layers(chart)[1]["layer"]
    assert mean_layer["encoding"]["y"]["field"] == "mean" and mean_layer["encoding"]["y"]["scale"]["domain"] == [1, 5]
    # the 95% interval is a band on the mean's own scale (one nested layer shares it)
    assert (band["mark"]["type"], band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == (
        "area", "mean_low", "mean_high")
    assert other_layer["encoding"]["y"]["field"] == second
    assert all(layer["encoding"]["x"]["field"] == "month" for layer in (other_layer, band, mean_layer))
    assert spec(chart)["resolve"]["scale"]["y"] == "independent"
    (data,) = datasets(chart)
    assert len(data) == len(rows)
    # A suppressed month carries no mean: the line has a gap, not a number.
    assert all(point["mean"] is None for point, row in zip(data, rows, strict=True) if row["too_few"])
    if second == "csat":  # two lines: each axis in its own line's colour, dots included
        for layer in (mean_layer, other_layer):
            colour = layer["mark"]["color"]
            assert layer["mark"]["point"]["color"] == colour
            assert layer["encoding"]["y"]["axis"]["titleColor"] == colour
        assert mean_layer["mark"]["color"] != other_layer["mark"]["color"]


def test_distribution_bars_or_one_label_when_too_few():
    rows = [{"score": k, "count": k * 2, "share": k / 15, "too_few": False} for k in range(1, 6)]
    chart = charts.score_distribution(rows, score_title="评分", count_title="数量", too_few_label="样本过少")
    encoding = spec(chart)["encoding"]
    assert (encoding["x"]["field"], encoding["y"]["field"], spec(chart)["mark"]["type"]) == ("score", "count", "bar")
    assert [d["count"] for d in datasets(chart)[0]] == [row["count"] for row in rows]
    hidden = [{"score": k, "count": None, "share": None, "too_few": True} for k in range(1, 6)]
    chart = charts.score_distribution(hidden, score_title="评分", count_title="数量", too_few_label="样本过少")
    assert spec(chart)["mark"]["type"] == "text" and datasets(chart)[0] == [{"label": "样本过少"}]


def test_heat_map_colours_only_groups_large_enough_and_labels_the_rest():
    rows = heat_rows()
    chart = charts.category_heat_map(rows, grid_title="网格", category_title="类别", mean_title="平均分",
                                     too_few_label="样本过少",
                                     category_names={"visit": "入户走访"})
    coloured, grey, labels = layers(chart)
    assert coloured["encoding"]["color"]["field"] == "mean"
    assert coloured["transform"] == [{"filter": "datum.mean !== null"}]
    assert "color" not in grey["encoding"] and grey["transform"] == [{"filter": "datum.mean === null"}]
    assert labels["encoding"]["text"]["field"] == "label"
    (data,) = datasets(chart)
    assert len(data) == len(rows)
    assert {d["label"] for d in data if d["mean"] is None} == {"样本过少"}
    assert "入户走访" in {d["category"] for d in data}


def test_heat_map_labels_a_cell_hidden_to_protect_another_apart_from_one_with_too_few():
    rows = [{"grid": "第一网格", "category": "visit", "mean": None, "count": 2, "too_few": True, "protected": False},
            {"grid": "第一网格", "category": "safety", "mean": None, "count": 9, "too_few": False, "protected": True},
            {"grid": "第一网格", "category": "other", "mean": 4.1, "count": 12, "too_few": False, "protected": False}]
    chart = charts.category_heat_map(rows, grid_title="网格", category_title="类别", mean_title="平均分",
                                     too_few_label="样本过少", hidden_label="已隐藏")
    assert [d["label"] for d in datasets(chart)[0]] == ["样本过少", "已隐藏", "4.10"]


def test_heat_map_rows_keep_the_offices_grid_order_not_the_alphabets():
    rows = [{"grid": grid, "category": "visit", "mean": 4.0, "count": 9} for grid in ("第一网格", "第二网格", "第三网格")]
    chart = charts.category_heat_map(rows, grid_title="网格", category_title="类别", mean_title="平均分",
                                     too_few_label="样本过少")
    coloured, _, _ = layers(chart)
    y = coloured["encoding"].get("y") or chart.to_dict()["encoding"]["y"]
    assert y["sort"] == ["第一网格", "第二网格", "第三网格"]  # 二 sorts after 三 by code point


def test_specs_stay_under_ten_kilobytes_at_realistic_sizes():
    sizes = {
        "trend": compact_bytes(charts.satisfaction_trend(trend_rows(60), month_title="月份", mean_title="平均分",
                                                         second_title="满意率")),
        "distribution": compact_bytes(charts.score_distribution(
            [{"score": k, "count": 10_000 * k, "share": 0.2, "too_few": False} for k in range(1, 6)],
            score_title="评分", count_title="数量", too_few_label="样本过少")),
        "heat_map": compact_bytes(charts.category_heat_map(heat_rows(12), grid_title="网格", category_title="类别",
                                                           mean_title="平均分", too_few_label="样本过少")),
    }
    assert max(sizes.values()) <= 10_000, sizes


def test_charts_from_real_figures(engine):
    world = make_world(engine)
    supervisor = world.actors["supervisor"]
    scores = (5, 4, 3, 2, 1, 5)
    with write_session(engine) as session:
        for score in scores:
            satisfaction.record_rating(session, supervisor, satisfaction.RatingInput(
                score=score, category="visit", grid_id=world.grid_ids[0], rated_on=date(2026, 6, 1)),
                now=datetime(2026, 6, 15, 9))
    with read_session(engine) as session:
        figures = satisfaction.page_figures(session, supervisor, RatingFilters(last_month=date(2026, 6, 1)),
                                            today=date(2026, 6, 15))
    trend = charts.satisfaction_trend(figures.trend, month_title="m", mean_title="m", second_title="c")
    heat = charts.category_heat_map(figures.heat_map, grid_title="g", category_title="c", mean_title="m",
                                    too_few_label="x")
    assert len(datasets(trend)[0]) == 12 and len(datasets(heat)[0]) == 1
    assert datasets(heat)[0][0]["mean"] == round(sum(scores) / len(scores), 2)


def test_a_chart_and_its_spec_render_to_the_same_png_picture():
    from core.satisfaction import charts

    chart = charts.score_distribution([{"score": s, "count": 10 * s, "share": s / 15} for s in range(1, 6)],
                                      score_title="评分", count_title="评价数", too_few_label="样本过少")
    picture = chart_files.to_png(chart, scale=1)
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) > 1000
    assert chart_files.to_png(chart.to_dict(), scale=1) == picture
