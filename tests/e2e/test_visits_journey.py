"""A worker's round on a phone (390 x 844) in a real browser: three visits recorded from the list,
the third finding a dispute that becomes a mediation case with the resident as applicant; a
number shown with one tap as a link to dial; the list, the form and the confirmation fit the
screen's width."""

import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.residents import service as residents
from db.engine import read_session, write_session
from db.models import MediationCase, Visit
from tests.e2e.conftest import choose, idle
from tests.e2e.test_login_journey import log_in
from tests.factories import make_resident_id, register, vault_for_tests
from tests.unit.activities.test_photos import phone_photo

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def fits_the_phone(page: Page, shot: Path) -> None:
    """Nothing wider than the screen: the page does not scroll sideways, and a full-page
    screenshot is the phone's width (a PNG's width is bytes 16-20 of its header)."""
    idle(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shot), full_page=True)
    assert struct.unpack(">I", shot.read_bytes()[16:20])[0] == PHONE["width"]


def test_a_worker_records_three_visits_on_a_phone_one_starting_a_case(server, browser, tmp_path):
    world = server.world
    with write_session(server.engine) as session:
        for name, born, tags, seq, address in (
                ("王奶奶", "19420101", ["elderly_alone"], "401", "幸福里小区2号楼1单元101"),
                ("李伯", "19600101", ["disabled"], "402", "幸福里小区1号楼1单元301"),
                ("张阿姨", "19700101", ["dibao"], "403", "幸福里小区1号楼2单元502")):
            register(session, world.actors["worker"], vault_for_tests(), residents.ResidentForm(
                name=name, id_number=make_resident_id(born, seq), grid_id=world.grid_ids[0], address=address,
                tags=tags, phone="13912345678" if name == "张阿姨" else ""), now=datetime(2025, 1, 1, 9))
    page = browser.new_context(locale="zh-CN", viewport=PHONE, has_touch=True).new_page()
    page.goto(f"{server.url}/round")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="我的走访")).to_be_visible()
    expect(page.get_by_text("今天到期和逾期的走访共 3 人")).to_be_visible()
    fits_the_phone(page, tmp_path / "round.png")

    # the number shows with one tap, as a link the phone dials (audited; only 张阿姨 has one)
    page.get_by_role("button", name="显示号码").click()
    expect(page.get_by_role("link", name="拨打 13912345678")).to_have_attribute("href", "tel:13912345678")
    fits_the_phone(page, tmp_path / "call.png")

    # 1: the first on the walk (1号楼1单元), with the defaults — 上门走访, today
    page.get_by_role("button", name="记录走访").first.click()
    expect(page.get_by_role("heading", name="李伯")).to_be_visible()
    expect(page.get_by_text("走访日期", exact=True)).to_be_visible()
    fits_the_phone(page, tmp_path / "form.png")
    page.get_by_role("button", name="保存走访").click()
    expect(page.get_by_text("已记录对 李伯 的走访。")).to_be_visible()
    fits_the_phone(page, tmp_path / "saved.png")

    # 2: by phone
    idle(page)
    page.get_by_role("button", name="记录走访").first.click()
    expect(page.get_by_role("heading", name="张阿姨")).to_be_visible()
    page.get_by_text("电话/视频探访", exact=True).click()
    page.get_by_role("button", name="保存走访").click()
    expect(page.get_by_text("已记录对 张阿姨 的走访。")).to_be_visible()

    # 3: a dispute found on the visit
    idle(page)
    page.get_by_role("button", name="记录走访").first.click()
    expect(page.get_by_role("heading", name="王奶奶")).to_be_visible()
    page.get_by_role("textbox", name="备注").fill("楼上漏水，与邻居争执")
    page.get_by_text("发现矛盾纠纷，转登记调解案件", exact=True).click()
    page.get_by_role("button", name="保存走访").click()
    expect(page.get_by_role("heading", name="登记矛盾纠纷")).to_be_visible()
    expect(page.get_by_text("走访中发现的纠纷")).to_be_visible()
    expect(page.get_by_text("申请人 · 王奶奶")).to_be_visible()
    idle(page)
    page.get_by_text("被申请人", exact=True).click()
    idle(page)
    page.get_by_role("tab", name="非本社区人员").click()
    page.get_by_role("textbox", name="姓名", exact=True).fill("楼上住户")
    page.get_by_role("button", name="添加当事人").click()
    expect(page.get_by_text("被申请人 · 楼上住户")).to_be_visible()
    choose(page, "纠纷类型", "邻里")
    page.get_by_role("button", name="登记案件").click()
    expect(page.get_by_text("已登记案件")).to_be_visible()

    with read_session(server.engine) as session:
        found = session.scalars(select(Visit).order_by(Visit.id)).all()
        case = session.scalar(select(MediationCase).order_by(MediationCase.id.desc()))
    assert [visit.method for visit in found] == ["home", "phone_video", "home"]
    assert found[2].case_id == case.id and case.facts == "楼上漏水，与邻居争执"


