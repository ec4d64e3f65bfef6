"""The 司法所's monthly table by dispute type, the escalations prevented (人民调解法 art. 25) and the
dispute screenings, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.base.errors import Invalid, InvalidMany
from core.mediation import agreements, judicial_office
from core.mediation.agreements import JudicialInput
from core.mediation.judicial_office import PreventionInput, ScreeningInput
from db.engine import read_session, write_session
from db.models import CasePrevention, DisputeScreening, DisputeType
from tests.factories import make_world
from tests.unit.mediation.test_law import agree, at, move, new_case, visit
from tests.unit.mediation.test_service import case_input, changes_count, register, version_of


@pytest.fixture
def world(engine):
    return make_world(engine)


def type_id(engine, name: str) -> int:
    with read_session(engine) as session:
        return session.scalar(select(DisputeType.id).where(DisputeType.name == name))


def prevent(engine, actor, case_id, kind, persons, note="当事人情绪激动，经及时调解化解", day="2026-09-15"):
    with write_session(engine) as session:
        return judicial_office.record_prevention(session, actor, case_id, PreventionInput(kind, persons, note),
                                                 now=at(day))


def table(engine, actor, first="2026-09-01", last=None):
    with read_session(engine) as session:
        return judicial_office.table(session, actor, date.fromisoformat(first), date.fromisoformat(last or first))


def test_the_table_counts_each_figure_by_type_with_every_type_listed(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    settled = new_case(engine, world)  # 邻里 (case_input's type)
    agree(engine, worker, settled, "2026-09-10")
    with write_session(engine) as session:
        agreements.record_judicial_confirmation(session, worker, settled, JudicialInput(
            applied_on="2026-09-12", court="东城区人民法院", result="confirmed", decided_on="2026-09-28"),
            now=at("2026-09-28"))
    visit(engine, worker, settled, "2026-09-29", performed="yes")
    prevent(engine, worker, settled, "crime", 3)
    oral = register(engine, worker, case_input(engine, world, intake_date="2026-09-03", type_id=type_id(engine, "物业")),
                    now=at("2026-09-03"))
    move(engine, worker, oral.id, "start", "2026-09-03")
    agree(engine, worker, oral.id, "2026-09-20", written=False, amount="0", terms="物业公司道歉", responsibilities="",
          performance_manner="", performance_place="", performance_deadline=None)
    failed = new_case(engine, world)
    move(engine, worker, failed, "fail", "2026-09-21")
    prevent(engine, worker, failed, "petition", 12, day="2026-09-22")
    with write_session(engine) as session:
        judicial_office.log_screening(session, worker, ScreeningInput(world.grid_ids[0], "2026-09-05", 4, "楼道排查"),
                                      now=at("2026-09-05"))
        judicial_office.log_screening(session, worker, ScreeningInput(world.grid_ids[0], "2026-10-02", 1),
                                      now=at("2026-10-02"))

    result = table(engine, supervisor)
    rows = {row["type"]: row for row in result["rows"]}
    assert len(rows) == 15 and rows["婚姻"]["received"] == 0  # every type, zeros included
    neighbours, property_ = rows["邻里"], rows["物业"]
    assert (neighbours["received"], neighbours["settled"], neighbours["concluded"], neighbours["success_rate"]) == (
        2, 1, 2, 0.5)
    assert (neighbours["parties"], neighbours["written"], neighbours["oral"], neighbours["amount"]) == (
        4, 1, 0, Decimal("800"))
    assert (neighbours["judicial_applied"], neighbours["judicial_confirmed"], neighbours["performed"]) == (1, 1, 1)
    assert (neighbours["prevent_crime_cases"], neighbours["prevent_crime_persons"]) == (1, 3)
    assert (neighbours["prevent_petition_cases"], neighbours["prevent_petition_persons"]) == (1, 12)
    assert (property_["oral"], property_["settled"], property_["success_rate"]) == (1, 1, 1.0)
    total = result["total"]
    assert (total["received"], total["settled"], total["concluded"], total["success_rate"]) == (3, 2, 3, 0.6667)
    assert (result["screenings"], result["screened_disputes"]) == (1, 4)  # October's is not September's


def test_a_past_months_table_does_not_change(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")
    september = table(engine, supervisor)
    visit(engine, worker, case_id, "2026-10-01", performed="no")
    move(engine, supervisor, case_id, "reopen", "2026-10-02")
    move(engine, worker, case_id, "fail", "2026-10-05")
    prevent(engine, worker, case_id, "suicide", 1, day="2026-10-05")
    assert table(engine, supervisor) == september
    october = {row["type"]: row for row in table(engine, supervisor, "2026-10-01")["rows"]}["邻里"]
    assert (october["settled"], october["concluded"], october["prevent_suicide_persons"]) == (0, 1, 1)


@pytest.mark.parametrize(("given", "field"), [
    (PreventionInput("riot", 2, "说明"), "prevention"), (PreventionInput("crime", 0, "说明"), "persons"),
    (PreventionInput("crime", "两人", "说明"), "persons"), (PreventionInput("crime", 2, " "), "note"),
])
def test_a_prevention_is_refused_naming_its_field_and_nothing_written(engine, world, given, field):
    case_id = new_case(engine, world)
    before = changes_count(engine)
    with pytest.raises((Invalid, InvalidMany)) as refused, write_session(engine) as session:
        judicial_office.record_prevention(session, world.actors["worker"], case_id, given)
    errors = refused.value.errors if isinstance(refused.value, InvalidMany) else [refused.value]
    assert field in {e.field for e in errors} and changes_count(engine) == before


def test_recording_a_prevention_again_corrects_it(engine, world):
    case_id = new_case(engine, world)
    prevent(engine, world.actors["worker"], case_id, "fight", 8)
    prevent(engine, world.actors["worker"], case_id, "fight", 6, note="实际参与 6 人")
    with read_session(engine) as session:
        assert session.execute(select(CasePrevention.persons, CasePrevention.note)).all() == [(6, "实际参与 6 人")]
        assert judicial_office.preventions_of(session, world.actors["worker"], case_id)[0]["persons"] == 6


def test_a_screening_is_of_ones_own_grid_and_not_in_the_future(engine, world):
    worker = world.actors["worker"]
    for given, field in ((ScreeningInput(world.grid_ids[1], "2026-09-05", 1), "grid"),
                         (ScreeningInput(world.grid_ids[0], "2099-01-01", 1), "screened_on"),
                         (ScreeningInput(world.grid_ids[0], "2026-09-05", -1), "disputes")):
        with pytest.raises((Invalid, InvalidMany)) as refused, write_session(engine) as session:
            judicial_office.log_screening(session, worker, given, now=at("2026-09-06"))
        errors = refused.value.errors if isinstance(refused.value, InvalidMany) else [refused.value]
        assert field in {e.field for e in errors}
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(DisputeScreening)) == 0


def test_the_type_chart_keeps_the_top_types_and_sums_the_rest():
    rows = [{"month": "2026-09", "type": f"类型{i:02d}", "cases": i} for i in range(1, 16)]
    kept = judicial_office.type_chart_rows(rows, top=7, other="其他")
    assert len({row["type"] for row in kept}) == 8
    assert next(r for r in kept if r["type"] == "其他")["cases"] == sum(range(1, 9))


def test_late_entries_and_corrections_count_in_the_month_they_were_made(engine, world):
    """Reviewer's finds: a correction, a backdated visit, a late 司法确认 and a late screening each
    moved or changed a month already over."""
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")
    prevent(engine, worker, case_id, "crime", 3, day="2026-09-15")
    september = table(engine, supervisor)
    prevent(engine, worker, case_id, "crime", 4, note="核实后为 4 人", day="2026-10-03")  # a correction
    with write_session(engine) as session:  # all entered in October about September days
        agreements.record_judicial_confirmation(session, worker, case_id, JudicialInput(
            applied_on="2026-09-20", court="东城区人民法院"), now=at("2026-10-02"))
        judicial_office.log_screening(session, worker, ScreeningInput(world.grid_ids[0], "2026-09-28", 2),
                                      now=at("2026-10-02"))
    with write_session(engine) as session:
        agreements.record_follow_up(session, worker, case_id, version_of(engine, case_id), agreements.FollowUpInput(
            visited_on="2026-09-29", performed="yes", satisfaction=5), now=at("2026-10-02"))
    assert table(engine, supervisor) == {**september, "rows": [
        {**row, "prevent_crime_persons": 4} if row["type"] == "邻里" else row for row in september["rows"]],
        "total": {**september["total"], "prevent_crime_persons": 4}}  # only the corrected number changed
    october = table(engine, supervisor, "2026-10-01")
    neighbours = {row["type"]: row for row in october["rows"]}["邻里"]
    assert (neighbours["judicial_applied"], neighbours["performed"], neighbours["prevent_crime_cases"]) == (1, 1, 0)
    assert (october["screenings"], october["screened_disputes"]) == (1, 2)


def test_written_and_oral_split_the_settled_cases_and_a_failed_case_has_no_amount(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    twice = new_case(engine, world)
    agree(engine, worker, twice, "2026-09-05")  # written, 800
    visit(engine, worker, twice, "2026-09-08", performed="no")
    move(engine, supervisor, twice, "reopen", "2026-09-09")
    agree(engine, worker, twice, "2026-09-12", written=False, declined_written=True, amount="500", terms="当面付清",
          responsibilities="", performance_manner="", performance_place="", performance_deadline=None)
    failed = new_case(engine, world)
    agree(engine, worker, failed, "2026-09-06")
    visit(engine, worker, failed, "2026-09-10", performed="no")
    move(engine, supervisor, failed, "reopen", "2026-09-11")
    move(engine, worker, failed, "fail", "2026-09-20")
    row = {row["type"]: row for row in table(engine, supervisor)["rows"]}["邻里"]
    assert (row["settled"], row["written"], row["oral"], row["concluded"]) == (1, 0, 1, 2)
    assert row["amount"] == Decimal("500")  # the agreement that settled it; none for the failed case
