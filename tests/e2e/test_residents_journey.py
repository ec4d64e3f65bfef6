"""Residents in a real browser: add a resident, find them by pinyin, import a roster and read its report."""

import csv
import io
import re
import urllib.request
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from core.base import validation
from core.residents.service import ResidentForm
from db.engine import write_session
from tests import hostile_sheets
from tests.e2e.conftest import choose
from tests.e2e.test_login_journey import log_in, switch_language
from tests.factories import make_resident_id, register, vault_for_tests
from tests.unit.residents.test_imports import BAD, GOOD, csv_bytes

pytestmark = pytest.mark.browser


def test_add_then_find_by_pinyin(server, page: Page):
    page.goto(f"{server.url}/resident-new")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="新增居民")).to_be_visible()
    page.get_by_role("textbox", name="姓名").fill("李秀兰")
    page.get_by_role("textbox", name="身份证号").fill(make_resident_id("19560214", "032"))
    page.get_by_role("textbox", name="身份证号").press("Enter")
    age = validation.age_on(date(1956, 2, 14), date.today())
    expect(page.get_by_text(f"出生日期 1956-02-14 · 女 · {age} 岁")).to_be_visible()
    page.get_by_role("textbox", name="地址").fill("和平里小区7号楼1单元502")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_text("已登记 李秀兰。")).to_be_visible()
    # An empty form for the next person (the browser keeps an input's value unless told otherwise).
    expect(page.get_by_role("textbox", name="姓名")).to_have_value("")
    expect(page.get_by_role("textbox", name="地址")).to_have_value("")

    page.goto(f"{server.url}/residents")
    search = page.get_by_role("textbox", name="搜索")
    search.fill("lxl")
    search.press("Enter")
    expect(page.get_by_text("第 1 / 1 页，共 1 条")).to_be_visible()
    # The table's toolbar offers search and full screen, but no CSV download around the audited export.
    page.get_by_test_id("stDataFrame").hover()
    toolbar = page.get_by_test_id("stElementToolbar")
    expect(toolbar.get_by_role("button", name="Search")).to_be_visible()
    expect(toolbar.get_by_role("button", name="Download as CSV")).to_have_count(0)
    search.fill("zhangsan")
    search.press("Enter")
    expect(page.get_by_text("没有符合条件的居民。")).to_be_visible()


def test_import_a_roster_and_download_the_report(server, page: Page, tmp_path):
    roster = tmp_path / "花名册.csv"
    roster.write_bytes(csv_bytes([[cell.replace("第二网格", "第一网格") for cell in row] for row in GOOD] + BAD, "gbk"))
    page.goto(server.url)
    log_in(page, "supervisor1")  # the roster holds 低保 and 留守儿童: not the admin's to set
    expect(page.get_by_role("heading", name=re.compile("您好"))).to_be_visible()
    # Let the login settle (its cookie written) before moving on, then go by the sidebar as a user does.
    for _ in range(40):
        if any(c["name"] == "linli_auth" for c in page.context.cookies()):
            break
        page.wait_for_timeout(250)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("导入居民")).click()
    expect(page.get_by_role("heading", name="导入居民花名册")).to_be_visible()
    # The picker reads in Chinese: Streamlit's own words ("Upload", "20MB per file") are hidden.
    # Its stylesheet is an element drawn after the picker: wait until the page has applied it.
    page.wait_for_function("""() => {
        const zone = document.querySelector('[data-testid="stFileUploaderDropzone"]');
        const button = zone && zone.querySelector('button p');
        const limit = zone && zone.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span');
        return button && limit && getComputedStyle(button).fontSize === '0px'
            && getComputedStyle(button, '::after').content === '"选择文件"'
            && getComputedStyle(limit).fontSize === '0px'
            && getComputedStyle(limit, '::after').content === '"单个文件不超过 20 MB · XLSX、CSV"';
    }""", timeout=15_000)
    report = check_then_import(page, roster)
    assert report[0] == ["line", "field", "reason"]
    assert sorted({row[0] for row in report[1:]}) == ["5", "6", "7", "8", "9"]


