"""Satisfaction in a real browser: a worker makes a QR code, a resident opens its link without
logging in and rates, the supervisor's count moves."""

import csv
import io
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from core.satisfaction import service as satisfaction
from db.engine import write_session
from db.models import User
from tests.e2e.conftest import choose, idle
from tests.e2e.test_login_journey import log_in, switch_language

pytestmark = pytest.mark.browser


def new_page(browser) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    return context.new_page()


def rating_count(page: Page) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text="评价数").first
    return metric.get_by_test_id("stMetricValue").inner_text()


def test_scan_link_rate_and_the_supervisor_count_moves(server, page: Page, browser):
    supervisor = new_page(browser)
    supervisor.goto(f"{server.url}/satisfaction")
    log_in(supervisor, "supervisor1")
    expect(supervisor.get_by_role("heading", name="满意度")).to_be_visible()
    expect(supervisor.get_by_test_id("stMetric").filter(has_text="评价数").first).to_be_visible()
    before = int(rating_count(supervisor))

    page.goto(f"{server.url}/ratings")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="收集评价")).to_be_visible()
    page.get_by_role("tab", name="评价二维码").click()
    page.get_by_role("button", name="生成二维码").click()
    link = page.get_by_test_id("stCode").filter(has_text="/rate?t=").inner_text().strip()
    assert link.startswith(f"{server.url}/rate?t=")  # an address a phone camera can open

    resident = new_page(browser)  # a phone: no login, no cookie
    resident.goto(link)
    expect(resident.get_by_role("heading", name="请为我们的服务评价")).to_be_visible()
    expect(resident.get_by_test_id("stSidebar")).to_have_count(0)
    resident.get_by_role("radio", name="4 out of 5 stars").click()
    resident.get_by_role("textbox", name="意见或建议（可选）").fill("办事很耐心")
    resident.get_by_role("button", name="提交评价").click()
    expect(resident.get_by_text("感谢您的评价")).to_be_visible()

    resident.goto(link)  # the code was for one service: it is used now
    expect(resident.get_by_text("该二维码已提交过评价")).to_be_visible()

    supervisor.reload()
    expect(supervisor.get_by_test_id("stMetric").filter(has_text="评价数").first
           .get_by_test_id("stMetricValue")).to_have_text(str(before + 1))


def test_a_rating_half_entered_survives_a_language_switch(server, page: Page):
    """Form fields are kept in the browser until the form is sent: what was typed stays, and a
    choice reads in the new language (a choice not yet sent shows the one Linli has, not the old word)."""
    page.goto(f"{server.url}/ratings")
    log_in(page, "supervisor1")
    expect(page.get_by_role("heading", name="收集评价")).to_be_visible()
    page.get_by_role("textbox", name="意见").fill("楼道灯坏了三天")
    switch_language(page, "English")
    expect(page.get_by_role("heading", name="Collect ratings")).to_be_visible()
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("楼道灯坏了三天")
    expect(page.get_by_role("combobox", name="Category")).to_have_value("Home visit")


def heat_map_rows(page: Page) -> list[dict[str, str]]:
    """The grid × category data as downloaded: exactly what the chart shows."""
    idle(page)  # the button of the run before a filter change downloads nothing once replaced
    button = page.get_by_test_id("stDownloadButton").filter(has_text="数据 CSV").nth(2)
    with page.expect_download() as download:
        button.click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_worker_cannot_rate_themselves_and_a_small_group_stays_hidden_under_every_filter(server, page: Page,
                                                                                          browser):
    world = server.world
    page.goto(f"{server.url}/ratings")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="收集评价")).to_be_visible()
    expect(page.get_by_role("combobox", name="相关工作人员")).to_have_value("（未指定）")
    page.get_by_role("combobox", name="相关工作人员").click()
    expect(page.get_by_role("option", name="supervisor one")).to_be_visible()
    expect(page.get_by_role("option", name="worker one")).to_have_count(0)  # nobody rates themselves
    page.keyboard.press("Escape")

    # 第二网格: six home-visit ratings the supervisor entered, two residents' own about the environment
    with write_session(server.engine) as session:
        for score in (5, 4, 4, 3, 5, 4):
            satisfaction.record_rating(session, world.actors["supervisor"], satisfaction.RatingInput(
                score=score, category="visit", grid_id=world.grid_ids[1], worker_id=world.actors["worker"].id,
                rated_on=date.today(), channel="visit"))
        poster = satisfaction.issue_token(session, world.actors["supervisor"], "e2e", satisfaction.TokenRequest(
            kind="poster", grid_id=world.grid_ids[1], category="environment", hourly_limit=100))
        for score in (1, 2):
            satisfaction.submit_public_rating(session, "e2e", poster.token, score=score)
        # the language journey above left this account in English; this one reads the Chinese words
        session.execute(update(User).where(User.username == "supervisor1").values(language="zh-CN"))

    supervisor = new_page(browser)
    supervisor.goto(f"{server.url}/satisfaction")
    log_in(supervisor, "supervisor1")
    expect(supervisor.get_by_role("heading", name="满意度")).to_be_visible()
    filters = [None, ("网格", "第二网格"), ("渠道", "入户走访"), ("渠道", "全部"), ("类别", "环境卫生"),
               ("评价来源", "居民自评")]
    for step in filters:
        if step:
            choose(supervisor, *step)
            expect(supervisor.get_by_role("combobox", name=step[0])).to_have_value(step[1])
        rows = heat_map_rows(supervisor)
        small = [row["平均分"] for row in rows if row["网格"] == "第二网格" and row["类别"] == "环境卫生"]
        assert small in ([], ["样本过少"]), step  # never a number, whatever the filter
        for line in ([r for r in rows if r["网格"] == "第二网格"], [r for r in rows if r["类别"] == "环境卫生"], rows):
            hidden = [r for r in line if r["平均分"] in ("样本过少", "已隐藏（防推算）")]
            assert len(hidden) != 1 or len(line) == 1, (step, line)  # never alone beside its total
        if step is None:  # the visits beside it are hidden so that the row's total cannot give it away
            visits = [r["平均分"] for r in rows if r["网格"] == "第二网格" and r["类别"] == "入户走访"]
            assert visits == ["已隐藏（防推算）"]
    supervisor.context.close()
