"""A mediation case in a real browser, as the law asks: intake → sessions → written agreement and its
协议书 → follow-up → reopening → a new agreement → statistics."""

import io
from datetime import date

import openpyxl
import pytest
from docx import Document
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from db.engine import read_session
from db.models import DisputeType, MediationCase
from tests.e2e.conftest import choose, idle
from tests.e2e.test_login_journey import log_in

pytestmark = pytest.mark.browser
# Bare addresses, as a worker may paste them: GFM would make each a link.
FACTS = "楼上漏水，双方就维修费用争执；物业见 www.example.org/notice 或 https://example.org，邮箱 wy@example.org"


def submit(page: Page, button: Locator, done: str) -> None:
    button.click()
    expect(page.get_by_text(done)).to_be_visible()


def add_outside_parties(page: Page, applicant: str, respondent: str) -> None:
    """Two parties who are not residents of the community, typed by name on the intake form."""
    page.get_by_role("tab", name="非本社区人员").click()
    page.get_by_role("textbox", name="姓名", exact=True).fill(applicant)
    page.get_by_role("button", name="添加当事人").click()
    expect(page.get_by_text(f"申请人 · {applicant}")).to_be_visible()
    page.get_by_text("被申请人", exact=True).click()
    idle(page)
    page.get_by_role("tab", name="非本社区人员").click()  # the rerun showed the first tab again
    page.get_by_role("textbox", name="姓名", exact=True).fill(respondent)
    page.get_by_role("button", name="添加当事人").click()
    expect(page.get_by_text(f"被申请人 · {respondent}")).to_be_visible()


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


def log_session(page: Page, server, present: str, summary: str) -> None:
    open_first_case(page, server)
    open_expander(page, "记录一次调解")
    page.get_by_role("textbox", name="在场人员").fill(present)
    page.get_by_role("textbox", name="调解情况").fill(summary)
    submit(page, page.get_by_role("button", name="保存").first, "已记录调解情况。")


def written_agreement(page: Page, server, terms: str, amount: str) -> None:
    open_first_case(page, server)
    open_expander(page, "达成协议")
    page.get_by_role("textbox", name="各方责任").fill("楼上住户水管老化导致漏水，负全部责任")
    page.get_by_role("textbox", name="协议内容").fill(terms)
    page.get_by_role("textbox", name="协议金额（元）").fill(amount)
    page.get_by_role("textbox", name="履行方式").fill("现金")
    page.get_by_role("textbox", name="履行地点").fill("和平里社区居委会")
    deadline = page.get_by_test_id("stDateInput").filter(has_text="履行期限").locator("input")
    deadline.fill(date.today().isoformat())
    deadline.press("Escape")  # typed, the calendar pop-up closes
    submit(page, page.get_by_role("button", name="达成协议"), "已完成：达成协议")


