"""The 街道 in a real browser: the officer opens 街道总览 from home, reads the communities side by
side, compares one figure as a chart, and is refused a resident screen."""

import pytest
from playwright.sync_api import Page, expect

from core.office import users
from db.engine import write_session
from tests.e2e.conftest import choose, idle
from tests.e2e.test_login_journey import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_street_officer_compares_communities(server, page: Page):
    with write_session(server.engine) as session:
        users.create_user(session, None, username="jd.e2e", display_name="街道科长", role="street",
                          password=PASSWORD, must_change_password=False)
    page.goto(server.url)
    log_in(page, "jd.e2e")
    page.get_by_role("link", name="打开街道总览：各社区数字并列与合计").click()
    expect(page.get_by_role("heading", name="街道总览")).to_be_visible()
    idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    for header in ("和平里社区", "安定门社区", "合计"):
        expect(grid.get_by_text(header, exact=True).first).to_be_attached()
    choose(page, "指标", "未结调解案件")
    idle(page)
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    expect(page.get_by_role("button", name="下载和平里社区月报 (.xlsx)")).to_be_visible()
    page.goto(f"{server.url}/residents")
    expect(page.get_by_text("您的角色无权打开此页面。")).to_be_visible()


def test_the_system_administrator_is_guided_to_what_is_missing(server, page: Page):
    """No zero figures for an installation being set up: the steps left, each opening its screen."""
    with write_session(server.engine) as session:
        users.create_user(session, None, username="sys.e2e", display_name="系统管理员", role="sysadmin",
                          password=PASSWORD, must_change_password=False)
    page.goto(server.url)
    log_in(page, "sys.e2e")
    expect(page.get_by_role("heading", name="开始使用：还需完成以下几步")).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    idle(page)
    page.get_by_role("link", name="为每个社区开设管理员账号（用户管理）：尚缺 安定门社区").click()
    expect(page.get_by_role("heading", name="用户管理")).to_be_visible()
    expect(page.get_by_role("link", name="居民")).to_have_count(0)  # no residents' screens at all


def test_a_supervisor_reads_the_performance_overview_and_takes_the_sheet(server, page: Page):
    """绩效概览: the month's row of each worker, a definition behind each column, the sheet."""
    page.goto(f"{server.url}/assessment")
    log_in(page, "supervisor1")
    expect(page.get_by_role("heading", name="绩效概览")).to_be_visible()
    page.get_by_text("本月", exact=True).click()
    idle(page)
    expect(page.get_by_text("统计到", exact=False).first).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载本时段考核表（.xlsx）").click()
    assert download.value.suggested_filename.startswith("assessment-")
