"""街道总览 (街道干部): the communities side by side and combined, the chart and each community's
workbook; nothing a resident could be recognised by, on the screen or in the file."""

import io
from datetime import date, datetime, timedelta

import openpyxl

from core.mediation import dispute_types
from core.mediation import service as mediations
from core.office import users
from core.reporting import street
from core.residents.service import ResidentForm
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from tests.app.conftest import login, new_app, open_url, texts
from tests.app.test_admin_screens import street_officer
from tests.factories import make_resident_id, register, vault_for_tests

PERSONAL = ("王秀兰", "赵大海", "李四", "漏水", "服务态度差", "幸福里3号楼")


def _people_and_cases(app_world) -> None:  # noqa: ANN001
    world = app_world.world
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    now = datetime.now() - timedelta(minutes=5)
    with write_session(app_world.engine) as session:
        register(session, worker, vault_for_tests(), ResidentForm(
            name="王秀兰", id_number=make_resident_id("19440101", "031"), grid_id=world.grid_ids[0],
            address="幸福里3号楼1单元101", tags=["elderly_alone"]))
        kind = next(iter(dispute_types.offered(session, worker)))
        mediations.register(session, worker, mediations.CaseInput(
            intake_date=date.today(), source="application", type_id=kind, grid_id=world.grid_ids[0], facts="楼上漏水",
            parties=[mediations.PartyInput(name="赵大海"), mediations.PartyInput(side="respondent", name="李四")]))
        for score in (5, 4, 2, 5, 3, 1):
            satisfaction.record_rating(session, supervisor, satisfaction.RatingInput(
                score=score, category="visit", grid_id=world.grid_ids[0], rated_on=date.today(),
                comment="服务态度差"), now=now)


def test_the_street_compares_communities_and_downloads_a_workbook_without_personal_data(app_world):
    _people_and_cases(app_world)
    at = login(new_app(), street_officer(app_world))
    assert any(link.label == "打开街道总览：各社区数字并列与合计" for link in at.get("page_link"))
    at = open_url(at, "street")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["指标", "和平里社区", "安定门社区", "合计"]
    rows = dict(zip(table["指标"], zip(table["和平里社区"], table["安定门社区"], table["合计"], strict=True), strict=True))
    assert rows["在册居民"] == ("1", "0", "1")
    assert rows["未结调解案件"] == ("1", "0", "1")
    assert rows["本月评价数（1 日至今）"] == ("6", "0", "6")
    assert rows["本月平均分"][0] == "3.33"
    at.selectbox(key="street_chart_figure").select("cases_open").run()
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    download = at.get("download_button")[0]
    assert download.proto.label == "下载和平里社区月报 (.xlsx)"
    # The button's file is made on click, by this function, for this account (AppTest cannot click a download).
    with read_session(app_world.engine) as session:
        officer = users.actor_of(users.find_by_username(session, "jd.gb"))
        data = street.community_workbook(session, officer, app_world.world.community_id, date.today().replace(day=1))
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)
    assert "和平里社区" in cells
    picker = at.selectbox(key="street_workbook_community")
    assert picker.options == ["和平里社区", "安定门社区", "全部社区（合计）"]
    picker.select(0).run()  # 0: all communities together
    assert at.get("download_button")[0].proto.label == "下载全部社区（合计）月报 (.xlsx)"
    with read_session(app_world.engine) as session:
        combined = openpyxl.load_workbook(io.BytesIO(street.combined_workbook(session, officer, date.today())))
    cells += " ".join(str(cell) for sheet in combined for row in sheet.iter_rows(values_only=True) for cell in row
                      if cell is not None)
    assert "和平里社区、安定门社区" in cells
    shown = texts(at) + " ".join(str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel())
    assert not [word for word in PERSONAL if word in shown or word in cells]
