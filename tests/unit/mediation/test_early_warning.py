"""Early warning (人民调解法 art. 25), on both databases: repeat disputes at registration, the risk
of escalation and the 重点关注 list, a resident's cases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.base.errors import Forbidden, Invalid, InvalidMany
from core.mediation import early_warning
from core.mediation import service as mediations
from core.mediation.parties import PartyInput
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from db.models import MediationCase
from tests.factories import make_resident_id, make_world, vault_for_tests
from tests.factories import register as register_resident
from tests.unit.mediation.test_law import at, move
from tests.unit.mediation.test_service import case_input, changes_count, register, version_of

VAULT = vault_for_tests()


@pytest.fixture
def world(engine):
    return make_world(engine)


def at_address(engine, world, actor, intake, address="和平里小区9号楼", grid=0):
    return register(engine, actor, case_input(engine, world, intake_date=intake, grid_id=world.grid_ids[grid], parties=[
        PartyInput(side="applicant", name="住户甲", address=address),
        PartyInput(side="respondent", name="住户乙")]), now=at(intake))


def detail(engine, actor, case_id):
    with read_session(engine) as session:
        return mediations.case_detail(session, actor, case_id)


def test_a_second_dispute_at_one_address_within_a_year_warns_and_keeps_the_warning(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    old = at_address(engine, world, worker, "2025-02-01")  # more than 12 months before: not counted
    first = at_address(engine, world, supervisor, "2026-03-01", grid=1)  # a grid the worker does not see
    assert detail(engine, supervisor, first.id)["repeat_warning"] is None
    second = at_address(engine, world, worker, "2026-06-01")
    third = at_address(engine, world, worker, "2026-09-01")
    warned = detail(engine, supervisor, third.id)["repeat_warning"]
    assert warned["count"] == 2 and [c["number"] for c in warned["visible"]] == [first.number, second.number]
    seen_by_worker = detail(engine, worker, third.id)["repeat_warning"]
    assert [c["number"] for c in seen_by_worker["visible"]] == [second.number] and seen_by_worker["hidden"] == 1
    second_seen = detail(engine, worker, second.id)["repeat_warning"]  # one earlier case, in another grid
    assert (second_seen["count"], second_seen["visible"], second_seen["hidden"]) == (1, [], 1)
    assert old.number not in {c["number"] for c in warned["visible"]}
    with read_session(engine) as session:
        assert early_warning.check(session, worker, [PartyInput(name="新住户", address="和平里小区10号楼")],
                                   on=date(2026, 9, 1)) is None  # another address: nothing


def test_the_same_resident_or_the_same_person_by_name_and_phone_is_a_repeat(engine, world):
    worker = world.actors["worker"]
    with write_session(engine) as session:
        resident = register_resident(session, worker, VAULT, ResidentForm(
            name="王秀英", id_number=make_resident_id("19470718", "024"), phone="13812345678",
            grid_id=world.grid_ids[0], address="和平里3号"))
    for intake in ("2026-05-01", "2026-07-01"):
        register(engine, worker, case_input(engine, world, intake_date=intake, parties=[
            PartyInput(side="applicant", resident_id=resident.id), PartyInput(side="respondent", name="邻居")]),
            now=at(intake))
    by_phone = [PartyInput(side="applicant", name="王秀英", phone="138 1234 5678"),
                PartyInput(side="respondent", name="楼上")]
    with read_session(engine) as session:
        warned = early_warning.check(session, worker, by_phone, on=date(2026, 9, 1))  # the form, before saving
    assert warned["count"] == 2
    with read_session(engine) as session:
        assert early_warning.check(session, worker, [PartyInput(name="王秀英", phone="13900000000")],
                                   on=date(2026, 9, 1)) is None  # the same name, another phone: someone else


def test_a_high_risk_needs_its_report_and_stays_on_the_watch_list_until_lowered_or_closed(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case = at_address(engine, world, worker, "2026-09-01")
    before = changes_count(engine)
    with pytest.raises((Invalid, InvalidMany)) as refused, write_session(engine) as session:
        early_warning.set_risk(session, worker, case.id, version_of(engine, case.id), level="high",
                               reason="一方扬言报复", now=at("2026-09-02"))
    assert {e.field for e in refused.value.errors} == {"risk_reported_to", "risk_reported_on"}
    assert changes_count(engine) == before

    def set_risk(level, by=worker, **given):
        with write_session(engine) as session:
            early_warning.set_risk(session, by, case.id, version_of(engine, case.id), level=level,
                                   now=at("2026-09-03"), **given)

    set_risk("high", reason="一方扬言报复", reported_to="和平里派出所", reported_on="2026-09-02")
    with read_session(engine) as session:
        assert [row["number"] for row in early_warning.watch_list(session, supervisor)] == [case.number]
        assert early_warning.watch_list(session, world.actors["admin"])  # every grid
    with pytest.raises(Forbidden):  # off the supervisor's list: the supervisor decides
        set_risk("medium", reason="双方情绪缓和")
    set_risk("medium", by=supervisor, reason="双方情绪缓和")
    with read_session(engine) as session:
        assert early_warning.watch_list(session, supervisor) == []
        lowered = session.get(MediationCase, case.id)
        assert (lowered.risk_reported_to, lowered.risk_reported_on) == ("和平里派出所", date(2026, 9, 2))  # kept
    set_risk("high", reason="再次冲突", reported_to="和平里派出所", reported_on="2026-09-03")
    move(engine, worker, case.id, "withdraw", "2026-09-04")
    move(engine, worker, case.id, "close", "2026-09-05")
    with read_session(engine) as session:
        assert early_warning.watch_list(session, supervisor) == []
        assert session.scalar(select(MediationCase.risk_level)) == "high"  # kept on the closed case


def test_a_residents_cases_are_listed_within_the_users_scope(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    with write_session(engine) as session:
        resident = register_resident(session, supervisor, VAULT, ResidentForm(
            name="赵大爷", id_number=make_resident_id("19500101", "011"), grid_id=world.grid_ids[0], address="和平里1号"))
    mine = register(engine, worker, case_input(engine, world, parties=[
        PartyInput(side="applicant", resident_id=resident.id), PartyInput(side="respondent", name="甲")]))
    register(engine, supervisor, case_input(engine, world, grid_id=world.grid_ids[1], parties=[
        PartyInput(side="respondent", resident_id=resident.id), PartyInput(side="applicant", name="乙")]))
    with read_session(engine) as session:
        assert [c["number"] for c in early_warning.cases_of_resident(session, worker, resident.id)] == [mine.number]
        assert len(early_warning.cases_of_resident(session, supervisor, resident.id)) == 2
