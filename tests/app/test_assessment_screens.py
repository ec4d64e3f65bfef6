"""绩效概览 through the real app, on 15 November 2026 looking at October (the hand-counted office of
tests/unit/assessment): the supervisor sees every worker and downloads the sheet; a worker sees
only their own row, in the page and in the download."""

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from core.base import clock
from core.base.i18n import translate
from tests.app.conftest import login, new_app, open_url, texts
from tests.unit.assessment.test_overview import TODAY, build_october, build_office
from ui.assessment.table import COLUMNS


@pytest.fixture
def october(app_world, monkeypatch):  # noqa: ANN001, ANN201
    found = build_october(app_world.engine, build_office(app_world.engine, app_world.world))
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(TODAY, datetime.min.time()).replace(hour=10))
    return found


def last_month(username: str):  # noqa: ANN201
    at = open_url(login(new_app(), username), "assessment")
    at.radio(key=next(r.key for r in at.radio if "assessment_period" in r.key)).set_value("last_month").run()
    return at


def sheet_rows(at) -> list[tuple]:  # noqa: ANN001
    at.get("download_button")  # the sheet is built with the page: read what the button carries
    [button] = at.get("download_button")
    data = at.session_state["assessment_sheet"] if "assessment_sheet" in at.session_state else None
    del button
    return [] if data is None else list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_the_supervisor_sees_every_worker_and_downloads_the_sheet(october):
    at = last_month("supervisor1")
    assert not at.exception and at.title[0].value == "绩效概览"
    assert "2026-10-01 至 2026-10-31，统计到 2026-10-31；「较上期」与此前同样长的时段相比。" in texts(at)
    frame = at.dataframe[0].value
    assert list(frame["网格员"]) == ["网格员丁", "网格员丙", "网格员乙", "网格员甲"]
    jia = frame[frame["网格员"] == "网格员甲"].iloc[0]
    assert (jia["受理纠纷"], jia["调解成功"], jia["超期"], jia["走访按时率"], jia["平均评分"], jia["学时进度"]) == (
        "1", "1", "1", "0%", "4.0", "落后")
    assert (jia["调解成功较上期"], jia["培训学时较上期"]) == ("+1", "+6")
    assert frame[frame["网格员"] == "网格员乙"].iloc[0]["平均评分"] == "已隐藏（防推算）"
    assert list(at.dataframe[1].value["网格"]) == ["第一网格", "第二网格"]  # the grid totals
    assert [b.proto.label for b in at.get("download_button")] == ["下载本时段考核表（.xlsx）"]
    rows = sheet_rows(at)
    assert [row[0] for row in rows[1:]] == ["网格员丁", "网格员丙", "网格员乙", "网格员甲", "第一网格", "第二网格"]


def test_a_worker_sees_only_their_own_row_in_the_page_and_the_sheet(october):
    at = last_month("wgy.bing")
    assert not at.exception
    assert [list(f.value["网格员"]) for f in at.dataframe] == [["网格员丙"]]  # no colleague, no grid total
    assert not any(name in texts(at) for name in ("网格员甲", "网格员乙", "网格员丁"))
    assert [row[0] for row in sheet_rows(at)[1:]] == ["网格员丙"]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_column_says_how_it_is_counted(language):
    for name in COLUMNS:
        assert translate(language, f"assessment.help.{name}") != f"assessment.help.{name}"


# --- 年度考核 ------------------------------------------------------------------------------------

def annual(username: str):  # noqa: ANN201
    """年度考核 of 2026, the year the fixtures write, whatever year it is now."""
    from tests.unit.assessment.test_cycle import YEAR

    at = open_url(login(new_app(), username), "assessment-annual")
    return at.selectbox(key="annual_year").select(YEAR).run()


