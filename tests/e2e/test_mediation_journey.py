"""A mediation case in a real browser: intake → session → agreement → follow-up → close."""

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.browser
# Bare addresses, as a worker may paste them: GFM would make each a link.
FACTS = "楼上漏水，双方就维修费用争执；物业见 www.example.org/notice 或 https://example.org，邮箱 wy@example.org"


def idle(page: Page) -> None:
    """Wait until the script run is over, so that what is clicked next is that run's final screen."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning")


def submit(page: Page, button: Locator, done: str) -> None:
    button.click()
    expect(page.get_by_text(done)).to_be_visible()


def open_first_case(page: Page, server) -> None:
    page.goto(f"{server.url}/cases")
    expect(page.get_by_role("heading", name="调解案件")).to_be_visible()
    # The table is a canvas: select its first row by clicking the row's selection cell.
    grid = page.get_by_test_id("stDataFrame")
    expect(grid).to_be_visible()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 54)
    expect(page.get_by_role("heading", name="办理过程")).to_be_visible()
    idle(page)


def open_expander(page: Page, label: str) -> None:
    """Click the expander's own summary (not another text that reads the same, such as a case
    state) and wait until it is open: its form is then drawn and can be filled."""
    expander = page.get_by_test_id("stExpander").filter(
        has=page.locator("summary").get_by_text(label, exact=True))
    expect(expander).to_have_count(1)
    expander.locator("summary").click()
    expect(expander.locator("details")).to_have_attribute("open", "")
    # The expander opens with an animation, and a click made during it was lost: traced with a
    # layout-shift observer, the mouse went down on the submit button and came up on the field
    # above it, as the content moved between the two. A person waits for it to open; so do we.
    page.wait_for_function("el => el.getAnimations({subtree: true}).length === 0",
                           arg=expander.element_handle())
    idle(page)


def test_intake_session_agreement_follow_up_close(server, page: Page):
    page.goto(f"{server.url}/case-new")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="登记矛盾纠纷")).to_be_visible()
    page.get_by_role("tab", name="非本社区人员").click()
    page.get_by_role("textbox", name="姓名").fill("赵老汉")
    page.get_by_role("button", name="添加当事人").click()
    expect(page.get_by_text("申请人 · 赵老汉")).to_be_visible()
    page.get_by_role("textbox", name="事实经过").fill(FACTS)
    page.get_by_role("button", name="登记案件").click()
    expect(page.get_by_text("已登记案件")).to_be_visible()
    expect(page.get_by_role("textbox", name="事实经过")).to_have_value("")  # ready for the next case

    open_first_case(page, server)
    # The facts read as typed, and the addresses in them are not links a click would follow.
    facts = page.get_by_test_id("stMarkdownContainer").filter(has_text="楼上漏水")
    expect(facts).to_have_count(1)
    assert facts.inner_text() == f"事实经过：{FACTS}"  # copies as typed, too
    expect(facts.locator("a")).to_have_count(0)
    submit(page, page.get_by_role("button", name="开始调解"), "已完成：开始调解")

    open_first_case(page, server)
    open_expander(page, "记录一次调解")
    page.get_by_role("textbox", name="在场人员").fill("赵老汉、网格员")
    page.get_by_role("textbox", name="调解情况").fill("现场查看漏水点")
    submit(page, page.get_by_role("button", name="保存").first, "已记录调解情况。")

    open_first_case(page, server)
    open_expander(page, "达成协议")
    page.get_by_role("textbox", name="协议内容").fill("楼上住户承担维修费 800 元")
    submit(page, page.get_by_role("button", name="达成协议"), "已完成：达成协议")

    open_first_case(page, server)
    expect(page.get_by_text("可共同申请司法确认至")).to_be_visible()
    open_expander(page, "回访")
    submit(page, page.get_by_role("button", name="回访"), "已完成：回访")

    open_first_case(page, server)
    submit(page, page.get_by_role("button", name="结案"), "已完成：结案")
