"""The annual assessment on both databases, with the default scheme of one district (街道 30%,
peers 10%, residents 60%; at least 50 forms, 70% of them from ordinary residents): summaries,
peer scores seen only as a mean of three or more, forms typed by someone else, the total and
grade by hand, the 优秀 cap, the lock and its audit, an objection and its answer."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.assessment import cycle
from core.base.errors import Forbidden, Invalid, InvalidMany
from core.office import users
from db.engine import read_session, write_session
from db.models import Assessment, AssessmentPeerScore, AuditEvent
from tests.factories import PASSWORD, make_world

YEAR = 2026
NOW = datetime(2026, 12, 20, 10)
ALL = {"德": 90, "能": 80, "勤": 85, "绩": 95, "廉": 100}  # mean 90


@pytest.fixture
def office(engine):  # noqa: ANN201
    """和平里: the supervisor, the admin, worker1 and three more workers."""
    world = make_world(engine)
    with write_session(engine) as session:
        more = [users.actor_of(users.create_user(
            session, None, username=f"wgy.{n}", display_name=f"网格员{n}", role="worker", community_id=world.community_id,
            grid_ids=[world.grid_ids[1]], password=PASSWORD, must_change_password=False).user) for n in ("b", "c", "d")]
    return world, [world.actors["worker"], *more]


def write(engine, call, *args, **kwargs):  # noqa: ANN001, ANN201
    with write_session(engine) as session:
        return call(session, *args, **kwargs)


def ready(engine, world, workers, *, satisfied=40, basic=10, ordinary=40) -> int:  # noqa: ANN001
    """worker1 scored by three colleagues (90, 80, 70), 50 residents' forms, the 街道's 80."""
    supervisor, target = world.actors["supervisor"], workers[0]
    for colleague, offset in zip(workers[1:], (0, 10, 20), strict=True):
        write(engine, cycle.score_colleague, colleague, target.id, YEAR, {k: v - offset for k, v in ALL.items()}, now=NOW)
    for verdict, count, is_ordinary in (("satisfied", satisfied, True), ("basic", basic, False)):
        if count:
            write(engine, cycle.add_forms, supervisor, target.id, YEAR, verdict, is_ordinary, count, now=NOW)
    if ordinary != satisfied:  # move some forms to "not ordinary" by typing them so
        raise AssertionError("the fixture types satisfied forms from ordinary residents only")
    write(engine, cycle.score_street, supervisor, target.id, YEAR, "80", "工作扎实", now=NOW)
    return target.id


def test_the_total_and_grade_of_the_default_scheme_by_hand(engine, office):
    world, workers = office
    worker_id = ready(engine, world, workers)
    with read_session(engine) as session:
        found = cycle.result(session, world.actors["supervisor"], worker_id, YEAR)
    # peers (90 + 80 + 70) / 3 = 80; residents (40 × 100 + 10 × 60) / 50 = 92; 80% ordinary
    assert (found.peers, found.peer_mean, found.forms, found.ordinary_percent, found.residents_score) == (
        3, 80.0, 50, 80.0, 92.0)
    # 0.3 × 80 + 0.1 × 80 + 0.6 × 92 = 24 + 8 + 55.2 = 87.2: 称职 (优秀 from 90)
    assert (found.total, found.missing) == (87.2, [])
    signed = write(engine, cycle.sign_off, world.actors["supervisor"], worker_id, YEAR, now=NOW)
    assert (signed.total, signed.grade) == (87.2, "competent")


def test_the_worker_sees_no_score_before_sign_off_and_never_a_colleagues(engine, office):
    world, workers = office
    worker = workers[0]
    write(engine, cycle.score_colleague, workers[1], worker.id, YEAR, ALL, now=NOW)
    write(engine, cycle.score_colleague, workers[2], worker.id, YEAR, ALL, now=NOW)
    with read_session(engine) as session:
        supervisor_view = cycle.result(session, world.actors["supervisor"], worker.id, YEAR)
        assert (supervisor_view.peers, supervisor_view.peer_mean) == (2, None)  # two: no mean, for anyone
        with pytest.raises(Forbidden):  # a colleague's result is the supervisor's to read
            cycle.result(session, workers[1], worker.id, YEAR)
    worker_id = ready(engine, world, [worker, workers[1], workers[2], workers[3]])
    with read_session(engine) as session:
        own = cycle.result(session, worker, worker_id, YEAR)
    assert (own.peer_mean, own.street_score, own.residents_score, own.total) == (None, None, None, None)
    write(engine, cycle.sign_off, world.actors["supervisor"], worker_id, YEAR, now=NOW)
    with read_session(engine) as session:
        own = cycle.result(session, worker, worker_id, YEAR)
    assert (own.peer_mean, own.street_score, own.total, own.grade) == (80.0, 80.0, 87.2, "competent")


def test_bad_input_is_refused_by_field_and_nothing_is_written(engine, office):
    world, workers = office
    supervisor, worker = world.actors["supervisor"], workers[0]
    with pytest.raises(InvalidMany) as refused:
        write(engine, cycle.score_colleague, workers[1], worker.id, YEAR, {**ALL, "德": "101", "廉": ""}, now=NOW)
    assert [(e.field, e.key) for e in refused.value.errors] == [("criterion.德", "error.assessment.score"),
                                                                ("criterion.廉", "error.assessment.score")]
    with pytest.raises(Invalid) as refused:
        write(engine, cycle.score_colleague, worker, worker.id, YEAR, ALL, now=NOW)
    assert refused.value.key == "error.assessment.self_score"
    with pytest.raises(InvalidMany) as refused:
        write(engine, cycle.add_forms, supervisor, worker.id, YEAR, "great", True, "0", now=NOW)
    assert [e.field for e in refused.value.errors] == ["form_count", "verdict"]
    with pytest.raises(InvalidMany) as refused:
        write(engine, cycle.score_street, supervisor, worker.id, YEAR, "百", now=NOW)
    assert [e.field for e in refused.value.errors] == ["street_score"]
    with read_session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AssessmentPeerScore)) == 0
        assert session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_sign_off_waits_for_every_part_and_the_residents_rule(engine, office):
    """At least 50 forms, at least 70% of them from ordinary residents (the district's 群众测评 rule)."""
    world, workers = office
    supervisor = world.actors["supervisor"]
    worker_id = ready(engine, world, workers, satisfied=30, basic=20, ordinary=30)  # 60% ordinary
    with read_session(engine) as session:
        found = cycle.result(session, supervisor, worker_id, YEAR)
    assert (found.forms, found.ordinary_percent, found.residents_valid, found.missing) == (50, 60.0, False, ["residents"])
    with pytest.raises(Invalid) as refused:
        write(engine, cycle.sign_off, supervisor, worker_id, YEAR, now=NOW)
    assert (refused.value.field, refused.value.key) == ("residents", "error.assessment.missing.residents")
    with pytest.raises(Forbidden):  # forms are typed in by the supervisor, never by a worker
        write(engine, cycle.add_forms, workers[0], worker_id, YEAR, "satisfied", True, 10, now=NOW)


def test_a_signed_off_result_is_locked_and_each_attempt_audited_then_an_objection_answered(engine, office):
    world, workers = office
    supervisor, worker = world.actors["supervisor"], workers[0]
    worker_id = ready(engine, world, workers)
    write(engine, cycle.sign_off, supervisor, worker_id, YEAR, now=NOW)
    assert write(engine, cycle.score_street, supervisor, worker_id, YEAR, "95", now=NOW) is None
    assert write(engine, cycle.score_colleague, workers[1], worker_id, YEAR, ALL, now=NOW) is None
    assert write(engine, cycle.write_summary, worker, YEAR, "补充述职", now=NOW) is None
    with read_session(engine) as session:
        kept = session.scalar(select(Assessment).where(Assessment.user_id == worker_id))
        refused = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "assessment_change_refused")).all()
    assert (kept.street_score, kept.total, kept.self_summary) == (80.0, 87.2, "")
    assert len(refused) == 3 and "street_score" in str(refused[0])
    with pytest.raises(Invalid) as too_early:
        write(engine, cycle.answer_objection, supervisor, worker_id, YEAR, "维持原结果", now=NOW)
    assert too_early.value.key == "error.assessment.no_objection"
    write(engine, cycle.file_objection, worker, YEAR, "群众测评中有一份表格填错了网格", now=NOW)
    with pytest.raises(Invalid) as again:
        write(engine, cycle.file_objection, worker, YEAR, "再次申请", now=NOW)
    assert again.value.key == "error.assessment.objection_filed"
    write(engine, cycle.answer_objection, supervisor, worker_id, YEAR, "已核对，更正后总分不变，维持称职", now=NOW)
    with read_session(engine) as session:
        own = cycle.result(session, worker, worker_id, YEAR)
    assert (own.objection, own.answer) == ("群众测评中有一份表格填错了网格", "已核对，更正后总分不变，维持称职")


