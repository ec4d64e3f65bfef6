"""Training in a real browser: a trainer creates a course, marks the roster, the worker sees the hours."""

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.training import categories
from core.training import service as training
from db.engine import read_session, write_session
from db.models import Attendance, Course
from tests.conftest import TEST_COOKIE_KEY
from tests.e2e.conftest import idle
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.browser


def test_create_course_mark_roster_worker_sees_hours(server, page: Page, browser):
    page.goto(f"{server.url}/courses")
    log_in(page, "trainer1")
    expect(page.get_by_role("heading", name="培训课程")).to_be_visible()
    page.get_by_role("combobox", name="类别").click()  # what its hours count toward: required
    page.keyboard.type("社会工作专业继续教育")
    page.keyboard.press("Enter")
    page.get_by_role("textbox", name="课程名称").fill("入户走访沟通技巧")
    page.get_by_role("textbox", name="主题").fill("群众工作")
    # Enter in a field sends nothing: with category, title and topic filled, it would have created
    # the course without its participants.
    page.get_by_role("textbox", name="主题").press("Enter")
    page.wait_for_timeout(1500)
    expect(page.get_by_text("已创建课程")).to_have_count(0)
    with read_session(server.engine) as session:
        assert session.scalar(select(Course).where(Course.title == "入户走访沟通技巧")) is None
    participants = page.get_by_role("combobox", name="应参训人员")
    for name in ("supervisor one", "worker one"):
        participants.click()
        page.keyboard.type(name)
        page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="创建课程").click()
    expect(page.get_by_text("已创建课程 入户走访沟通技巧")).to_be_visible()
    expect(page.get_by_text("应到 2 人")).to_be_visible()

    # Nobody is marked until the trainer marks them: mark everyone present in one click, then
    # correct the exception. The roster grid is a canvas; rows are sorted by name, so row 1 is
    # "supervisor one", who left early: open its hours cell (third column), type the hours, confirm.
    page.get_by_role("button", name="未标记的人全部设为出席").click()
    expect(page.get_by_text("2 人的考勤尚未保存")).to_be_visible()
    page.get_by_role("button", name="保存考勤").click()
    expect(page.get_by_text("考勤已保存。")).to_be_visible()
    idle(page)  # the saved roster's grid replaces the one before: measure the one that stays
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


def test_a_check_in_during_the_course_credits_the_part_still_to_come(server, page: Page):
    """Fifty minutes late to a three-hour course: 2 h 10 min left, credited 2 h (rounded down to
    the half hour), marked late; the trainer sees one person checked in."""
    world = server.world
    now = datetime.now().replace(second=0, microsecond=0)
    with write_session(server.engine) as session:
        course = training.create_course(session, world.actors["trainer"], training.CourseInput(
            category_id=categories.SOCIAL_WORK, title="网格员安全培训", topic="安全", starts_at=now - timedelta(minutes=50),
            ends_at=now + timedelta(minutes=130), credit_hours=3, participant_ids=[world.actors["admin"].id]),
            now=now - timedelta(days=1))
        link = f"{server.url}/checkin?code={training.checkin_token(TEST_COOKIE_KEY, course)}"
    page.goto(link)
    log_in(page, "admin1")
    page.get_by_role("button", name="确认签到").click()
    expect(page.get_by_text("已签到：网格员安全培训")).to_be_visible()
    with read_session(server.engine) as session:
        mark = session.scalars(select(Attendance).where(Attendance.course_id == course.id)).one()
    assert (mark.status, mark.hours) == ("late", 2.0)
    page.goto(f"{server.url}/my-training")
    expect(page.get_by_role("heading", name="我的培训")).to_be_visible()
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("2")  # hours this period
