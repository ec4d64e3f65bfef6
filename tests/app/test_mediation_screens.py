"""Mediation screens through the real app: register, move through the states, to-do, statistics."""

import json
import os
from datetime import date

from sqlalchemy import func, select

from core.mediation import dispute_types
from core.mediation import service as mediations
from db.engine import read_session
from db.models import CaseStateChange, DisputeType, MediationCase
from tests.app.conftest import login, new_app, open_url, texts


def neighbour_type() -> int:
    from db.engine import make_engine

    with read_session(make_engine(os.environ["DATABASE_URL"])) as session:
        return session.scalar(select(DisputeType.id).where(DisputeType.community_id.is_(None),
                                                           DisputeType.name == "邻里"))


def register_through_the_screen(at, *, facts="楼上漏水，双方就维修费用争执", intake=None):
    open_url(at, "case-new")
    if intake is not None:
        at.date_input(key="case_new_intake").set_value(intake)
    at.tabs[1].text_input(key="case_new_outside_name").input("张三")
    at.button(key="case_new_add_outside").click().run()
    at.radio(key="case_new_side").set_value("respondent").run()
    at.text_input(key="case_new_outside_name").input("李四")
    at.button(key="case_new_add_outside").click().run()
    at.selectbox(key="case_new_type").set_value(neighbour_type())  # no type is chosen for the worker
    at.text_area(key="case_new_facts").input(facts)
    at.button(key="case_new_submit").click().run()
    return at


def open_case(at, row=0):
    open_url(at, "cases")
    at.session_state["cases_table"] = {"selection": {"rows": [row], "columns": []}}
    return at.run()


def test_worker_registers_and_runs_a_case_to_the_end(app_world):
    from datetime import timedelta

    at = register_through_the_screen(login(new_app(), "worker1"), intake=date.today() - timedelta(days=3))
    year = mediations.clock.now().year
    assert f"已登记案件 {year}-0001" in texts(at)
    # The form is empty for the next case (a backdated intake back to today), and the notice
    # says where the new one is.
    assert at.text_area(key="case_new_facts").value == "" and at.text_input(key="case_new_amount").value == "0"
    assert at.date_input(key="case_new_intake").value == date.today()
    with read_session(app_world.engine) as session:
        assert session.scalar(select(MediationCase.intake_date)) == date.today() - timedelta(days=3)
    assert [link.label for link in at.get("page_link") if "调解案件" in link.label] == ["打开调解案件"]
    at = open_case(at)
    assert [b.label for b in at.button if b.key and b.key.startswith("case_")] == ["开始调解", "转介", "撤回"]
    at.button(key=next(b.key for b in at.button if b.label == "开始调解")).click().run()
    assert "已完成：开始调解" in texts(at)
    at = open_case(at)
    next(f for f in at.text_area if f.label == "协议内容").input("李四承担维修费 800 元")
    next(b for b in at.button if b.label == "达成协议").click().run()
    # A written agreement needs what 人民调解法 art. 29 lists: each refusal beside its field.
    assert {e.value.split("：")[0] for e in at.error} == {"各方责任", "履行方式", "履行地点", "履行期限"}
    next(f for f in at.text_area if f.label == "各方责任").input("李四家水管老化，负全部责任")
    next(f for f in at.text_input if f.label == "履行方式").input("现金")
    next(f for f in at.text_input if f.label == "履行地点").input("和平里社区居委会")
    next(f for f in at.date_input if f.label == "履行期限").set_value(date.today())
    next(b for b in at.button if b.label == "达成协议").click().run()
    assert "已完成：达成协议" in texts(at)
    at = open_case(at)
    assert any("可共同申请司法确认至" in i.value for i in at.info)
    next(b for b in at.button if b.label == "回访").click().run()
    at = open_case(at)
    next(b for b in at.button if b.label == "结案").click().run()
    with read_session(app_world.engine) as session:
        case = session.scalar(select(MediationCase))
        assert case.state == "closed"
        states = session.scalars(select(CaseStateChange.to_state).order_by(CaseStateChange.id)).all()
    assert states == ["received", "in_mediation", "agreed", "followed_up", "closed"]


