"""Mediation as 人民调解法 (2010) and 人民调解工作若干规定 (司法部 2002) ask, on both databases: each
test names the article it follows. Figures as core.mediation.statistics defines them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.base.errors import Invalid, InvalidMany
from core.mediation import agreements, statistics
from core.mediation import service as mediations
from core.mediation.agreements import AgreementInput, FollowUpInput, JudicialInput
from core.mediation.parties import PartyInput, org_code, org_code_check
from db.engine import read_session, write_session
from db.models import Agreement, CaseParty, CaseStateChange
from tests.factories import make_resident_id, make_world, vault_for_tests
from tests.unit.mediation.test_service import REASONS, case_input, changes_count, register, version_of

VAULT = vault_for_tests()
WRITTEN = {"responsibilities": "漏水系李四家水管老化所致，李四负主要责任", "terms": "李四承担维修费 800 元",
           "amount": "800", "performance_manner": "现金", "performance_place": "和平里社区居委会"}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour)


def move(engine, actor, case_id, action, day, **given):
    with write_session(engine) as session:
        return mediations.transition(session, actor, case_id, version_of(engine, case_id), action,
                                     **{**REASONS.get(action, {}), **given}, now=at(day)).state


def agree(engine, actor, case_id, day, **fields):
    values = {"agreed_on": day, "performance_deadline": day, **WRITTEN, **fields}
    with write_session(engine) as session:
        return agreements.record_agreement(session, actor, case_id, version_of(engine, case_id),
                                           AgreementInput(**values), now=at(day, 16)).state


def visit(engine, actor, case_id, day, performed="yes", **fields):
    with write_session(engine) as session:
        return agreements.record_follow_up(session, actor, case_id, version_of(engine, case_id), FollowUpInput(
            visited_on=day, performed=performed, satisfaction=4, **fields), now=at(day, 17)).state


@pytest.fixture
def world(engine):
    return make_world(engine)


def new_case(engine, world, intake="2026-09-01"):
    case = register(engine, world.actors["worker"], case_input(engine, world, intake_date=intake), now=at(intake, 9))
    move(engine, world.actors["worker"], case.id, "start", intake)
    return case.id


def month(engine, actor, first: str, last: str | None = None):
    with read_session(engine) as session:
        return statistics.monthly_statistics(session, actor, date.fromisoformat(first),
                                             date.fromisoformat(last or first))


# --- what success is ---------------------------------------------------------------------------

def test_a_failed_case_that_was_then_closed_never_counts_as_settled(engine, world):
    """调解不成 (法 art. 26) is a conclusion without agreement: closing it later changes nothing."""
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    move(engine, worker, case_id, "fail", "2026-09-10")
    move(engine, worker, case_id, "close", "2026-09-12")
    [row] = month(engine, supervisor, "2026-09-01")
    assert (row["agreements"], row["settled"], row["concluded"], row["failed"], row["success_rate"]) == (0, 0, 1, 1, 0.0)


def test_withdrawn_and_referred_cases_are_not_concluded_by_mediation(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    move(engine, worker, new_case(engine, world), "withdraw", "2026-09-05")
    move(engine, worker, new_case(engine, world), "refer", "2026-09-06")
    settled = new_case(engine, world)
    agree(engine, worker, settled, "2026-09-08")
    [row] = month(engine, supervisor, "2026-09-01")
    assert (row["received"], row["concluded"], row["settled"], row["success_rate"]) == (3, 1, 1, 1.0)


def test_a_reopened_case_reaches_a_new_agreement_and_counts_once_as_a_case(engine, world):
    """Agreements are versions: round 2 (再次调解) supersedes round 1, which stays in the file. A month
    counts the agreements reached in it; the range counts the case once; the amount is the one
    in force."""
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")
    assert visit(engine, worker, case_id, "2026-09-26", performed="no", advised_court=True) == "followed_up"
    september_as_filed = month(engine, supervisor, "2026-09-01")
    assert move(engine, supervisor, case_id, "reopen", "2026-10-02") == "in_mediation"
    agree(engine, worker, case_id, "2026-10-12", amount="600", terms="李四分两期支付 600 元")
    with read_session(engine) as session:
        rounds = session.execute(select(Agreement.round, Agreement.amount_fen, Agreement.superseded_at.is_(None))
                                 .where(Agreement.case_id == case_id).order_by(Agreement.round)).all()
        detail = mediations.case_detail(session, supervisor, case_id)
        totals = statistics.range_totals(session, supervisor, date(2026, 9, 1), date(2026, 10, 1))
    assert [tuple(r) for r in rounds] == [(1, 80000, False), (2, 60000, True)]
    assert detail["agreement"]["round"] == 2 and [a["round"] for a in detail["earlier_agreements"]] == [1]
    assert month(engine, supervisor, "2026-09-01") == september_as_filed  # a month as of its last day
    september, october = month(engine, supervisor, "2026-09-01", "2026-10-01")
    assert (september["agreements"], september["amount_agreed"]) == (1, Decimal("800"))
    assert (october["agreements"], october["re_mediations"], october["settled"]) == (1, 1, 1)
    assert (totals["agreements"], totals["re_mediations"], totals["settled"], totals["concluded"]) == (2, 1, 1, 1)
    assert totals["amount_agreed"] == Decimal("600")  # only the agreement in force


def test_an_agreement_superseded_within_its_month_is_not_counted_twice_in_the_amount(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")
    visit(engine, worker, case_id, "2026-09-12", performed="no")
    move(engine, supervisor, case_id, "reopen", "2026-09-13")
    agree(engine, worker, case_id, "2026-09-20", amount="500")
    [row] = month(engine, supervisor, "2026-09-01")
    assert (row["agreements"], row["re_mediations"], row["settled"], row["amount_agreed"]) == (2, 1, 1, Decimal("500"))


# --- parties ------------------------------------------------------------------------------------

def test_an_organisation_and_an_outside_person_with_an_agent_are_parties(engine, world):
    valid = "91110105MA01ABCD1" + org_code_check("91110105MA01ABCD1")
    assert _valid_code(valid) and not _valid_code(valid[:17] + ("0" if valid[17] != "0" else "1"))
    data = case_input(engine, world, parties=[
        PartyInput(side="applicant", name="王小明", id_number=make_resident_id("20120301", "021"), address="和平里5号",
                   agent_kind="guardian", agent_name="王建国", agent_phone="13900001111"),
        PartyInput(side="respondent", kind="organisation", name="顺达物业管理有限公司", org_code=valid,
                   representative="赵经理", representative_role="principal", phone="13800002222")])
    with write_session(engine) as session:
        case = mediations.register(session, world.actors["worker"], data, vault=VAULT)
    with read_session(engine) as session:
        child, company = session.scalars(select(CaseParty).where(CaseParty.case_id == case.id).order_by(CaseParty.id))
    assert (child.sex, child.birth_date, child.agent_kind, child.agent_name) == ("M", date(2012, 3, 1), "guardian", "王建国")
    assert child.id_masked.endswith(make_resident_id("20120301", "021")[-4:]) and "2012" not in (child.id_enc or "")
    assert VAULT.decrypt(child.id_enc) == make_resident_id("20120301", "021")  # encrypted like a resident's
    assert (company.kind, company.org_code, company.representative) == ("organisation", valid, "赵经理")


def _valid_code(text: str) -> bool:
    try:
        org_code(text, "x")
        return True
    except Invalid:
        return False


@pytest.mark.parametrize(("party", "field"), [
    (PartyInput(side="respondent", kind="organisation", name="顺达物业", representative_role="legal",
                org_code="91110105MA01ABCD1X"), "party_1.org_code"),
    (PartyInput(side="respondent", kind="organisation", name="", representative="赵经理"), "party_1.organisation"),
    (PartyInput(side="respondent", name="李四", agent_kind="agent"), "party_1.agent_name"),
    (PartyInput(side="respondent", name="李四", id_number="110105201203010219"), "party_1.id_number"),
])
def test_a_bad_party_is_refused_naming_the_party_and_its_detail(engine, world, party, field):
    before = changes_count(engine)
    with pytest.raises((Invalid, InvalidMany)) as refused:
        with write_session(engine) as session:
            mediations.register(session, world.actors["worker"], case_input(
                engine, world, parties=[PartyInput(side="applicant", name="张三"), party]), vault=VAULT)
    errors = refused.value.errors if isinstance(refused.value, InvalidMany) else [refused.value]
    assert field in {error.field for error in errors}
    assert changes_count(engine) == before


# --- ending a case without agreement ------------------------------------------------------------

@pytest.mark.parametrize(("action", "given", "field"), [
    ("fail", {"note": "分歧过大", "routes_explained": False}, "routes_explained"),  # 法 art. 26
    ("fail", {"note": "", "routes_explained": True}, "note"),
    ("refer", {"referred_to": ""}, "referred_to"),
    ("withdraw", {"note": " "}, "note"),
])
def test_ending_without_agreement_asks_for_its_reason_and_writes_nothing_without_it(engine, world, action, given,
                                                                                   field):
    case_id = new_case(engine, world)
    before = changes_count(engine)
    with pytest.raises((Invalid, InvalidMany)) as refused:
        move(engine, world.actors["worker"], case_id, action, "2026-09-05", **given)
    errors = refused.value.errors if isinstance(refused.value, InvalidMany) else [refused.value]
    assert field in {error.field for error in errors}
    assert changes_count(engine) == before


def test_the_reason_and_the_routes_told_are_kept_with_the_change(engine, world):
    case_id = new_case(engine, world)
    move(engine, world.actors["worker"], case_id, "fail", "2026-09-05")
    move(engine, world.actors["worker"], new_case(engine, world), "refer", "2026-09-06", referred_to="市场监管所")
    with read_session(engine) as session:
        failed, referred = session.execute(select(CaseStateChange.note, CaseStateChange.details)
                                           .where(CaseStateChange.to_state.in_(("failed", "referred")))
                                           .order_by(CaseStateChange.id)).all()
        detail = mediations.case_detail(session, world.actors["worker"], case_id)
    assert failed == ("双方分歧过大，无法达成协议", '{"routes_explained": true}')
    assert referred.details == '{"referred_to": "市场监管所"}'
    assert detail["timeline"][0]["by"] == "worker one"  # people by name, not login


# --- written and oral ---------------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["responsibilities", "performance_manner", "performance_place",
                                     "performance_deadline"])
def test_a_written_agreement_holds_what_article_29_lists(engine, world, missing):
    """法 art. 29, 若干规定 art. 35: 各方责任 and the manner, place and time of performance."""
    case_id = new_case(engine, world)
    with pytest.raises((Invalid, InvalidMany)) as refused:
        agree(engine, world.actors["worker"], case_id, "2026-09-10", **{missing: "" if missing != "performance_deadline"
                                                                          else None})
    errors = refused.value.errors if isinstance(refused.value, InvalidMany) else [refused.value]
    assert [e.field for e in errors] == [missing]


def test_an_oral_agreement_with_money_needs_the_parties_declining_a_written_one(engine, world):
    """法 art. 28 allows an oral agreement; 若干规定 art. 34 expects a written one where rights and
    obligations are settled. The judicial-confirmation window (法 art. 33) is for written ones."""
    worker = world.actors["worker"]
    case_id = new_case(engine, world)
    oral = {"written": False, "responsibilities": "", "performance_manner": "", "performance_place": ""}
    with pytest.raises(Invalid) as refused:
        agree(engine, worker, case_id, "2026-09-10", **oral, performance_deadline=None)
    assert (refused.value.field, refused.value.key) == ("written", "error.agreement.oral_with_obligations")
    agree(engine, worker, case_id, "2026-09-10", **oral, performance_deadline=None, declined_written=True)
    with read_session(engine) as session:
        detail = mediations.case_detail(session, worker, case_id, today=date(2026, 9, 11))
    assert detail["agreement"]["declined_written"] and detail["deadlines"].judicial_confirmation_until is None
    apology = new_case(engine, world)  # an apology alone settles nothing to perform: oral is fine
    agree(engine, worker, apology, "2026-09-10", **oral, amount="0", terms="双方互相道歉", performance_deadline=None)


# --- follow-up and 司法确认 ----------------------------------------------------------------------

def test_the_follow_up_is_due_when_performance_can_be_seen(engine, world):
    """若干规定 art. 36: the 回访 checks performance, so it is due no earlier than the deadline."""
    limits = mediations.Limits(follow_up_days=15)
    assert mediations.follow_up_due(date(2026, 9, 10), None, limits) == date(2026, 9, 25)
    assert mediations.follow_up_due(date(2026, 9, 10), date(2026, 11, 30), limits) == date(2026, 11, 30)
    later = mediations.Limits(follow_up_days=15, follow_up_after_deadline_days=3)
    assert mediations.follow_up_due(date(2026, 9, 10), date(2026, 11, 30), later) == date(2026, 12, 3)
    worker = world.actors["worker"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10", performance_deadline="2026-11-30")
    with read_session(engine) as session:
        todo = mediations.my_todo(session, worker, today=date(2026, 10, 1), limits=limits)
    assert [(t["kind"], t["date"]) for t in todo] == [("follow_up", date(2026, 11, 30))]


def test_a_follow_up_finding_no_performance_leads_to_reopening_or_closing(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")
    visit(engine, worker, case_id, "2026-09-26", performed="partly", advised_court=True)
    with read_session(engine) as session:
        detail = mediations.case_detail(session, worker, case_id)
        supervisor_sees = mediations.case_detail(session, supervisor, case_id)["actions"]
    [seen] = [item for item in detail["timeline"] if item["kind"] == "follow_up"]
    assert detail["last_visit_performed"] == "partly" and seen["advised_court"]
    assert detail["actions"] == ["close"] and supervisor_sees == ["close", "reopen"]


def test_judicial_confirmation_is_applied_for_within_30_days_of_a_written_agreement(engine, world):
    """法 art. 33: 双方当事人可以自调解协议生效之日起三十日内，共同向人民法院申请司法确认."""
    worker = world.actors["worker"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")

    def apply(**fields):
        with write_session(engine) as session:
            return agreements.record_judicial_confirmation(session, worker, case_id, JudicialInput(**fields),
                                                           now=at("2026-11-01"))

    with pytest.raises(Invalid) as late:
        apply(applied_on="2026-10-11", court="东城区人民法院")
    assert (late.value.field, late.value.params) == ("judicial_applied_on", {"first": "2026-09-10", "last": "2026-10-10"})
    apply(applied_on="2026-09-20", court="东城区人民法院")
    apply(applied_on="2026-09-20", court="东城区人民法院", result="confirmed", decided_on="2026-10-08")
    with read_session(engine) as session:
        agreement = session.scalar(select(Agreement).where(Agreement.case_id == case_id))
        assert session.scalar(select(func.count()).select_from(Agreement)) == 1
    assert (agreement.judicial_court, agreement.judicial_result, agreement.judicial_decided_on) == (
        "东城区人民法院", "confirmed", date(2026, 10, 8))
    oral = new_case(engine, world)
    agree(engine, worker, oral, "2026-09-10", written=False, amount="0", terms="互相道歉", responsibilities="",
          performance_manner="", performance_place="", performance_deadline=None)
    with pytest.raises(Invalid) as refused, write_session(engine) as session:
        agreements.record_judicial_confirmation(session, worker, oral, JudicialInput(
            applied_on="2026-09-20", court="东城区人民法院"), now=at("2026-11-01"))
    assert refused.value.key == "error.judicial.needs_written"


def test_a_case_can_be_found_by_number_or_party_name(engine, world):
    worker = world.actors["worker"]
    first = register(engine, worker, case_input(engine, world))
    register(engine, worker, case_input(engine, world, parties=[PartyInput(side="applicant", name="赵六"),
                                                                PartyInput(side="respondent", name="钱七")]))
    with read_session(engine) as session:
        def found(text):
            return [r["number"] for r in mediations.list_cases(session, worker, mediations.CaseFilters(text=text)).rows]
        assert found(first.number) == [first.number]
        assert found("钱七") == ["2026-0002"] and found("张") == [first.number]
        assert found("100%_") == []


def test_a_case_whose_agreement_was_performed_is_not_reopened(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")
    visit(engine, worker, case_id, "2026-09-26", performed="yes")
    with read_session(engine) as session:
        assert mediations.case_detail(session, supervisor, case_id)["actions"] == ["close"]
    with pytest.raises(Invalid) as refused:
        move(engine, supervisor, case_id, "reopen", "2026-09-27")
    assert refused.value.key == "error.case.reopen_performed"


def test_an_agreement_recorded_after_its_month_counts_in_the_month_it_was_recorded(engine, world):
    """September's figures were complete on 30 September: a settlement of that day entered on
    2 October counts in October, and the amount is not counted twice."""
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-10")
    visit(engine, worker, case_id, "2026-09-20", performed="no")
    move(engine, supervisor, case_id, "reopen", "2026-09-25")
    september_as_filed = month(engine, supervisor, "2026-09-01")
    with write_session(engine) as session:
        agreements.record_agreement(session, worker, case_id, version_of(engine, case_id), AgreementInput(
            agreed_on="2026-09-30", performance_deadline="2026-10-30", **{**WRITTEN, "amount": "600"}),
            now=at("2026-10-02"))
    september, october = month(engine, supervisor, "2026-09-01", "2026-10-01")
    assert [september] == september_as_filed and september["amount_agreed"] == Decimal("800")
    assert (october["agreements"], october["re_mediations"], october["amount_agreed"]) == (1, 1, Decimal("600"))


def test_a_new_round_cannot_be_dated_before_the_earlier_one_or_the_reopening(engine, world):
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-20")
    visit(engine, worker, case_id, "2026-10-01", performed="no")
    move(engine, supervisor, case_id, "reopen", "2026-10-07")
    with pytest.raises(Invalid) as refused:
        agree(engine, worker, case_id, "2026-09-05")
    assert (refused.value.field, refused.value.params) == ("agreed_on", {"date": "2026-10-07"})


def test_settled_then_reopened_and_failed_is_failed_and_its_old_agreement_is_not_in_force(engine, world):
    """A failed case is never counted as settled; its superseded-in-fact agreement is neither
    printed nor confirmed by a court."""
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case_id = new_case(engine, world)
    agree(engine, worker, case_id, "2026-09-05")
    visit(engine, worker, case_id, "2026-09-15", performed="no")
    move(engine, supervisor, case_id, "reopen", "2026-09-16")
    move(engine, worker, case_id, "fail", "2026-09-25")
    [row] = month(engine, supervisor, "2026-09-01")
    assert (row["agreements"], row["settled"], row["failed"], row["success_rate"]) == (1, 0, 1, 0.0)
    assert row["amount_agreed"] == Decimal("0")  # its agreement no longer stands
    with read_session(engine) as session:
        detail = mediations.case_detail(session, worker, case_id, today=date(2026, 9, 26))
    assert not detail["agreement_in_force"] and detail["deadlines"].judicial_confirmation_until is None
    with pytest.raises(Invalid), write_session(engine) as session:
        agreements.record_judicial_confirmation(session, worker, case_id, JudicialInput(
            applied_on="2026-09-26", court="东城区人民法院"), now=at("2026-09-26"))
