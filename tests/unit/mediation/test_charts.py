"""Mediation chart builders: pure functions of aggregated rows."""


def test_more_dispute_types_than_the_palette_get_distinct_colours():
    from core.mediation import charts as chart_module

    kinds = [f"类型{i}" for i in range(14)]
    chart = chart_module.cases_by_month_and_kind([{"month": "2026-11", "type": k, "cases": 1} for k in kinds], "type",
                                                 month_title="月份", count_title="件数", kind_title="类型")
    assert chart.to_dict()["encoding"]["color"]["scale"] == {"scheme": "tableau20"}
    few = chart_module.cases_by_month_and_kind([{"month": "2026-11", "type": "邻里", "cases": 1}], "type",
                                               month_title="月份", count_title="件数", kind_title="类型")
    assert "scale" not in few.to_dict()["encoding"]["color"]  # the app's own palette