def test_a_case_without_parties_is_refused_at_the_field(app_world):
    at = open_url(login(new_app(), "worker1"), "case-new")
    at.text_area(key="case_new_facts").input("事实")
    at.button(key="case_new_submit").click().run()
    assert any(e.value.startswith("当事人：至少需要一位当事人") for e in at.error)
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(MediationCase)) == 0


def test_statistics_charts_read_aggregated_rows_only(app_world):
    register_through_the_screen(login(new_app(), "worker1"))
    at = open_url(login(new_app(), "supervisor1"), "mediation-stats")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["受理"])[-2] == 1 and len(table) == 13  # twelve months (the empty ones as zeros), the total
    assert list(table["月份"])[-1] == "合计（案件只计一次）"
    # Altair charts come back as unknown elements: read their spec from the proto.
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3
    specs = [json.loads(chart.proto.spec) for chart in charts]
    def marks(spec):
        if "layer" in spec:
            return [mark for layer in spec["layer"] for mark in marks(layer)]
        return [spec["mark"]["type"] if isinstance(spec["mark"], dict) else spec["mark"]]
    assert [marks(spec) for spec in specs] == [["bar"], ["bar"], ["line", "text"]]
    assert all(len(chart.proto.SerializeToString()) < 10_000 for chart in charts)  # aggregated rows only
    # The range is picked in months (2026-11, not a day); one month is one row; reversed is refused.
    this_month, a_year_ago = at.selectbox(key="stats_to").value, at.selectbox(key="stats_from").value
    assert this_month == date.today().replace(day=1) and at.selectbox(key="stats_from").options[0] == f"{this_month:%Y-%m}"
    at.selectbox(key="stats_to").set_value(a_year_ago).run()
    assert len(at.dataframe[0].value) == 2
    at.selectbox(key="stats_from").set_value(this_month).run()
    assert [e.value for e in at.error] == ["起始月份不能晚于截止月份。"] and not at.dataframe
    at.selectbox(key="stats_from").set_value(a_year_ago)
    at.selectbox(key="stats_to").set_value(this_month).run()

    # Kept figures are dropped as soon as anything is written: a new case shows on the next rerun.
    register_through_the_screen(login(new_app(), "worker1"), facts="装修噪音")
    at.run()
    assert list(at.dataframe[0].value["受理"])[-2] == 2


def test_worker_to_do_lists_an_overdue_case(app_world):
    from datetime import timedelta

    from core.mediation.service import CaseInput, PartyInput
    from db.engine import write_session

    world = app_world.world
    with read_session(app_world.engine) as session:
        kind = next(iter(dispute_types.offered(session, world.actors["worker"])))
    with write_session(app_world.engine) as session:
        mediations.register(session, world.actors["worker"], CaseInput(
            intake_date=mediations.clock.now().date() - timedelta(days=45), source="initiative", type_id=kind,
            grid_id=world.grid_ids[0], facts="噪音扰民",
            parties=[PartyInput(name="王五"), PartyInput(side="respondent", name="赵六")]))
    at = open_url(login(new_app(), "worker1"), "my-todo")
    assert "1 项已超期" in texts(at)
    assert list(at.dataframe[0].value["事项"]) == ["调解已超期"]


def test_statistics_download_has_the_monthly_and_breakdown_sheets(app_world):
    import io

    import openpyxl

    register_through_the_screen(login(new_app(), "worker1"))
    at = open_url(login(new_app(), "supervisor1"), "mediation-stats")
    data = at.get("download_button")[0]
    assert data is not None
    months = list(at.dataframe[0].value["月份"])[:-1]  # and the total row
    assert len(at.dataframe) == 4  # monthly, the 司法所 table, by source, by type
    bureau = next(frame.value for frame in at.dataframe if "受理（件）" in frame.value.columns)
    assert list(bureau["纠纷类型"])[-1] == "合计" and list(bureau["受理（件）"])[-1] == 1
    by_source = at.dataframe[1].value
    assert list(by_source.columns) == ["案件来源", *months, "合计"] and list(by_source["合计"]) == [1]
    from core.base import exports
    book = openpyxl.load_workbook(io.BytesIO(exports.write_workbook([("a", ["x"], [["=1"]]), ("b", ["y"], [])])))
    assert book.sheetnames == ["a", "b"] and book["a"]["A2"].value == "'=1"