def test_the_admins_scheme_and_the_cap_on_excellent(engine, office):
    world, workers = office
    admin, supervisor = world.actors["admin"], world.actors["supervisor"]
    with pytest.raises(InvalidMany) as refused:
        write(engine, cycle.save_scheme, admin, cycle.Scheme(weight_street=40, weight_peer=10, weight_residents=60,
                                                             band_excellent=60, band_competent=70))
    assert {(e.field, e.key) for e in refused.value.errors} == {("weight_street", "error.assessment.weights")}
    with pytest.raises(Invalid) as refused:
        write(engine, cycle.save_scheme, admin, cycle.Scheme(band_excellent=60, band_competent=70))
    assert refused.value.key == "error.assessment.bands"
    # 优秀 from 85; at most 25% of the four workers: one
    write(engine, cycle.save_scheme, admin, cycle.Scheme(band_excellent=85, excellent_cap_percent=25))
    with pytest.raises(Forbidden):
        write(engine, cycle.save_scheme, supervisor, cycle.Scheme())
    first = ready(engine, world, workers)  # 87.2: excellent under the new band
    assert write(engine, cycle.sign_off, supervisor, first, YEAR, now=NOW).grade == "excellent"
    second = ready(engine, world, [workers[1], workers[0], workers[2], workers[3]])
    with pytest.raises(Invalid) as refused:
        write(engine, cycle.sign_off, supervisor, second, YEAR, now=NOW)
    assert (refused.value.key, refused.value.params) == ("error.assessment.excellent_cap", {"allowed": 1, "percent": 25})
    with pytest.raises(Invalid) as refused:
        write(engine, cycle.sign_off, supervisor, second, YEAR, grade="excellent", now=NOW)
    assert write(engine, cycle.sign_off, supervisor, second, YEAR, grade="competent", now=NOW).grade == "competent"