def four_workers(app_world):  # noqa: ANN001, ANN201
    from core.office import users
    from db.engine import write_session
    from tests.factories import PASSWORD

    world = app_world.world
    with write_session(app_world.engine) as session:
        more = [users.actor_of(users.create_user(
            session, None, username=f"wgy.{n}", display_name=f"网格员{n}", role="worker",
            community_id=world.community_id, grid_ids=[world.grid_ids[1]], password=PASSWORD,
            must_change_password=False).user) for n in ("b", "c", "d")]
    return [world.actors["worker"], *more]


def test_a_worker_writes_a_summary_and_scores_a_colleague_seeing_no_score_of_their_own(app_world, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 20, 10))
    from core.assessment import cycle
    from db.engine import write_session
    from tests.unit.assessment.test_cycle import ALL, YEAR

    workers = four_workers(app_world)
    with write_session(app_world.engine) as session:  # two colleagues scored worker1 already
        for colleague in workers[1:3]:
            cycle.score_colleague(session, colleague, workers[0].id, YEAR, ALL)
    at = annual("worker1")
    assert not at.exception
    assert "已有 2 名同事完成互评（不显示任何人的打分）" in texts(at)
    assert "90" not in texts(at)  # what they gave is nowhere
    at.text_area(key=f"annual_summary_{YEAR}").input("全年走访独居老人 120 人次，调解纠纷 15 件。")
    at.button(key="FormSubmitter:annual_summary-保存述职报告").click().run()
    assert "已保存述职报告。" in texts(at)
    colleague = workers[1].id
    at.text_input(key=f"peer_{YEAR}_{colleague}_德").input("120")
    at.button(key=f"FormSubmitter:peer_{YEAR}_{colleague}-保存互评").click().run()
    shown = "\n".join(e.value for e in at.error)
    assert "德：请填写 0 到 100 之间的分数" in shown and "廉：请填写 0 到 100 之间的分数" in shown
    for criterion, score in ALL.items():
        at.text_input(key=f"peer_{YEAR}_{colleague}_{criterion}").input(str(score))
    at.button(key=f"FormSubmitter:peer_{YEAR}_{colleague}-保存互评").click().run()
    assert "已保存互评。" in texts(at)
    at.button(key=f"record_{workers[0].id}_{YEAR}").click().run()  # their own record, as a file
    assert "下载年度考核登记表（.docx）" in [b.proto.label for b in at.get("download_button")]


def test_the_supervisor_types_forms_scores_and_signs_off_then_answers_the_objection(app_world, monkeypatch):
    from core.assessment import cycle
    from db.engine import write_session
    from tests.unit.assessment.test_cycle import ALL, NOW, YEAR

    monkeypatch.setattr(clock, "now", lambda: NOW)  # December of the fixtures' year: 今年 is that year

    workers = four_workers(app_world)
    supervisor = app_world.world.actors["supervisor"]
    target = workers[0].id
    with write_session(app_world.engine) as session:
        for colleague in workers[1:]:
            cycle.score_colleague(session, colleague, target, YEAR, ALL)
    at = annual("supervisor1")
    at.selectbox(key="annual_worker").select(target).run()
    at.text_input(key=f"forms_count_{target}").input("0")
    at.button(key=f"FormSubmitter:forms_{target}_{YEAR}-录入").click().run()
    assert any(e.value.startswith("份数：") for e in at.error)
    at.text_input(key=f"forms_count_{target}").input("50")
    at.button(key=f"FormSubmitter:forms_{target}_{YEAR}-录入").click().run()
    assert "已录入群众测评表。" in texts(at)
    at.text_input(key=f"street_score_{target}").input("85")
    at.button(key=f"FormSubmitter:street_{target}_{YEAR}-保存街道评分").click().run()
    assert "按现有得分，总分 94.5，优秀。" in texts(at)  # 0.3 × 85 + 0.1 × 90 + 0.6 × 100
    at.button(key=f"FormSubmitter:sign_off_{target}_{YEAR}-签署考核结果").click().run()
    assert "已签署考核结果，网格员现在可以查看。" in texts(at)
    worker = annual("worker1")
    assert "考核结果已签署：总分 94.5，优秀。" in texts(worker)
    worker.text_area(key=f"annual_objection_{YEAR}").input("街道评分未计入下半年的防汛工作")
    worker.button(key="FormSubmitter:annual_objection-申请复核").click().run()
    assert "已提交复核申请。" in texts(worker)
    at = annual("supervisor1")
    at.selectbox(key="annual_worker").select(target).run()
    at.text_area(key=f"answer_{target}_{YEAR}_text").input("已核实，防汛工作已计入，维持原结果")
    at.button(key=f"FormSubmitter:answer_{target}_{YEAR}-答复复核").click().run()
    assert "已答复复核。" in texts(at)
    del supervisor
    overview_page = open_url(login(new_app(), "supervisor1"), "assessment")  # this year's sheet: figures, then scores
    overview_page.radio(key=next(r.key for r in overview_page.radio if "assessment_period" in r.key)) \
        .set_value("this_year").run()
    header, *rows = sheet_rows(overview_page)
    scored = dict(zip(header, next(row for row in rows if row[0] == "worker one"), strict=True))
    assert (scored["总分"], scored["等次"]) == ("94.5", "优秀")