def buttons(at) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("case_") and not b.key.startswith("case_new")]


def test_ending_a_case_asks_its_reason_then_a_confirmation_naming_the_case(app_world):
    """调解不成: the reason, and that the parties were told of other routes (人民调解法 art. 26)."""
    at = register_through_the_screen(login(new_app(), "worker1"))
    at = open_case(at)
    at.button(key=next(b.key for b in at.button if b.label == "开始调解")).click().run()
    at = open_case(at)
    at.button(key=next(b.key for b in at.button if b.label == "调解不成")).click().run()
    number = f"{mediations.clock.now().year}-0001"
    confirm = next(b for b in at.button if b.label == f"确认调解不成：{number}")
    confirm.click().run()
    assert {e.value.split("：")[0] for e in at.error} == {"说明", "已告知其他解决途径"}
    with read_session(app_world.engine) as session:
        assert session.scalar(select(MediationCase.state)) == "in_mediation"
    next(t for t in at.text_area if t.label == "说明").input("双方分歧过大")
    next(c for c in at.checkbox if c.label.startswith("已告知当事人可以依法通过仲裁")).check()
    next(b for b in at.button if b.label == f"确认调解不成：{number}").click().run()
    assert "已完成：调解不成" in texts(at)
    with read_session(app_world.engine) as session:
        assert session.scalar(select(MediationCase.state)) == "failed"
    at = open_case(at)
    assert "已告知其他解决途径" in texts(at) and "worker one" in texts(at)  # the timeline names people


def test_a_search_by_party_name_or_number_opens_the_one_case_found(app_world):
    at = register_through_the_screen(login(new_app(), "worker1"))
    open_url(at, "cases")
    at.text_input(key="cases_text").input("李四").run()
    assert at.subheader and at.subheader[0].value.startswith(f"{mediations.clock.now().year}-0001")
    at.text_input(key="cases_text").input("无此人").run()
    assert "没有符合条件的案件。" in texts(at) and not at.subheader


def test_a_to_do_row_opens_its_case(app_world):
    from datetime import timedelta

    from core.mediation.service import CaseInput, PartyInput
    from db.engine import write_session

    world = app_world.world
    with write_session(app_world.engine) as session:
        case = mediations.register(session, world.actors["worker"], CaseInput(
            intake_date=mediations.clock.now().date() - timedelta(days=45), source="initiative",
            type_id=neighbour_type(), grid_id=world.grid_ids[0], facts="噪音扰民",
            parties=[PartyInput(name="王五"), PartyInput(side="respondent", name="赵六")]))
    at = open_url(login(new_app(), "worker1"), "my-todo")
    at.session_state["todo_table"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert at.text_input(key="cases_text").value == case.number
    assert at.subheader and at.subheader[0].value.startswith(case.number)


def test_after_a_visit_finding_no_performance_only_a_supervisor_may_reopen(app_world):
    from core.mediation import agreements
    from db.engine import write_session
    from tests.unit.mediation.test_law import WRITTEN

    at = register_through_the_screen(login(new_app(), "worker1"))
    worker = app_world.world.actors["worker"]
    today = mediations.clock.now().date()
    with write_session(app_world.engine) as session:
        case = session.scalar(select(MediationCase))
        mediations.transition(session, worker, case.id, case.version, "start")
        session.flush()
        agreements.record_agreement(session, worker, case.id, case.version, agreements.AgreementInput(
            agreed_on=today, performance_deadline=today, **WRITTEN))
        session.flush()
        agreements.record_follow_up(session, worker, case.id, case.version, agreements.FollowUpInput(
            visited_on=today, performed="no", satisfaction=2))
    at = open_case(at)
    assert buttons(at) == ["结案"] and any("回访发现未履行" in w.value for w in at.warning)
    supervisor = open_case(login(new_app(), "supervisor1"))
    assert buttons(supervisor) == ["结案", "重新打开"]


def test_the_case_file_is_prepared_on_request_and_its_printing_audited(app_world):
    from db.models import AuditEvent

    at = open_case(register_through_the_screen(login(new_app(), "worker1")))
    assert not at.get("download_button")  # nothing printed, nothing audited, until asked
    at.button(key=next(b.key for b in at.button if b.label == "生成人民调解卷宗")).click().run()
    assert [d.proto.label for d in at.get("download_button")] == ["下载人民调解卷宗（.docx）"]
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "case_file_print")) == 1


