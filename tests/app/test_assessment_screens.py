"""绩效概览 through the real app, on 15 November 2026 looking at October (the hand-counted office of
tests/unit/assessment): the supervisor sees every worker and downloads the sheet; a worker sees
only their own row, in the page and in the download."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from core.base import clock
from core.base.i18n import translate
from tests.app.conftest import login, new_app, open_url, texts
from tests.unit.assessment.test_overview import TODAY, build_october, build_office
from ui.assessment.table import COLUMNS


@pytest.fixture
def october(app_world, monkeypatch):  # noqa: ANN001, ANN201
    found = build_october(app_world.engine, build_office(app_world.engine, app_world.world))
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(TODAY, datetime.min.time()).replace(hour=10))
    return found


def last_month(username: str):  # noqa: ANN201
    at = open_url(login(new_app(), username), "assessment")
    at.radio(key=next(r.key for r in at.radio if "assessment_period" in r.key)).set_value("last_month").run()
    return at


def sheet_rows(at) -> list[tuple]:  # noqa: ANN001
    at.get("download_button")  # the sheet is built with the page: read what the button carries
    [button] = at.get("download_button")
    data = at.session_state["assessment_sheet"] if "assessment_sheet" in at.session_state else None
    del button
    return [] if data is None else list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_the_supervisor_sees_every_worker_and_downloads_the_sheet(october):
    at = last_month("supervisor1")
    assert not at.exception and at.title[0].value == "绩效概览"
    assert "2026-10-01 至 2026-10-31，统计到 2026-10-31；「较上期」与此前同样长的时段相比。" in texts(at)
    frame = at.dataframe[0].value
    assert list(frame["网格员"]) == ["网格员丁", "网格员丙", "网格员乙", "网格员甲"]
    jia = frame[frame["网格员"] == "网格员甲"].iloc[0]
    assert (jia["受理纠纷"], jia["调解成功"], jia["超期"], jia["走访按时率"], jia["平均评分"], jia["学时进度"]) == (
        "1", "1", "1", "0%", "4.0", "落后")
    assert (jia["调解成功较上期"], jia["培训学时较上期"]) == ("+1", "+6")
    assert frame[frame["网格员"] == "网格员乙"].iloc[0]["平均评分"] == "已隐藏（防推算）"
    assert list(at.dataframe[1].value["网格"]) == ["第一网格", "第二网格"]  # the grid totals
    assert [b.proto.label for b in at.get("download_button")] == ["下载本时段考核表（.xlsx）"]
    rows = sheet_rows(at)
    assert [row[0] for row in rows[1:]] == ["网格员丁", "网格员丙", "网格员乙", "网格员甲", "第一网格", "第二网格"]


def test_a_worker_sees_only_their_own_row_in_the_page_and_the_sheet(october):
    at = last_month("wgy.bing")
    assert not at.exception
    assert [list(f.value["网格员"]) for f in at.dataframe] == [["网格员丙"]]  # no colleague, no grid total
    assert not any(name in texts(at) for name in ("网格员甲", "网格员乙", "网格员丁"))
    assert [row[0] for row in sheet_rows(at)[1:]] == ["网格员丙"]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_column_says_how_it_is_counted(language):
    for name in COLUMNS:
        assert translate(language, f"assessment.help.{name}") != f"assessment.help.{name}"