def test_a_worker_plans_an_activity_signs_up_and_takes_attendance_on_a_phone(server, browser, tmp_path):
    """社区活动 at 390 x 844: an activity for 独居老人 of grid 1 later today, two residents signed
    up, a walk-in, attendance taken, and the quarter's share of 独居老人 reached moves."""
    world = server.world
    with write_session(server.engine) as session:
        for name, seq in (("赵奶奶", "411"), ("钱爷爷", "412")):
            register(session, world.actors["worker"], vault_for_tests(), residents.ResidentForm(
                name=name, id_number=make_resident_id("19450101", seq), grid_id=world.grid_ids[0],
                address="幸福里小区3号楼1单元201", tags=["elderly_alone"]))
        alone = len(residents.search(session, world.actors["worker"], vault_for_tests(),
                                     residents.Filters(tag="elderly_alone", status="active")).rows)
    now = datetime.now()
    start = (now + timedelta(minutes=15)).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 5)
    if start.hour >= 23 or start.date() != now.date():  # no hour left today: just after midnight, when
        start = datetime.combine(now.date() + timedelta(days=1), datetime.min.time()).replace(minute=5)
    end = start + timedelta(hours=1)  # attendance opens two hours before the start, so it is open now
    same_quarter = (start.month - 1) // 3 == (now.month - 1) // 3  # the figures are this quarter's
    page = browser.new_context(locale="zh-CN", viewport=PHONE, has_touch=True).new_page()
    page.goto(f"{server.url}/activities")
    log_in(page, "worker1")
    expect(page.get_by_role("heading", name="社区活动")).to_be_visible()
    reached = page.get_by_test_id("stMetric").filter(has_text="独居老人")

    page.get_by_text("新建活动").click()
    page.get_by_role("textbox", name="活动名称").fill("冬至包饺子")
    day = page.get_by_test_id("stDateInput").filter(has_text="日期").locator("input")
    day.fill(f"{start:%Y-%m-%d}")
    day.press("Escape")  # typed, the calendar pop-up closes
    for label, value in (("开始时间", start), ("结束时间", end)):  # typed into the hour and minute segments
        page.get_by_role("spinbutton", name=f"小时, {label}").click()
        page.keyboard.type(f"{value:%H}")
        page.get_by_role("spinbutton", name=f"分钟, {label}").click()
        page.keyboard.type(f"{value:%M}")
    page.get_by_role("textbox", name="地点").fill("居委会活动室")
    choose(page, "面向人群", "独居老人")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="创建活动").click()
    expect(page.get_by_text("已创建活动「冬至包饺子」。")).to_be_visible()
    fits_the_phone(page, tmp_path / "activities.png")

    if same_quarter:  # 独居老人 of grid 1: these two, and any registered before
        expect(reached).to_contain_text(f"0 / {alone}")
    idle(page)
    grid = page.get_by_test_id("stDataFrame")  # a canvas: click the first row's selection cell
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 54)
    expect(page.get_by_role("heading", name="冬至包饺子")).to_be_visible()
    for name in ("赵奶奶", "钱爷爷"):
        choose(page, "为居民报名", name)
    page.keyboard.press("Escape")
    page.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_text("已报名 2 人，候补 0 人。")).to_be_visible()
    fits_the_phone(page, tmp_path / "signed.png")

    page.get_by_role("tab", name="签到").click()
    page.get_by_role("textbox", name="姓名").fill("王大妈")
    page.get_by_role("textbox", name="联系电话").fill("13700001111")
    page.get_by_role("button", name="登记现场参加").click()
    expect(page.get_by_text("已登记 王大妈 现场参加。")).to_be_visible()
    idle(page)
    page.get_by_role("tab", name="签到").click()
    for name in ("赵奶奶", "钱爷爷"):
        page.get_by_text(name, exact=True).click()
    page.get_by_role("button", name="保存签到").click()
    expect(page.get_by_text("已保存签到：名单中 2 人到场。")).to_be_visible()
    if same_quarter:
        expect(reached).to_contain_text(f"2 / {alone}")
    fits_the_phone(page, tmp_path / "attended.png")

    page.get_by_role("tab", name="照片").click()  # a photo from the phone, its position taken out
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "包饺子.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}])
    expect(page.get_by_text("包饺子.jpg")).to_be_visible()
    page.get_by_role("button", name="上传照片").click()
    expect(page.get_by_text("已保存照片（已去除位置等拍摄信息）。")).to_be_visible()
    fits_the_phone(page, tmp_path / "photo.png")
