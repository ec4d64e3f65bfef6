"""Visit plans, recording a visit, the round and a month's coverage, on both databases."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.base.errors import Forbidden, Invalid, InvalidMany, NotFound
from core.residents import service as residents
from core.visits import plans
from core.visits import service as visits
from db.engine import read_session, write_session
from db.models import AuditEvent, Resident, Visit, VisitPlan
from tests.factories import make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
NOW = datetime(2026, 3, 10, 9)
TODAY = NOW.date()


def _person(session, actor, name: str, born: str, tags: list[str], seq: str, grid_id: int, address: str,  # noqa: ANN001
            registered: datetime = datetime(2025, 1, 1, 9)) -> int:
    return register(session, actor, VAULT, residents.ResidentForm(
        name=name, id_number=make_resident_id(born, seq), grid_id=grid_id, address=address, tags=tags),
        now=registered).id


@pytest.fixture
def town(engine):  # noqa: ANN001, ANN201
    """Grid 1: 王奶奶 (84, alone: weekly), 李伯 (disabled, 66: monthly), 张阿姨 (低保: quarterly),
    赵先生 (no group); grid 2: 钱大爷 (82, alone). Registered in 2025."""
    world = make_world(engine)
    worker = world.actors["worker"]
    supervisor = world.actors["supervisor"]
    with write_session(engine) as session:
        ids = {
            "王奶奶": _person(session, worker, "王奶奶", "19420101", ["elderly_alone"], "101", world.grid_ids[0],
                           "和平里小区2号楼1单元101"),
            "李伯": _person(session, worker, "李伯", "19600101", ["disabled"], "102", world.grid_ids[0],
                          "和平里小区1号楼1单元301"),
            "张阿姨": _person(session, worker, "张阿姨", "19700101", ["dibao"], "103", world.grid_ids[0],
                           "和平里小区1号楼2单元502"),
            "赵先生": _person(session, worker, "赵先生", "19800101", [], "104", world.grid_ids[0],
                           "和平里小区3号楼1单元101"),
            "钱大爷": _person(session, supervisor, "钱大爷", "19440101", ["elderly_alone"], "105", world.grid_ids[1],
                           "青年小区1号楼1单元101"),
        }
    return world, ids


def _visit(session, actor, resident_id: int, day: date, **fields):  # noqa: ANN001, ANN202
    return visits.record(session, actor, visits.VisitInput(resident_id=resident_id, visited_on=day, **fields),
                         now=datetime.combine(day, datetime.min.time()).replace(hour=15))


def test_linli_proposes_each_residents_tier_and_a_supervisor_decides(engine, town):
    world, ids = town
    supervisor = world.actors["supervisor"]
    with read_session(engine) as session:
        tiers = {p.name: p.tier for p in plans.planned(session, supervisor, TODAY)}
    assert tiers == {"王奶奶": "high", "李伯": "key", "张阿姨": "general", "钱大爷": "high"}  # 赵先生: no group
    # Confirming the proposal needs no reason; another tier does, and is refused by name without one.
    with write_session(engine) as session:
        plans.decide(session, supervisor, ids["王奶奶"], "high", now=NOW)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            plans.decide(session, supervisor, ids["张阿姨"], "key", "", now=NOW)
    assert [error.field for error in refused.value.errors] == ["tier_reason"]
    with write_session(engine) as session:
        plans.decide(session, supervisor, ids["张阿姨"], "key", "刚做完手术，独自在家", now=NOW)
        plans.decide(session, supervisor, ids["李伯"], plans.NOT_PLANNED, "女儿已接去同住", now=NOW)
    with read_session(engine) as session:
        found = {p.name: p for p in plans.planned(session, supervisor, TODAY)}
        assert session.scalar(select(func.count()).select_from(VisitPlan)) == 3
    assert found["张阿姨"].tier == "key" and found["张阿姨"].decided and found["张阿姨"].reason == "刚做完手术，独自在家"
    assert "李伯" not in found
    # A new group changes the proposal: the new proposal applies until a supervisor looks again.
    with write_session(engine) as session:
        form, version = residents.edit_form(session, supervisor, VAULT, ids["张阿姨"])
        form.tags = ["dibao", "disabled"]
        form = residents.keep_hidden_values(session, supervisor, VAULT, ids["张阿姨"], form)
        residents.update(session, supervisor, VAULT, ids["张阿姨"], version, form, now=NOW)
    with read_session(engine) as session:
        later = {p.name: p for p in plans.planned(session, supervisor, date(2030, 6, 1))}
    assert later["张阿姨"].tier == "key" and not later["张阿姨"].decided  # 60 in 2030, disabled: 重点
    for role in ("worker", "trainer"):
        with pytest.raises(Forbidden):
            with write_session(engine) as session:
                plans.decide(session, world.actors[role], ids["王奶奶"], "key", "x", now=NOW)


def test_a_visit_is_recorded_and_bad_input_is_refused_by_field(engine, town):
    world, ids = town
    worker = world.actors["worker"]
    with write_session(engine) as session:
        visit = _visit(session, worker, ids["王奶奶"], TODAY, method="phone_video", health="fair",
                       hazards=("clutter", "gas"), needs=("company",), notes="老人精神尚可", follow_up=True)
        assert (visit.hazards, visit.community_id, visit.grid_id) == ("gas,clutter", world.community_id,
                                                                       world.grid_ids[0])
    with read_session(engine) as session:
        before = (session.scalar(select(func.count()).select_from(Visit)),
                  session.scalar(select(func.count()).select_from(AuditEvent)))
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            visits.record(session, worker, visits.VisitInput(
                resident_id=ids["王奶奶"], method="letter", visited_on=TODAY + timedelta(days=1), health="bad",
                hazards=("flood",), notes="很" * 501), now=NOW)
    assert [error.field for error in refused.value.errors] == ["method", "visit_day", "health", "hazards", "notes"]
    # 钱大爷 lives in grid 2, not this worker's
    with pytest.raises((Forbidden, NotFound)):
        with write_session(engine) as session:
            _visit(session, worker, ids["钱大爷"], TODAY)
    with read_session(engine) as session:
        after = (session.scalar(select(func.count()).select_from(Visit)),
                 session.scalar(select(func.count()).select_from(AuditEvent)))
    assert after == before


def test_on_time_late_and_missed_across_a_month_boundary(engine, town):
    """李伯 (monthly): visited 31 January → due 28 February. A visit on 27 February is on time and
    makes March due on the 27th: before it, due; after it, overdue; in April, March is missed."""
    world, ids = town
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    with write_session(engine) as session:
        _visit(session, worker, ids["李伯"], date(2026, 1, 31))
        _visit(session, worker, ids["李伯"], date(2026, 2, 27))
        _visit(session, worker, ids["张阿姨"], date(2026, 1, 20))
    with read_session(engine) as session:
        january = visits.obligations(session, supervisor, date(2026, 1, 1), date(2026, 1, 31), date(2026, 3, 1))
        february = visits.obligations(session, supervisor, date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 1))
        march = visits.obligations(session, supervisor, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 20))
        late_march = visits.obligations(session, supervisor, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 28))
        after = visits.obligations(session, supervisor, date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1))

    def of(found, name):  # noqa: ANN001, ANN202
        return [(o.outcome.status, o.outcome.due) for o in found if o.resident.name == name]

    assert of(february, "李伯") == [("on_time", date(2026, 2, 28))]
    assert of(march, "李伯") == [("due", date(2026, 3, 27))]
    assert of(late_march, "李伯") == [("overdue", date(2026, 3, 27))]
    assert of(after, "李伯") == [("missed", date(2026, 3, 27))]
    # 张阿姨 (quarterly, not visited before the quarter): due on its first day; visited 20 January,
    # late, in January's figures and no other month's
    assert of(january, "张阿姨") == [("late", date(2026, 1, 1))] and of(march, "张阿姨") == []
    # 王奶奶 (weekly, never visited): each week due on its Monday counts in March — four over and
    # missed, and the week of Monday 30 March still running on 1 April (overdue, not yet missed)
    assert of(after, "王奶奶") == [("missed", date(2026, 3, day)) for day in (2, 9, 16, 23)] + [
        ("overdue", date(2026, 3, 30))]


def test_a_resident_who_moved_out_leaves_the_plan_on_their_status_date(engine, town):
    """李伯 (monthly) visited 10 February is due 10 March; he moves out on 5 March: nothing is owed
    for March, and from April he is in no plan."""
    world, ids = town
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    with write_session(engine) as session:
        _visit(session, worker, ids["李伯"], date(2026, 2, 10))
        version = session.get(Resident, ids["李伯"]).version
        residents.change_status(session, supervisor, ids["李伯"], version, "moved_out", date(2026, 3, 5), now=NOW)
    with read_session(engine) as session:
        march = visits.obligations(session, supervisor, date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1))
        april = {p.name for p in plans.planned(session, supervisor, date(2026, 4, 2))}
    assert "李伯" not in {o.resident.name for o in march}
    assert "李伯" not in april and "王奶奶" in april


def test_the_round_lists_todays_due_and_overdue_in_walking_order_and_a_major_change_within_24_hours(engine, town):
    world, ids = town
    worker = world.actors["worker"]
    with write_session(engine) as session:
        _visit(session, worker, ids["李伯"], date(2026, 3, 2))  # monthly: done for March
        visits.record_major_change(session, worker, ids["赵先生"], "hospital", date(2026, 3, 9), "脑梗住院",
                                   now=datetime(2026, 3, 9, 23, 30))
    with read_session(engine) as session:
        names = [item.obligation.resident.name for item in visits.my_round(session, worker, today=TODAY)]
    # 1号楼 before 2号楼 before 3号楼: 张阿姨's quarter was due on 1 January and 王奶奶's week on
    # Monday (neither visited: overdue); 赵先生's hospital stay recorded at 23:30 last night is due
    # by 23:30 tonight; 李伯 is visited for March; 钱大爷 lives in another grid.
    assert names == ["张阿姨", "王奶奶", "赵先生"]
    with write_session(engine) as session:
        _visit(session, worker, ids["张阿姨"], TODAY)
    with read_session(engine) as session:
        tomorrow = [item.obligation for item in visits.my_round(session, worker, today=TODAY + timedelta(days=1))]
    assert [(o.resident.name, o.kind, o.outcome.status) for o in tomorrow] == [
        ("王奶奶", "week", "overdue"), ("赵先生", "major", "overdue")]


def test_a_months_coverage_per_grid_and_worker_and_the_never_visited(engine, town):
    """March as of 1 April: grid 1 (worker1) owes 王奶奶 five weeks, 李伯 one month, 张阿姨 nothing
    (her quarter was due in January); grid 2 owes 钱大爷 five weeks."""
    world, ids = town
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    with write_session(engine) as session:
        _visit(session, worker, ids["李伯"], date(2026, 2, 10))
        _visit(session, worker, ids["李伯"], date(2026, 3, 12))  # due 10 March: late
        _visit(session, worker, ids["王奶奶"], date(2026, 3, 2))  # due Monday 2 March: on time
        _visit(session, worker, ids["王奶奶"], date(2026, 3, 9))  # due 9 March: on time
    with read_session(engine) as session:
        found = visits.coverage(session, supervisor, date(2026, 3, 1), today=date(2026, 4, 1))
    grid_1, grid_2 = found["grids"]
    assert grid_1.figures == {"due": 6, "on_time": 2, "late": 1, "missed": 2, "open": 1, "never_visited": 1}
    assert grid_2.figures == {"due": 5, "on_time": 0, "late": 0, "missed": 4, "open": 1, "never_visited": 1}
    assert [(row.label, row.figures["due"]) for row in found["workers"]] == [("worker one", 6)]
    assert found["total"].figures["due"] == 11
    assert [person.name for person in found["never_visited"]] == ["张阿姨", "钱大爷"]
    with pytest.raises(Forbidden):
        with read_session(engine) as session:
            visits.coverage(session, worker, date(2026, 3, 1))


def test_a_community_sets_its_own_frequencies_and_the_round_follows_them(engine, town):
    world, ids = town
    admin, worker = world.actors["admin"], world.actors["worker"]
    with read_session(engine) as session:
        assert plans.frequencies(session, world.community_id) == {"high": "week", "key": "month", "child": "month",
                                                                  "general": "quarter"}
    with write_session(engine) as session:
        plans.set_frequency(session, admin, "general", "month", now=NOW)
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            plans.set_frequency(session, admin, "general", "fortnight", now=NOW)
    assert refused.value.field == "period"
    with pytest.raises(Forbidden):
        with write_session(engine) as session:
            plans.set_frequency(session, world.actors["supervisor"], "general", "week", now=NOW)
    with write_session(engine) as session:
        _visit(session, worker, ids["张阿姨"], date(2026, 2, 3))  # monthly now: March due 3 March
    with read_session(engine) as session:
        assert plans.frequencies(session, world.other_community_id)["general"] == "quarter"  # theirs unchanged
        march = visits.obligations(session, worker, date(2026, 3, 1), date(2026, 3, 31), TODAY)
    assert [(o.kind, o.outcome.due, o.outcome.status) for o in march if o.resident.name == "张阿姨"] == [
        ("month", date(2026, 3, 3), "overdue")]
