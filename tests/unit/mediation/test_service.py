"""Mediation cases on both databases: transitions, numbering, time limits, statistics, bad input."""

import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.base.errors import Forbidden, Invalid, InvalidMany, StaleEdit
from core.mediation import agreements
from core.mediation import service as mediations
from core.mediation import statistics as mediation_statistics
from core.mediation.agreements import AgreementInput, FollowUpInput
from core.mediation.service import CaseInput, PartyInput
from db.engine import make_engine, read_session, write_session
from db.models import Agreement, AuditEvent, CaseStateChange, DisputeType, MediationCase
from tests.factories import make_world

NOW = datetime(2026, 11, 29, 10, 0)


def neighbour_type(engine):
    with read_session(engine) as session:
        return session.scalar(select(DisputeType.id).where(DisputeType.name == "邻里"))


def case_input(engine, world, **changes):
    values = {"intake_date": "2026-11-02", "source": "application", "type_id": neighbour_type(engine),
              "grid_id": world.grid_ids[0], "facts": "楼上漏水，双方就维修费用争执",
              "parties": [PartyInput(side="applicant", name="张三", phone="13800001111"),
                          PartyInput(side="respondent", name="李四")]}
    values.update(changes)
    return CaseInput(**values)


def register(engine, actor, data, now=NOW):
    with write_session(engine) as session:
        return mediations.register(session, actor, data, now=now)


def version_of(engine, case_id):
    with read_session(engine) as session:
        return session.get(MediationCase, case_id).version


# What each ending asks for, given as a worker fills it in (人民调解法 art. 26 for 调解不成).
REASONS = {"fail": {"note": "双方分歧过大，无法达成协议", "routes_explained": True},
           "refer": {"note": "涉及治安问题", "referred_to": "和平里派出所"}, "withdraw": {"note": "申请人撤回申请"},
           "reopen": {"note": "回访发现未履行，重新调解"}}


def move(engine, actor, case_id, action, now=NOW, **given):
    with write_session(engine) as session:
        return mediations.transition(session, actor, case_id, version_of(engine, case_id), action,
                                     **{**REASONS.get(action, {}), **given}, now=now).state


def agree(engine, actor, case_id, **changes):
    values = {"agreed_on": "2026-11-20", "responsibilities": "漏水系李四家水管老化所致，李四负主要责任",
              "terms": "李四承担维修费 800 元，12 月 10 日前付清", "amount": "800",
              "performance_deadline": "2026-12-10", "performance_manner": "现金", "performance_place": "和平里社区居委会"}
    values.update(changes)
    with write_session(engine) as session:
        return agreements.record_agreement(session, actor, case_id, version_of(engine, case_id),
                                           AgreementInput(**values), now=NOW).state


def follow_up(engine, actor, case_id, score=5, performed="yes"):
    with write_session(engine) as session:
        return agreements.record_follow_up(session, actor, case_id, version_of(engine, case_id),
                                           FollowUpInput(visited_on="2026-11-28", performed=performed, satisfaction=score),
                                           now=NOW).state


def changes_count(engine):
    with read_session(engine) as session:
        return (session.scalar(select(func.count()).select_from(CaseStateChange)),
                session.scalar(select(func.count()).select_from(AuditEvent)))


