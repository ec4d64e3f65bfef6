"""Satisfaction in a real browser: a worker makes a QR code, a resident opens its link without
logging in and rates, the supervisor's count moves."""

import pytest
from playwright.sync_api import Page, expect

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