def test_a_worker_logs_a_screening_and_the_supervisors_table_counts_it(app_world):
    at = open_url(login(new_app(), "worker1"), "screenings")
    at.number_input(key="screening_disputes").set_value(3)
    at.text_input(key="screening_note").input("和平里 5 号楼")
    next(b for b in at.button if b.label == "登记排查").click().run()
    assert "已登记排查。" in texts(at) and list(at.dataframe[0].value["排查出纠纷数"]) == [3]
    stats = open_url(login(new_app(), "supervisor1"), "mediation-stats")
    assert "纠纷排查 1 次，排查出纠纷 3 件。" in texts(stats)


def test_a_prevention_recorded_on_a_case_shows_there(app_world):
    at = open_case(register_through_the_screen(login(new_app(), "worker1")))
    at.number_input(key=next(n.key for n in at.number_input if n.key.startswith("prevention_persons_"))).set_value(5)
    next(t for t in at.text_area if t.key.startswith("prevention_note_")).input("双方扬言械斗，及时劝阻")
    at.selectbox(key=next(s.key for s in at.selectbox if "prevention_kind" in s.key)).set_value("fight")
    next(b for b in at.button if b.label == "保存" and "prevention" in (b.form_id or "")).click().run()
    assert "已登记。" in texts(at)
    at = open_case(at)
    assert "防止群体性械斗** · 涉及人数 5" in "\n".join(m.value for m in at.markdown)


def register_at(app_world, actor_name, address, grid=0):
    from core.mediation.service import CaseInput, PartyInput
    from db.engine import write_session

    world = app_world.world
    with write_session(app_world.engine) as session:
        return mediations.register(session, world.actors[actor_name], CaseInput(
            intake_date=mediations.clock.now().date(), source="application", type_id=neighbour_type(),
            grid_id=world.grid_ids[grid], facts="噪音扰民",
            parties=[PartyInput(name="住户甲", address=address), PartyInput(side="respondent", name="住户乙")])).number


def test_the_new_case_form_warns_of_a_repeat_dispute_before_it_is_saved(app_world):
    seen = register_at(app_world, "worker", "和平里小区9号楼")
    elsewhere = register_at(app_world, "supervisor", "和平里小区9号楼", grid=1)
    at = open_url(login(new_app(), "worker1"), "case-new")
    at.tabs[1].text_input(key="case_new_outside_name").input("住户丙")
    at.text_input(key="case_new_outside_address").input("和平里小区9号楼")
    at.button(key="case_new_add_outside").click().run()
    [warning] = [w.value for w in at.warning]
    # Only what the worker may see: before saving, not even a count of the case in another grid
    # (retyped at will, the form would tell whether someone had a dispute there).
    assert "已有 1 起纠纷" in warning and seen in warning and elsewhere not in warning and "另有" not in warning


def test_a_high_risk_needs_its_report_and_shows_on_the_supervisors_home(app_world):
    number = register_at(app_world, "worker", "和平里小区1号楼")
    at = open_case(login(new_app(), "worker1"))
    at.radio(key=next(r.key for r in at.radio if "risk_level" in r.key)).set_value("high")
    next(t for t in at.text_area if t.key.startswith("risk_reason_")).input("一方扬言报复")
    next(b for b in at.button if b.label == "保存" and "risk" in (b.form_id or "")).click().run()
    assert {e.value.split("：")[0] for e in at.error} == {"已报告单位", "报告日期"}
    next(t for t in at.text_input if t.key.startswith("risk_to_")).input("和平里派出所")
    next(d for d in at.date_input if d.key.startswith("risk_on_")).set_value(date.today())
    next(b for b in at.button if b.label == "保存" and "risk" in (b.form_id or "")).click().run()
    assert "激化风险已保存。" in texts(at)
    home = login(new_app(), "supervisor1")
    assert any(f"{number}（一方扬言报复）" in e.value for e in home.error)
    watch = open_url(login(new_app(), "worker1"), "watch-list")
    assert list(watch.dataframe[0].value["案件编号"]) == [number]
