"""Training in a real browser: a trainer creates a course, marks the roster, the worker sees the hours."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.browser


def test_create_course_mark_roster_worker_sees_hours(server, page: Page, browser):
    page.goto(f"{server.url}/courses")
    log_in(page, "trainer1")
    expect(page.get_by_role("heading", name="培训课程")).to_be_visible()
    page.get_by_role("textbox", name="课程名称").fill("入户走访沟通技巧")
    page.get_by_role("textbox", name="主题").fill("群众工作")
    participants = page.get_by_role("combobox", name="应参训人员")
    for name in ("supervisor one", "worker one"):
        participants.click()
        page.keyboard.type(name)
        page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="创建课程").click()
    expect(page.get_by_text("已创建课程 入户走访沟通技巧")).to_be_visible()
    expect(page.get_by_text("应到 2 人")).to_be_visible()

    # The roster grid is a canvas; rows are sorted by name, so row 1 is "supervisor one",
    # who left early: open its hours cell (third column), type the hours, confirm.
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    page.mouse.dblclick(box["x"] + box["width"] * 5 / 6, box["y"] + 35 + 17)
    editor = page.locator("input.gdg-input")  # the cell's editor, drawn over the canvas
    editor.fill("1.5")
    page.keyboard.press("Enter")
    expect(editor).to_have_count(0)
    expect(page.get_by_text("1 人的考勤尚未保存")).to_be_visible()  # the edit reached the server
    page.get_by_role("button", name="保存考勤").click()
    expect(page.get_by_text("考勤已保存。")).to_be_visible()
    expect(page.get_by_text("已签到 2 人")).to_be_visible()

    worker_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    worker = worker_context.new_page()
    worker.goto(f"{server.url}/my-training")
    log_in(worker, "worker1")
    expect(worker.get_by_role("heading", name="我的培训")).to_be_visible()
    expect(worker.get_by_test_id("stMetricValue").first).to_have_text("3")
    worker_context.close()

    supervisor_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    supervisor = supervisor_context.new_page()
    supervisor.goto(f"{server.url}/my-training")
    log_in(supervisor, "supervisor1")
    expect(supervisor.get_by_test_id("stMetricValue").first).to_have_text("1.5")
    supervisor_context.close()