def test_facts_and_agreement_terms_keep_chinese_punctuation(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    case = register(engine, worker, case_input(engine, world, facts="楼上漏水，双方争执：维修费（800元）"))
    move(engine, worker, case.id, "start")
    agree(engine, worker, case.id, terms="李四承担维修费：800 元，12 月 10 日前付清")
    with read_session(engine) as session:
        saved = session.get(MediationCase, case.id)
        assert saved.facts == "楼上漏水，双方争执：维修费（800元）"
        terms = session.scalar(select(Agreement.terms).where(Agreement.case_id == case.id))
        assert terms == "李四承担维修费：800 元，12 月 10 日前付清"


def test_the_whole_path_from_intake_to_closing(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    case = register(engine, worker, case_input(engine, world))
    assert (case.number, case.state, case.due_date) == ("2026-0001", "received", date(2026, 12, 2))
    assert move(engine, worker, case.id, "start") == "in_mediation"
    with write_session(engine) as session:
        mediations.log_session(session, worker, case.id, held_on="2026-11-10", present="张三、李四、网格员",
                               summary="现场查看漏水点", now=NOW)
    assert agree(engine, worker, case.id) == "agreed"
    assert follow_up(engine, worker, case.id) == "followed_up"
    assert move(engine, worker, case.id, "close") == "closed"
    with read_session(engine) as session:
        path = [c.to_state for c in session.scalars(select(CaseStateChange).order_by(CaseStateChange.id))]
    assert path == ["received", "in_mediation", "agreed", "followed_up", "closed"]


ALL_ACTIONS = list(mediations.TRANSITIONS)


def reach(engine, world, state):
    """A case in `state`, by the allowed path."""
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    case = register(engine, worker, case_input(engine, world))
    path = {
        "received": [], "in_mediation": ["start"], "agreed": ["start", "agree"], "failed": ["start", "fail"],
        "referred": ["refer"], "withdrawn": ["withdraw"], "followed_up": ["start", "agree", "follow_up"],
        "closed": ["withdraw", "close"],
    }[state]
    for action in path:
        if action == "agree":
            agree(engine, worker, case.id)
        elif action == "follow_up":
            follow_up(engine, worker, case.id, performed="no")  # not performed: it may be mediated again
        else:
            move(engine, supervisor, case.id, action)
    return case.id


@pytest.mark.parametrize("state", mediations.STATES)
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_transition_is_allowed_or_refused_without_writing(engine, state, action):
    world = make_world(engine)
    supervisor = world.actors["supervisor"]
    case_id = reach(engine, world, state)
    starts, to_state, _ = mediations.TRANSITIONS[action]
    before = changes_count(engine)
    if state not in starts:
        with pytest.raises((Invalid, InvalidMany)):
            if action == "agree":
                agree(engine, supervisor, case_id)
            elif action == "follow_up":
                follow_up(engine, supervisor, case_id)
            else:
                move(engine, supervisor, case_id, action)
        assert changes_count(engine) == before
        with read_session(engine) as session:
            assert session.get(MediationCase, case_id).state == state
    else:
        if action == "agree":
            assert agree(engine, supervisor, case_id) == to_state
        elif action == "follow_up":
            assert follow_up(engine, supervisor, case_id) == to_state
        else:
            assert move(engine, supervisor, case_id, action) == to_state
        assert changes_count(engine)[0] == before[0] + 1


def test_only_supervisors_and_admins_reopen(engine):
    world = make_world(engine)
    case_id = reach(engine, world, "closed")
    with pytest.raises(Forbidden):
        move(engine, world.actors["worker"], case_id, "reopen")
    assert move(engine, world.actors["supervisor"], case_id, "reopen") == "in_mediation"


def test_trainers_and_other_grids_see_nothing(engine):
    world = make_world(engine)
    case = register(engine, world.actors["supervisor"], case_input(engine, world, grid_id=world.grid_ids[1]))
    with read_session(engine) as session:
        assert mediations.list_cases(session, world.actors["worker"], mediations.CaseFilters()).total == 0
        assert mediations.list_cases(session, world.actors["supervisor"], mediations.CaseFilters()).total == 1
    with pytest.raises(Forbidden):
        move(engine, world.actors["worker"], case.id, "start")
    with pytest.raises(Forbidden):
        with read_session(engine) as session:
            mediations.list_cases(session, world.actors["trainer"], mediations.CaseFilters())


def test_a_worker_sees_a_case_of_another_grid_they_mediate(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    register(engine, world.actors["supervisor"], case_input(engine, world, grid_id=world.grid_ids[1],
                                                                mediator_id=worker.id))
    with read_session(engine) as session:
        assert mediations.list_cases(session, worker, mediations.CaseFilters()).total == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"intake_date": "2026-12-01"}, "intake_date"),  # in the future
        ({"amount_claimed": "-5"}, "amount_claimed"),
        ({"amount_claimed": "12.345"}, "amount_claimed"),
        ({"source": "rumour"}, "source"),
        ({"facts": "  "}, "facts"),
        ({"type_id": 9999}, "type"),
        ({"parties": [PartyInput(side="applicant")]}, "party_0"),  # neither resident nor name
        ({"parties": [PartyInput(side="applicant", name="王五", phone="123"), PartyInput(side="respondent", name="李四")]},
         "party_0.phone"),
        # 人民调解法 art. 17, 若干规定 art. 22: a dispute has two opposing sides.
        ({"parties": [PartyInput(side="applicant", name="王五")]}, "parties"),
        ({"parties": [PartyInput(side="respondent", name="王五"), PartyInput(side="respondent", name="李四")]},
         "parties"),
    ],
)
def test_bad_intake_is_refused_at_the_field_and_nothing_written(engine, changes, field):
    world = make_world(engine)
    before = changes_count(engine)
    with pytest.raises((Invalid, InvalidMany)) as refused:
        register(engine, world.actors["worker"], case_input(engine, world, **changes))
    error = refused.value
    fields = {e.field for e in error.errors} if isinstance(error, InvalidMany) else {error.field}
    assert field in fields
    assert changes_count(engine) == before
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(MediationCase)) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"performance_deadline": "2026-11-19"}, "performance_deadline"),  # before the agreement
        ({"amount": "-1"}, "amount"),
        ({"terms": ""}, "terms"),
        ({"agreed_on": "2026-12-30"}, "agreed_on"),
    ],
)
def test_bad_agreement_is_refused_and_the_case_stays_in_mediation(engine, changes, field):
    world = make_world(engine)
    case_id = reach(engine, world, "in_mediation")
    with pytest.raises((Invalid, InvalidMany)) as refused:
        agree(engine, world.actors["worker"], case_id, **changes)
    error = refused.value
    assert field in ({e.field for e in error.errors} if isinstance(error, InvalidMany) else {error.field})
    with read_session(engine) as session:
        assert session.get(MediationCase, case_id).state == "in_mediation"