def test_intake_sessions_agreement_document_follow_up_reopen_new_agreement_statistics(server, browser, page: Page,
                                                                                       tmp_path):
    """The issue's journey: intake → two sessions → a written agreement → its 协议书 downloaded and
    read → a follow-up finding 未履行 → reopened by a supervisor → a new agreement → statistics
    count one case settled (one 再次调解), not two."""
    page.goto(f"{server.url}/case-new")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="登记矛盾纠纷")).to_be_visible()
    add_outside_parties(page, "赵老汉", "钱大嫂")
    choose(page, "纠纷类型", "邻里")
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
    log_session(page, server, "赵老汉、钱大嫂、网格员", "现场查看漏水点")
    log_session(page, server, "赵老汉、钱大嫂", "双方就维修费用协商")
    written_agreement(page, server, "钱大嫂承担维修费 800 元", "800")

    open_first_case(page, server)
    expect(page.get_by_text("可共同申请司法确认至")).to_be_visible()
    page.get_by_role("button", name="生成人民调解协议书").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载人民调解协议书（.docx）").click()
    document = Document(io.BytesIO(download.value.path().read_bytes()))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "人民调解协议书" in text and "申请人：赵老汉" in text and "被申请人：钱大嫂" in text
    assert "钱大嫂承担维修费 800 元" in text and "本协议一式3份" in text and "和平里社区人民调解委员会（印）" in text

    open_first_case(page, server)
    open_expander(page, "回访")
    page.get_by_text("未履行", exact=True).click()
    page.get_by_text("已告知当事人可申请司法确认或向人民法院起诉").click()
    submit(page, page.get_by_role("button", name="回访"), "已完成：回访")

    supervisor = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    supervisor.goto(f"{server.url}/cases")
    log_in(supervisor, "supervisor1")
    open_first_case(supervisor, server)
    expect(supervisor.get_by_text("回访发现未履行")).to_be_visible()
    supervisor.get_by_role("button", name="重新打开").click()
    supervisor.get_by_role("textbox", name="说明").fill("回访发现未履行，双方同意再次调解")
    number = page.get_by_role("heading", level=3).first.inner_text().split(" · ")[0]
    submit(supervisor, supervisor.get_by_role("button", name=f"确认重新打开：{number}"), "已完成：重新打开")

    written_agreement(page, server, "钱大嫂分两期支付 600 元", "600")
    open_first_case(page, server)
    expect(page.get_by_text("此前的协议（1 份，已被再次调解取代）")).to_be_visible()
    page.get_by_role("button", name="生成人民调解卷宗").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载人民调解卷宗（.docx）").click()
    filed = Document(io.BytesIO(download.value.path().read_bytes()))
    titles = [p.text for p in filed.paragraphs if p.runs and p.runs[0].font.size and p.runs[0].font.size.pt == 22]
    assert titles == ["卷内文书目录", "人民调解受理登记表", "调解笔录", "调解笔录", "人民调解协议书", "人民调解协议书",
                      "回访记录", "卷宗备考表"]

    supervisor.goto(f"{server.url}/mediation-stats")
    expect(supervisor.get_by_role("heading", name="调解统计")).to_be_visible()
    with supervisor.expect_download() as download:
        supervisor.get_by_role("button", name="下载统计表（.xlsx）").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    total = dict(zip(header, rows[-1], strict=True))
    assert total["月份"] == "合计（案件只计一次）"
    assert (total["达成协议"], total["其中再次调解"], total["调解成功（件）"]) == (2, 1, 1)
    supervisor.context.close()


def add_outside_party(page: Page, name: str, address: str = "") -> None:
    page.get_by_role("tab", name="非本社区人员").click()
    page.get_by_role("textbox", name="姓名", exact=True).fill(name)
    if address:
        details = page.get_by_test_id("stExpander").filter(has=page.locator("summary").get_by_text("更多信息"))
        if details.locator("details").get_attribute("open") is None:
            details.locator("summary").click()
        page.get_by_role("textbox", name="地址", exact=True).fill(address)
    page.get_by_role("button", name="添加当事人").click()
    idle(page)


