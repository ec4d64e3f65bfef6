"""走访 screens through the real app: a worker's round and recording a visit, a supervisor's plan
and coverage, the admin's frequencies; each role sees only what it may."""

from datetime import date, datetime

from sqlalchemy import func, select

from core.residents import service as residents
from db.engine import read_session, write_session
from db.models import AuditEvent, CaseParty, DisputeType, MediationCase, Resident, Visit, VisitPlan
from tests.app.conftest import login, new_app, open_url, texts
from tests.factories import make_resident_id, register, vault_for_tests


def _residents(app_world) -> None:  # noqa: ANN001
    """王奶奶 (84, alone: weekly) and 张阿姨 (低保: quarterly) in grid 1, never visited."""
    world = app_world.world
    with write_session(app_world.engine) as session:
        for name, born, tags, seq, address in (
                ("王奶奶", "19420101", ["elderly_alone"], "301", "和平里小区2号楼1单元101"),
                ("张阿姨", "19700101", ["dibao"], "302", "和平里小区1号楼2单元502")):
            register(session, world.actors["worker"], vault_for_tests(), residents.ResidentForm(
                name=name, id_number=make_resident_id(born, seq), grid_id=world.grid_ids[0], address=address, tags=tags),
                now=datetime(2025, 1, 1, 9))