def check_then_import(page: Page, roster) -> list[list[str]]:  # noqa: ANN001
    """The roster of GOOD + BAD rows uploaded and checked (nothing imported), its problem report
    downloaded, then only the good rows imported. Returns the report's rows."""
    import_button = page.get_by_role("button", name="导入", exact=True)
    upload(page, roster, import_button)
    import_button.click()
    expect(page.get_by_text("共 8 行，其中 5 行有问题，未导入任何数据")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载问题报告（CSV）").click()
    report = list(csv.reader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    page.get_by_text("只导入正确的行", exact=True).click()
    import_button.click()
    expect(page.get_by_text("已导入 3 人；5 行未导入。")).to_be_visible()
    return report


def upload(page: Page, path, shown_after) -> None:  # noqa: ANN001
    uploader = page.locator("input[type=file]")
    for _ in range(3):  # a rerun racing the upload can drop it: clear and upload again until it shows
        uploader.set_input_files([])
        uploader.set_input_files(str(path))
        try:
            expect(shown_after).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            continue


def test_a_workbook_that_kills_its_reader_leaves_the_server_and_other_sessions_working(server, browser, page: Page,
                                                                                        tmp_path):
    """The 1.5 KB file that used to abort the whole server: a cell at XFD1048576 and no declared
    dimension, so only the child reader's memory limit stops it."""
    colleague = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    colleague.goto(f"{server.url}/residents")
    log_in(colleague, "supervisor1")
    expect(colleague.get_by_role("heading", name="居民")).to_be_visible()

    workbook = tmp_path / "花名册.xlsx"
    workbook.write_bytes(hostile_sheets.corner(declared=False))
    page.goto(f"{server.url}/resident-import")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="导入居民花名册")).to_be_visible()
    check = page.get_by_role("button", name="检查", exact=True)
    upload(page, workbook, check)
    check.click()
    expect(page.get_by_text("读取该工作簿需要超过 3,072 MB 内存")).to_be_visible()

    with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as answer:
        assert answer.status == 200
    search = colleague.get_by_role("textbox", name="搜索")  # the other session reruns as before
    search.fill("无此居民")
    search.press("Enter")
    expect(colleague.get_by_text("没有符合条件的居民。")).to_be_visible()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("居民$")).first.click()
    expect(page.get_by_role("heading", name="居民")).to_be_visible()  # and so does the worker's own
    colleague.context.close()


def test_a_language_switch_keeps_the_filters_and_reads_them_in_english(server, page: Page):
    world = server.world
    with write_session(server.engine) as session:
        for name, born, tags in (("语言甲", "19400101", ["elderly_alone"]), ("语言乙", "19500101", [])):
            register(session, world.actors["supervisor"], vault_for_tests(), ResidentForm(
                name=name, id_number=make_resident_id(born, "077"), grid_id=world.grid_ids[0], address="和平里1号",
                tags=tags))
    page.goto(f"{server.url}/residents")
    log_in(page, "supervisor1")
    page.get_by_role("textbox", name="搜索").fill("语言")
    page.get_by_role("textbox", name="搜索").press("Enter")
    expect(page.get_by_text("第 1 / 1 页，共 2 条")).to_be_visible()
    choose(page, "人员类别", "独居老人")
    expect(page.get_by_text("第 1 / 1 页，共 1 条")).to_be_visible()

    switch_language(page, "English")
    expect(page.get_by_role("heading", name="Residents")).to_be_visible()
    expect(page.get_by_role("combobox", name="Special groups")).to_have_value("Elderly living alone")
    expect(page.get_by_role("combobox", name="Grid")).to_have_value("All")
    expect(page.get_by_role("combobox", name="Status")).to_have_value("All")
    expect(page.get_by_text("Page 1 of 1, 1 in all")).to_be_visible()

    # Before the fix, the next change on the page silently dropped the group filter (2 found).
    choose(page, "Status", "Registered")
    expect(page.get_by_role("combobox", name="Status")).to_have_value("Registered")
    expect(page.get_by_text("Page 1 of 1, 1 in all")).to_be_visible()
    expect(page.get_by_role("combobox", name="Special groups")).to_have_value("Elderly living alone")