def test_the_one_page_record_holds_the_result_for_the_worker_and_nothing_of_a_colleague(engine, office):
    import io

    from docx import Document

    from core.assessment import record_doc

    world, workers = office
    worker_id = ready(engine, world, workers)
    write(engine, cycle.write_summary, workers[0], YEAR, "全年走访独居老人 120 人次。", now=NOW)
    with read_session(engine) as session:
        before = record_doc.record_docx(session, workers[0], worker_id, YEAR)
    write(engine, cycle.sign_off, world.actors["supervisor"], worker_id, YEAR, now=NOW)
    with read_session(engine) as session:
        after = record_doc.record_docx(session, workers[0], worker_id, YEAR)
        with pytest.raises(Forbidden):
            record_doc.record_docx(session, workers[1], worker_id, YEAR)

    def text(data: bytes) -> str:
        document = Document(io.BytesIO(data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)

    assert "2026年度社区工作者考核登记表" in text(before) and "全年走访独居老人 120 人次。" in text(before)
    assert "87.2" not in text(before) and "80.0" not in text(before)  # nothing scored shows before sign-off
    assert "87.2" in text(after) and "称职" in text(after) and "80.0" in text(after)


def test_the_years_signed_results_for_the_sheet_each_sees_what_they_may(engine, office):
    world, workers = office
    worker_id = ready(engine, world, workers)
    with read_session(engine) as session:
        assert cycle.signed_results(session, world.actors["supervisor"], YEAR) == {}  # nothing signed yet
    write(engine, cycle.sign_off, world.actors["supervisor"], worker_id, YEAR, now=NOW)
    with read_session(engine) as session:
        everyone = cycle.signed_results(session, world.actors["supervisor"], YEAR)
        own = cycle.signed_results(session, workers[0], YEAR)
        colleague = cycle.signed_results(session, workers[1], YEAR)
    assert everyone == own == {worker_id: {"street_score": 80.0, "peer_mean": 80.0, "residents_score": 92.0,
                                           "total": 87.2, "grade": "competent"}}
    assert colleague == {}


def test_residents_send_their_forms_by_the_workers_code_until_the_result_is_signed_off(engine, office):
    from core.satisfaction import service as satisfaction
    from db.models import AssessmentVote

    world, workers = office
    supervisor, secret = world.actors["supervisor"], "s" * 48
    code = write(engine, cycle.evaluation_code, supervisor, secret, workers[0].id, YEAR, now=NOW)
    with read_session(engine) as session:
        shown = satisfaction.verify_token(session, secret, code.token, now=NOW)
    assert (shown.kind, shown.worker, shown.year) == ("evaluation", "worker one", YEAR)
    write(engine, cycle.submit_evaluation, secret, code.token, verdict="satisfied", ordinary=True, now=NOW)
    write(engine, cycle.submit_evaluation, secret, code.token, verdict="basic", ordinary=False, now=NOW)
    with pytest.raises(InvalidMany) as refused:
        write(engine, cycle.submit_evaluation, secret, code.token, verdict="", ordinary=True, now=NOW)
    assert [(e.field, e.key) for e in refused.value.errors] == [("verdict", "error.assessment.verdict")]
    with pytest.raises(Invalid) as refused:  # the code takes forms, never a star rating
        write(engine, satisfaction.submit_public_rating, secret, code.token, score=5, now=NOW)
    assert refused.value.key == "error.survey.invalid"
    with read_session(engine) as session:
        channels = sorted(session.scalars(select(AssessmentVote.channel)))
        found = cycle.result(session, supervisor, workers[0].id, YEAR)
    assert channels == ["qr", "qr"] and (found.forms, found.ordinary_percent, found.residents_score) == (2, 50.0, 80.0)
    worker_id = ready(engine, world, workers)
    write(engine, cycle.sign_off, supervisor, worker_id, YEAR, now=NOW)
    with pytest.raises(Invalid) as refused:
        write(engine, cycle.submit_evaluation, secret, code.token, verdict="satisfied", ordinary=True, now=NOW)
    assert refused.value.key == "error.assessment.signed"


def test_an_evaluation_code_takes_a_bounded_number_of_forms_an_hour(engine, office, monkeypatch):
    world, workers = office
    monkeypatch.setattr(cycle, "EVALUATION_HOURLY_LIMIT", 2)  # 200 in use: a residents' meeting at once
    code = write(engine, cycle.evaluation_code, world.actors["supervisor"], "s" * 48, workers[0].id, YEAR, now=NOW)
    for _ in range(2):
        write(engine, cycle.submit_evaluation, "s" * 48, code.token, verdict="satisfied", ordinary=True, now=NOW)
    with pytest.raises(Invalid) as refused:
        write(engine, cycle.submit_evaluation, "s" * 48, code.token, verdict="satisfied", ordinary=True, now=NOW)
    assert refused.value.key == "error.survey.busy"
    later = NOW.replace(hour=NOW.hour + 2)
    write(engine, cycle.submit_evaluation, "s" * 48, code.token, verdict="satisfied", ordinary=True, now=later)
