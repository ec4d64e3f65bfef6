"""年度考核 in a real browser: two workers write their summaries and score each other, the
supervisor types in the residents' forms, gives the 街道's score and signs off, and the worker
reads their result and files an objection."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from core.assessment import cycle
from core.office import users
from db.engine import write_session
from tests.e2e.conftest import choose, idle
from tests.e2e.test_login_journey import log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
SCORES = {"德": "90", "能": "85", "勤": "88", "绩": "92", "廉": "95"}


def _new_page(browser) -> Page:  # noqa: ANN001
    return browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()


def write_and_score(page: Page, url: str, username: str, summary: str, colleague: str) -> None:
    page.goto(f"{url}/assessment-annual")
    log_in(page, username)
    expect(page.get_by_role("heading", name="年度考核")).to_be_visible()
    page.get_by_role("textbox", name="述职报告").fill(summary)
    page.get_by_role("button", name="保存述职报告").click()
    expect(page.get_by_text("已保存述职报告。")).to_be_visible()
    idle(page)
    page.get_by_role("tab", name="互评同事").click()
    page.get_by_text(colleague, exact=True).click()  # the colleague's expander
    for criterion, score in SCORES.items():
        page.get_by_role("textbox", name=criterion, exact=True).fill(score)
    page.get_by_role("button", name="保存互评").click()
    expect(page.get_by_text("已保存互评。")).to_be_visible()


def test_two_workers_score_each_other_the_supervisor_signs_off_and_an_objection_is_filed(server, browser):
    world, year = server.world, date.today().year
    with write_session(server.engine) as session:
        partner = users.create_user(session, None, username="wgy.zhao", display_name="赵网格员", role="worker",
                                    community_id=world.community_id, grid_ids=[world.grid_ids[1]], password=PASSWORD,
                                    must_change_password=False).user
        for name in ("qian", "sun"):  # two more colleagues scored worker1 earlier
            colleague = users.actor_of(users.create_user(
                session, None, username=f"wgy.{name}", display_name=f"{name}网格员", role="worker",
                community_id=world.community_id, grid_ids=[world.grid_ids[1]], password=PASSWORD,
                must_change_password=False).user)
            cycle.score_colleague(session, colleague, world.actors["worker"].id, year, dict.fromkeys(SCORES, 80))
        partner_name = partner.display_name
    write_and_score(_new_page(browser), server.url, "worker1", "全年走访独居老人 120 人次。", partner_name)
    write_and_score(_new_page(browser), server.url, "wgy.zhao", "组织社区活动 24 场。", "worker one")

    page = _new_page(browser)
    page.goto(f"{server.url}/assessment-annual")
    log_in(page, "supervisor1")
    choose(page, "网格员", "worker one")
    expect(page.get_by_text("全年走访独居老人 120 人次。")).to_be_visible()  # their summary, to read
    idle(page)
    page.get_by_role("textbox", name="份数").fill("50")
    page.get_by_role("textbox", name="份数").press("Tab")
    page.get_by_role("button", name="录入", exact=True).click()
    expect(page.get_by_text("已录入群众测评表。")).to_be_visible()
    idle(page)
    page.get_by_role("textbox", name="街道评分").fill("86")
    page.get_by_role("textbox", name="街道评分").press("Tab")
    page.get_by_role("button", name="保存街道评分").click()
    expect(page.get_by_text("已保存街道评分。")).to_be_visible()
    idle(page)
    page.get_by_role("button", name="签署考核结果").click()
    expect(page.get_by_text("已签署考核结果，网格员现在可以查看。")).to_be_visible()

    page = _new_page(browser)
    page.goto(f"{server.url}/assessment-annual")
    log_in(page, "worker1")
    expect(page.get_by_text("考核结果已签署：总分", exact=False)).to_be_visible()
    page.get_by_role("textbox", name="复核申请").fill("街道评分未计入防汛值守")
    page.get_by_role("button", name="申请复核").click()
    expect(page.get_by_text("已提交复核申请。")).to_be_visible()