def test_the_admin_sets_the_scheme_and_a_bad_one_is_refused(app_world):
    at = open_url(login(new_app(), "admin1"), "assessment-scheme")
    assert not at.exception
    at.number_input(key="scheme_weight_street").set_value(40)
    at.button(key="FormSubmitter:assessment_scheme-保存").click().run()
    assert any("三项权重合计须为 100（现为 110）" in e.value for e in at.error)
    at.number_input(key="scheme_weight_street").set_value(30)
    at.number_input(key="scheme_cap").set_value(20)
    at.button(key="FormSubmitter:assessment_scheme-保存").click().run()
    assert "已保存考核方案。" in texts(at)


def test_the_street_picks_a_community_and_reads_its_rows(app_world, october):
    from core.office import users
    from db.engine import write_session
    from tests.factories import PASSWORD

    with write_session(app_world.engine) as session:
        users.create_user(session, None, username="jd.wang", display_name="街道科长", role="street",
                          password=PASSWORD, must_change_password=False)
    at = open_url(login(new_app(), "jd.wang"), "assessment")
    at.selectbox(key="assessment_community").select(app_world.world.community_id)
    at.radio(key=next(r.key for r in at.radio if "assessment_period" in r.key)).set_value("last_month").run()
    assert not at.exception
    assert list(at.dataframe[0].value["网格员"]) == ["网格员丁", "网格员丙", "网格员乙", "网格员甲"]


def test_residents_fill_in_the_workers_evaluation_form_by_its_qr_code(app_world, monkeypatch):
    from sqlalchemy import select

    from db.engine import read_session
    from db.models import AssessmentVote
    from tests.unit.assessment.test_cycle import NOW, YEAR

    monkeypatch.setattr(clock, "now", lambda: NOW)
    target = four_workers(app_world)[0].id
    at = annual("supervisor1")
    at.selectbox(key="annual_worker").select(target).run()
    at.button(key=f"make_evaluation_code_{target}_{YEAR}").click().run()
    token = at.session_state[f"evaluation_code_{target}_{YEAR}"][0]
    assert "下载二维码图片" in [b.proto.label for b in at.get("download_button")]  # to print and put up

    public = new_app()
    public.query_params["t"] = token
    public = open_url(public.run(), "rate")
    assert not public.exception and f"对网格员 worker one {YEAR} 年度工作的评价" in texts(public)
    public.button[0].click().run()  # no answer chosen
    assert "请选择满意、基本满意或不满意" in [e.value for e in public.error]
    public.radio(key="evaluation_verdict").set_value("basic")
    public.radio(key="evaluation_ordinary").set_value(False)
    public.button[0].click().run()
    assert "感谢您的评价" in texts(public)
    with read_session(app_world.engine) as session:
        assert session.execute(select(AssessmentVote.verdict, AssessmentVote.ordinary, AssessmentVote.channel,
                                      AssessmentVote.typed_by)).all() == [("basic", False, "qr", None)]