@pytest.mark.parametrize("score", [0, 6, "five", None])
def test_satisfaction_outside_one_to_five_is_refused(engine, score):
    world = make_world(engine)
    case_id = reach(engine, world, "agreed")
    with pytest.raises(InvalidMany) as refused:
        follow_up(engine, world.actors["worker"], case_id, score=score)
    assert {e.field for e in refused.value.errors} == {"satisfaction"}


def test_two_saves_from_the_same_version_the_second_is_refused(engine):
    world = make_world(engine)
    case = register(engine, world.actors["worker"], case_input(engine, world))
    loaded = version_of(engine, case.id)
    with write_session(engine) as session:
        mediations.transition(session, world.actors["worker"], case.id, loaded, "start", now=NOW)
    with pytest.raises(StaleEdit):
        with write_session(engine) as session:
            mediations.transition(session, world.actors["supervisor"], case.id, loaded, "withdraw", "撤回", now=NOW)
    with read_session(engine) as session:
        assert session.get(MediationCase, case.id).state == "in_mediation"


def agreement_on(day: date, **fields) -> Agreement:
    """An agreement as deadlines() reads it (not saved)."""
    return Agreement(**{"agreed_on": day, "written": True, "performance_deadline": None, "judicial_applied_on": None,
                        **fields})


def test_time_limits_with_a_frozen_clock(engine):
    limits = mediations.Limits(follow_up_days=15)
    intake = date(2026, 1, 31)
    due = mediations.add_months(intake, 1)
    assert due == date(2026, 2, 28)
    assert not mediations.deadlines("in_mediation", due, None, date(2026, 2, 28), limits).overdue
    assert mediations.deadlines("in_mediation", due, None, date(2026, 3, 1), limits).overdue
    assert not mediations.deadlines("failed", due, None, date(2026, 3, 1), limits).overdue
    after = mediations.deadlines("agreed", due, agreement_on(date(2026, 2, 10)), date(2026, 2, 26), limits)
    assert after.judicial_confirmation_until == date(2026, 3, 12)
    assert after.follow_up_due == date(2026, 2, 25) and after.follow_up_overdue