def test_a_repeat_dispute_warns_a_high_risk_reaches_the_supervisor_and_the_months_table_counts_it(
        server, browser, page: Page):
    """Issue 17's journey: a second case at the address of an earlier one warns before it is saved;
    a high risk with its report reaches the supervisor's home; the 卷宗 downloads; the 司法所 table of
    the month counts the cases."""
    address = "和平里小区12号楼3单元"
    page.goto(f"{server.url}/case-new")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="登记矛盾纠纷")).to_be_visible()
    numbers = []
    for round_ in range(2):
        add_outside_party(page, f"住户{round_}", address)
        page.get_by_text("被申请人", exact=True).click()
        idle(page)
        add_outside_party(page, f"楼上{round_}")
        if round_:
            warning = page.get_by_test_id("stAlert").filter(has_text="预警：近 12 个月内")
            expect(warning).to_be_visible()
            expect(warning).to_contain_text(numbers[0])
        choose(page, "纠纷类型", "邻里")
        page.get_by_role("textbox", name="事实经过").fill("楼道噪音扰民")
        page.get_by_role("button", name="登记案件").click()
        created = page.get_by_text("已登记案件")
        expect(created).to_be_visible()
        numbers.append(created.inner_text().split("已登记案件 ")[1].rstrip("。"))
        page.get_by_text("申请人", exact=True).click()
        idle(page)

    page.goto(f"{server.url}/cases")
    search = page.get_by_role("textbox", name="搜索案件")
    search.fill(numbers[1])
    search.press("Enter")
    expect(page.get_by_text("预警：近 12 个月内")).to_be_visible()
    open_expander(page, "激化风险：低")
    page.get_by_text("高", exact=True).click()
    page.get_by_role("textbox", name="风险原因").fill("一方扬言报复")
    page.get_by_role("textbox", name="已报告单位").fill("和平里派出所")
    reported = page.get_by_test_id("stDateInput").filter(has_text="报告日期").locator("input")
    reported.fill(date.today().isoformat())
    reported.press("Escape")
    submit(page, page.get_by_role("button", name="保存").last, "激化风险已保存。")

    supervisor = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    supervisor.goto(server.url)
    log_in(supervisor, "supervisor1")
    expect(supervisor.get_by_text(f"{numbers[1]}（一方扬言报复）")).to_be_visible()
    supervisor.goto(f"{server.url}/mediation-stats")
    expect(supervisor.get_by_role("heading", name="人民调解工作统计（报司法所）")).to_be_visible()
    with supervisor.expect_download() as download:
        supervisor.get_by_role("button", name="下载统计表（.xlsx）").click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    header, *rows = [list(row) for row in book["人民调解工作统计（报司法所）"].iter_rows(values_only=True)]
    neighbours = dict(zip(header, next(row for row in rows if row[0] == "邻里"), strict=True))
    with read_session(server.engine) as session:
        this_month = date.today().replace(day=1)
        expected = session.scalar(select(func.count()).select_from(MediationCase).where(
            MediationCase.intake_date >= this_month, MediationCase.type_id == neighbours_type(session)))
    assert neighbours["受理（件）"] == expected >= 2
    supervisor.context.close()


def neighbours_type(session) -> int:  # noqa: ANN001
    return session.scalar(select(DisputeType.id).where(DisputeType.name == "邻里"))


def test_a_community_keeps_its_own_dispute_types(server, page: Page):
    """A new community's admin adds a type of its own and leaves out a shared one; its case form
    then offers the one and not the other, and a case registered with its own type keeps it."""
    from core.office import communities, users
    from db.engine import write_session
    from tests.factories import PASSWORD, ROOT

    with write_session(server.engine) as session:
        community = communities.create_community(session, ROOT, name="交道口社区")
        grid = communities.create_grid(session, ROOT, community_id=community.id, name="交道口网格")
        users.create_user(session, None, username="jdk.admin", display_name="交道口管理员", role="admin",
                          community_id=community.id, password=PASSWORD, must_change_password=False)
        community_id, grid_id = community.id, grid.id
    page.goto(f"{server.url}/dispute-types")
    log_in(page, "jdk.admin")
    expect(page.get_by_role("heading", name="纠纷类型")).to_be_visible()
    page.get_by_role("textbox", name="名称").first.fill("噪音扰民")
    page.get_by_role("button", name="新增类型").click()
    expect(page.get_by_text("已保存 噪音扰民。")).to_be_visible()
    idle(page)
    page.get_by_role("tab", name="使用哪些共用类型").click()
    page.get_by_test_id("stCheckbox").filter(has_text="山林土地").click()
    page.get_by_role("button", name="保存").last.click()
    expect(page.get_by_text("已保存本社区使用的共用类型。")).to_be_visible()

    page.goto(f"{server.url}/case-new")
    expect(page.get_by_role("heading", name="登记矛盾纠纷")).to_be_visible()
    idle(page)
    page.get_by_role("combobox", name="纠纷类型").click()
    page.keyboard.type("山林")
    expect(page.get_by_role("option", name="山林土地")).to_have_count(0)
    page.keyboard.press("Escape")
    add_outside_parties(page, "孙阿姨", "楼上住户")
    choose(page, "纠纷类型", "噪音扰民")
    choose(page, "网格", "交道口网格")
    page.get_by_role("textbox", name="事实经过").fill("楼上深夜噪音")
    page.get_by_role("button", name="登记案件").click()
    expect(page.get_by_text("已登记案件")).to_be_visible()
    with read_session(server.engine) as session:
        kind = session.scalar(select(DisputeType).join(MediationCase, MediationCase.type_id == DisputeType.id)
                              .where(MediationCase.grid_id == grid_id))
        assert (kind.name, kind.community_id) == ("噪音扰民", community_id)