def _counts(engine) -> tuple[int, int]:  # noqa: ANN001
    with read_session(engine) as session:
        return (session.scalar(select(func.count()).select_from(Visit)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


def test_a_worker_records_a_visit_from_the_round_in_two_taps(app_world):
    _residents(app_world)
    at = open_url(login(new_app(), "worker1"), "round")
    assert not at.exception
    assert "今天到期和逾期的走访共 2 人" in texts(at)
    # walking order: 1号楼 before 2号楼
    assert [m.value for m in at.markdown if m.value.startswith("**") and "·" in m.value][:2] == [
        "**张阿姨** · 和平里小区1号楼2单元502", "**王奶奶** · 和平里小区2号楼1单元101"]
    at.button(key=f"round_open_{_id(app_world, '张阿姨')}").click().run()
    assert at.subheader[0].value == "张阿姨"
    at.button(key="FormSubmitter:visit_new-保存走访").click().run()  # the defaults: 上门走访, today
    assert "已记录对 张阿姨 的走访。" in texts(at)
    assert "今天到期和逾期的走访共 1 人" in texts(at)
    with read_session(app_world.engine) as session:
        visit = session.scalar(select(Visit))
    assert (visit.method, visit.visited_on, visit.visitor_id) == ("home", date.today(),
                                                                  app_world.world.actors["worker"].id)


def test_a_visit_dated_long_before_the_residents_registration_is_refused_by_field(app_world):
    _residents(app_world)
    at = open_url(login(new_app(), "worker1"), "round")
    at.button(key=f"round_open_{_id(app_world, '张阿姨')}").click().run()
    before = _counts(app_world.engine)
    at.date_input(key="visit_day").set_value(date(2023, 6, 1))
    at.multiselect(key=next(m.key for m in at.multiselect if "hazards" in m.key)).select("gas")
    at.button(key="FormSubmitter:visit_new-保存走访").click().run()
    assert [e.value for e in at.error] == ["走访日期：日期早于该居民登记一年以上，请核对"]
    assert at.subheader[0].value == "张阿姨"  # still on the form, nothing lost
    assert _counts(app_world.engine) == before


def test_a_supervisor_confirms_a_tier_and_another_needs_a_reason(app_world):
    _residents(app_world)
    at = open_url(login(new_app(), "supervisor1"), "visit-plan")
    assert not at.exception
    assert not any("frequency" in str(s.key) for s in at.selectbox)  # the admin's, on their own screen
    frame = at.dataframe[0].value
    assert dict(zip(frame["姓名"], frame["系统建议"], strict=True)) == {"王奶奶": "高风险对象", "张阿姨": "一般对象"}
    zhang = _id(app_world, "张阿姨")
    at.selectbox(key="plan_pick").select(zhang).run()
    radio = next(r for r in at.radio if r.label == "执行类别")
    radio.set_value("key")
    at.button(key=f"FormSubmitter:plan_{zhang}-确认").click().run()
    assert [e.value for e in at.error] == ["理由：与系统建议的类别不同，请说明理由"]
    with read_session(app_world.engine) as session:
        assert session.scalar(select(func.count()).select_from(VisitPlan)) == 0
    next(r for r in at.radio if r.label == "执行类别").set_value("key")
    at.text_input(key=f"plan_reason_{zhang}").input("刚做完手术，独自在家")
    at.button(key=f"FormSubmitter:plan_{zhang}-确认").click().run()
    assert "已确认 张阿姨 的走访类别。" in texts(at)
    with read_session(app_world.engine) as session:
        plan = session.get(VisitPlan, zhang)
    assert (plan.tier, plan.reason) == ("key", "刚做完手术，独自在家")


def _id(app_world, name: str) -> int:  # noqa: ANN001
    with read_session(app_world.engine) as session:
        return session.scalar(select(Resident.id).where(Resident.name == name))


def test_the_supervisor_reads_the_months_coverage_and_the_admin_sets_frequencies(app_world):
    _residents(app_world)
    at = open_url(login(new_app(), "supervisor1"), "visit-coverage")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["从未走访的居民"] == "2"
    assert "第一网格" in repr(at.dataframe[0].value)

    admin = open_url(login(new_app(), "admin1"), "visit-frequencies")
    assert not admin.exception and not admin.dataframe  # settings only: no resident of the plan
    admin.selectbox(key=next(s.key for s in admin.selectbox if s.label == "一般对象")).select("month")
    admin.button(key="FormSubmitter:visit_frequencies-保存").click().run()
    assert "已保存走访频次。" in texts(admin)


def test_a_dispute_found_on_a_visit_becomes_a_case_with_the_resident_as_applicant(app_world):
    _residents(app_world)
    zhang = _id(app_world, "张阿姨")
    at = open_url(login(new_app(), "worker1"), "round")
    at.button(key=f"round_open_{zhang}").click().run()
    at.text_area(key="visit_notes").input("与楼上邻居因漏水争执")
    at.checkbox(key="visit_found_dispute").check()
    at.button(key="FormSubmitter:visit_new-保存走访").click().run()
    assert at.title[0].value == "登记矛盾纠纷"
    shown = texts(at)
    assert "走访中发现的纠纷" in shown and "申请人 · 张阿姨" in repr([m.value for m in at.markdown])
    assert at.text_area(key="case_new_facts").value == "与楼上邻居因漏水争执"
    at = open_url(at, "case-new")  # AppTest's next run goes back to the page it opened; a browser stays
    at.radio(key="case_new_side").set_value("respondent").run()
    at.text_input(key="case_new_outside_name").input("楼上住户")
    at.button(key="case_new_add_outside").click().run()
    with read_session(app_world.engine) as session:
        neighbours = session.scalar(select(DisputeType.id).where(DisputeType.name == "邻里"))
    at.selectbox(key="case_new_type").select(neighbours)
    at.button(key="case_new_submit").click().run()
    assert "已登记案件" in texts(at)
    with read_session(app_world.engine) as session:
        case = session.scalar(select(MediationCase))
        visit = session.scalar(select(Visit))
        applicant = session.scalar(select(CaseParty.resident_id).where(CaseParty.side == "applicant"))
    assert visit.case_id == case.id and case.source == "initiative" and applicant == zhang
    assert "走访中发现的纠纷" not in texts(at.run())  # the next case is an ordinary one


def test_a_worker_without_grids_is_told_so_not_that_nothing_is_due(app_world):
    from core.office import users

    with write_session(app_world.engine) as session:
        users.create_user(session, None, username="new.wgy", display_name="新网格员", role="worker",
                          community_id=app_world.world.community_id, password="Secret123",
                          must_change_password=False)
    at = open_url(login(new_app(), "new.wgy"), "round")
    assert not at.exception
    assert "您还没有负责的网格" in texts(at) and "今天没有到期或逾期的走访" not in texts(at)