def test_extension_moves_the_deadline_and_my_todo_follows_it(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    case = register(engine, worker, case_input(engine, world, intake_date="2026-10-20"))
    with read_session(engine) as session:
        todo = mediations.my_todo(session, worker, today=date(2026, 11, 25))
    assert [(t["number"], t["kind"]) for t in todo] == [("2026-0001", "overdue")]
    with pytest.raises(Invalid):
        with write_session(engine) as session:
            mediations.extend(session, worker, case.id, version_of(engine, case.id), new_due="2026-12-20", note="")
    with write_session(engine) as session:
        mediations.extend(session, worker, case.id, version_of(engine, case.id), new_due="2026-12-20",
                          note="双方同意延长调解", now=NOW)
    with read_session(engine) as session:
        assert mediations.my_todo(session, worker, today=date(2026, 11, 25)) == []
        assert mediations.my_todo(session, worker, today=date(2026, 12, 15))[0]["kind"] == "due_soon"


def test_monthly_statistics_include_empty_months(engine):
    world = make_world(engine)
    worker, supervisor = world.actors["worker"], world.actors["supervisor"]
    september = register(engine, worker, case_input(engine, world, intake_date="2026-09-05"), now=datetime(2026, 9, 5))
    with write_session(engine) as session:
        mediations.transition(session, worker, september.id, version_of(engine, september.id), "start",
                              now=datetime(2026, 9, 6))
    with write_session(engine) as session:
        agreements.record_agreement(session, worker, september.id, version_of(engine, september.id),
                                    AgreementInput(agreed_on="2026-09-20", terms="赔偿", amount="1200.50",
                                                   responsibilities="楼上负全责", performance_deadline="2026-09-30",
                                                   performance_manner="转账", performance_place="居委会"),
                                    now=datetime(2026, 9, 20))
    failed = register(engine, worker, case_input(engine, world, intake_date="2026-09-10"), now=datetime(2026, 9, 10))
    with write_session(engine) as session:
        mediations.transition(session, worker, failed.id, version_of(engine, failed.id), "start", now=datetime(2026, 9, 11))
    with write_session(engine) as session:
        mediations.transition(session, worker, failed.id, version_of(engine, failed.id), "fail", **REASONS["fail"],
                              now=datetime(2026, 11, 3))
    register(engine, worker, case_input(engine, world, intake_date="2026-11-02"))
    with read_session(engine) as session:
        table = mediation_statistics.monthly_statistics(session, supervisor, date(2026, 9, 1), date(2026, 11, 1))
        by_source = mediation_statistics.statistics_by(session, supervisor, "source", date(2026, 9, 1), date(2026, 11, 1))
    zeros = {"re_mediations": 0}
    assert table == [
        {"month": "2026-09", "received": 2, "agreements": 1, "settled": 1, "concluded": 1, "failed": 0,
         "success_rate": 1.0, "amount_agreed": Decimal("1200.50"), **zeros},
        {"month": "2026-10", "received": 0, "agreements": 0, "settled": 0, "concluded": 0, "failed": 0,
         "success_rate": None, "amount_agreed": Decimal("0"), **zeros},
        {"month": "2026-11", "received": 1, "agreements": 0, "settled": 0, "concluded": 1, "failed": 1,
         "success_rate": 0.0, "amount_agreed": Decimal("0"), **zeros},
    ]
    assert sorted((r["month"], r["source"], r["cases"]) for r in by_source) == [
        ("2026-09", "application", 2), ("2026-11", "application", 1)]
    with pytest.raises(Forbidden):
        with read_session(engine) as session:
            mediation_statistics.monthly_statistics(session, worker, date(2026, 9, 1), date(2026, 11, 1))


def test_twenty_concurrent_registrations_get_twenty_consecutive_numbers(engine, backend):
    world = make_world(engine)
    url = engine.url.render_as_string(hide_password=False)
    data = case_input(engine, world)
    numbers, errors = [], []

    def register_one():
        own = make_engine(url)  # its own connection pool: real concurrency on PostgreSQL
        try:
            with write_session(own) as session:
                numbers.append(mediations.register(session, world.actors["worker"], data, now=NOW).number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=register_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [f"2026-{n:04d}" for n in range(1, 21)]


def test_numbers_restart_each_year_and_a_refused_registration_leaves_no_gap(engine):
    world = make_world(engine)
    worker = world.actors["worker"]
    assert register(engine, worker, case_input(engine, world, intake_date="2025-12-31"), now=NOW).number == "2025-0001"
    with pytest.raises((Invalid, InvalidMany)):
        register(engine, worker, case_input(engine, world, parties=[PartyInput(side="applicant")]))
    assert register(engine, worker, case_input(engine, world)).number == "2026-0001"
    assert register(engine, worker, case_input(engine, world)).number == "2026-0002"


def test_yuan_amounts():
    assert mediations.yuan_to_fen("1,200.50", "amount") == 120050
    assert mediations.yuan_to_fen("", "amount") == 0
    for bad in ("-1", "1.234", "abc"):
        with pytest.raises(Invalid):
            mediations.yuan_to_fen(bad, "amount")


def test_pivot_fills_every_month_with_zeros():
    rows = [{"month": "2026-09", "source": "police", "cases": 2}, {"month": "2026-11", "source": "police", "cases": 1},
            {"month": "2026-11", "source": "court", "cases": 4}]
    values, table = mediation_statistics.pivot(rows, "source", ["2026-09", "2026-10", "2026-11"])
    assert values == ["court", "police"]
    assert table == [["court", 0, 0, 4, 4], ["police", 2, 0, 1, 3]]


def test_limits_come_from_settings():
    from core.base.settings import load

    limits = mediations.Limits.from_settings(load(secrets={"follow_up_days": 7}, env={"LINLI_MEDIATION_MONTHS": "2"}))
    assert (limits.mediation_months, limits.judicial_confirmation_days, limits.follow_up_days) == (2, 30, 7)
    assert mediations.deadlines("agreed", date(2026, 1, 1), agreement_on(date(2026, 1, 10)), date(2026, 1, 18),
                                limits).follow_up_overdue


def test_a_party_from_a_grid_the_worker_may_not_see_is_refused_and_nothing_written(engine):
    """A resident of another grid is no party a worker can name: loaded through can(), answered as
    'no such resident' (whether they exist is not told), the case not registered."""
    from core.residents.service import ResidentForm
    from db.models import CaseParty
    from tests.factories import make_resident_id, vault_for_tests
    from tests.factories import register as register_resident

    world = make_world(engine)
    with write_session(engine) as session:
        elsewhere = register_resident(session, world.actors["supervisor"], vault_for_tests(), ResidentForm(
            name="王秀英", id_number=make_resident_id("19470718", "013"), grid_id=world.grid_ids[1])).id
    before = changes_count(engine)
    data = case_input(engine, world, parties=[PartyInput(side="applicant", name="张三"),
                                              PartyInput(side="respondent", resident_id=elsewhere)])
    with pytest.raises((Invalid, InvalidMany)) as refused:
        register(engine, world.actors["worker"], data)
    errors = refused.value.errors if isinstance(refused.value, InvalidMany) else [refused.value]
    assert [(e.field, e.key) for e in errors] == [("party_1", "error.party.no_such_resident")]
    assert changes_count(engine) == before
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseParty)) == 0
    case = register(engine, world.actors["supervisor"], data)  # the supervisor sees every grid
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CaseParty).where(CaseParty.case_id == case.id)) == 2
