"""绩效概览 on both databases: each figure of October 2026 against a hand-computed office, with a
worker who changed grids on 16 October, one who joined that day, and who sees which rows."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from core.activities import service as activities
from core.assessment import overview
from core.base.errors import Forbidden, Invalid
from core.office import users
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from core.visits import service as visits
from db.engine import read_session, write_session
from db.models import ActivityCategory, CourseCategory, ExternalHours
from tests.factories import PASSWORD, make_resident_id, make_world, register, vault_for_tests
from tests.unit.mediation.test_law import agree, move
from tests.unit.mediation.test_service import case_input
from tests.unit.mediation.test_service import register as register_case

VAULT = vault_for_tests()
OCTOBER = overview.period_of(date(2026, 10, 1), date(2026, 10, 1))
TODAY = date(2026, 11, 15)
CHANGED = datetime(2026, 10, 16, 9)  # 乙 moves from grid B to grid A; 丙 joins and takes grid B


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour)


def _worker(session, world, name: str, username: str, grid: int, joined: datetime):  # noqa: ANN001, ANN202
    account = users.create_user(session, None, username=username, display_name=name, role="worker",
                                community_id=world.community_id, grid_ids=[grid], password=PASSWORD,
                                must_change_password=False, now=joined)
    return users.actor_of(account.user)


@pytest.fixture
def office(engine):  # noqa: ANN201
    return build_office(engine, make_world(engine))


def build_office(engine, world):  # noqa: ANN001, ANN201
    """Grid A: 甲 all year, 丁 all year, 乙 from 16 October; grid B: 乙 until 15 October, 丙 from 16 October."""
    supervisor = world.actors["supervisor"]
    grid_a, grid_b = world.grid_ids
    with write_session(engine) as session:
        jia = _worker(session, world, "网格员甲", "wgy.jia", grid_a, datetime(2026, 1, 5, 9))
        yi = _worker(session, world, "网格员乙", "wgy.yi", grid_b, datetime(2026, 1, 5, 9))
        ding = _worker(session, world, "网格员丁", "wgy.ding", grid_a, datetime(2026, 1, 5, 9))
    with write_session(engine) as session:
        account = users.get_user(session, yi.id)
        users.update_user(session, world.actors["admin"], yi.id, account.version, display_name="网格员乙",
                          role="worker", community_id=world.community_id, grid_ids=[grid_a], active=True, now=CHANGED)
        bing = _worker(session, world, "网格员丙", "wgy.bing", grid_b, CHANGED)
        yi = users.actor_of(users.get_user(session, yi.id))
    people = {}
    with write_session(engine) as session:
        for name, seq, grid in (("李伯", "201", grid_b), ("王伯", "202", grid_b), ("张伯", "203", grid_a),
                                ("赵姨", "204", grid_a)):
            people[name] = register(session, supervisor, VAULT, residents.ResidentForm(
                name=name, id_number=make_resident_id("19600101", seq), grid_id=grid, address=f"和平里{seq}号",
                tags=["disabled"]), now=datetime(2025, 1, 1, 9)).id  # disabled: a monthly visit
    return world, {"jia": jia, "yi": yi, "bing": bing, "ding": ding}, people


def _visits(engine, supervisor, people) -> None:  # noqa: ANN001
    """李伯 (B) due 5 Oct, seen 4 Oct: on time, 乙's. 王伯 (B) due 25 Oct, not seen: missed, 丙's.
    张伯 (A) due 20 Oct, seen 22 Oct: late, held by 甲, 乙 and 丁 that day. 赵姨 (A) due 1 Oct
    (never seen), seen 2 Oct: late, 甲's and 丁's (乙 came on the 16th)."""
    for name, days in (("李伯", ("2026-09-05", "2026-10-04")), ("王伯", ("2026-09-25",)),
                       ("张伯", ("2026-09-20", "2026-10-22")), ("赵姨", ("2026-10-02",))):
        for day in days:
            with write_session(engine) as session:
                visits.record(session, supervisor, visits.VisitInput(resident_id=people[name], visited_on=day),
                              now=at(day, 15))


def _cases(engine, world, workers) -> None:  # noqa: ANN001
    """甲 (A): received 3 Oct, settled 13 Oct (10 days); received 10 Sep, still open past its due
    date of 10 Oct. 乙 (B): received 20 Oct, failed 28 Oct. 丙 (B): received 20 Sep, settled 25 Oct,
    past its due date of 20 Oct (35 days)."""
    supervisor = world.actors["supervisor"]
    grid_a, grid_b = world.grid_ids

    def case(mediator, grid, intake):  # noqa: ANN001, ANN202
        found = register_case(engine, supervisor, case_input(engine, world, intake_date=intake, grid_id=grid,
                                                             mediator_id=mediator.id), now=at(intake, 9))
        move(engine, supervisor, found.id, "start", intake)
        return found.id

    agree(engine, supervisor, case(workers["jia"], grid_a, "2026-10-03"), "2026-10-13")
    case(workers["jia"], grid_a, "2026-09-10")
    move(engine, supervisor, case(workers["yi"], grid_b, "2026-10-20"), "fail", "2026-10-28")
    agree(engine, supervisor, case(workers["bing"], grid_b, "2026-09-20"), "2026-10-25")


def _activities(engine, world, workers, people) -> None:  # noqa: ANN001
    """12 Oct, grid A, by 甲: 张伯 and 赵姨 came. 20 Oct, grid B, by 乙 and 丙: 李伯 came."""
    supervisor = world.actors["supervisor"]
    with read_session(engine) as session:
        kind = session.scalar(select(ActivityCategory.id).where(ActivityCategory.name == "健康讲座"))
    for day, grid, organisers, came in (("2026-10-12", world.grid_ids[0], ["jia"], ["张伯", "赵姨"]),
                                        ("2026-10-20", world.grid_ids[1], ["yi", "bing"], ["李伯"])):
        starts = at(day, 9)
        with write_session(engine) as session:
            activity = activities.create(session, supervisor, activities.ActivityInput(
                title="健康讲座", category_id=kind, starts_at=starts, ends_at=at(day, 11), grid_ids=[grid],
                organiser_ids=[workers[w].id for w in organisers]), now=at("2026-10-01"))
            signed = [activities.sign_up(session, supervisor, activity.id, people[n], now=at("2026-10-02")).id
                      for n in came]
            activities.mark_attendance(session, supervisor, activity.id, set(signed), now=at(day, 10))


def _training(engine, workers) -> None:  # noqa: ANN001
    """Approved hours earned elsewhere: 甲 6 h on 8 October; 乙 25 h in March (the year's 24 met)."""
    with write_session(engine) as session:
        category = session.scalar(select(CourseCategory.id))
        for who, day, hours in (("jia", date(2026, 10, 8), 6.0), ("yi", date(2026, 3, 3), 25.0)):
            session.add(ExternalHours(user_id=workers[who].id, category_id=category, title="社会工作实务", organiser="区社工协会",
                                      completed_on=day, hours=hours, file_name="证书.pdf", stored_as="x", file_kind="pdf",
                                      file_size=1, file_sha256="0" * 64, status="approved", submitted_at=at("2026-10-09")))


def _ratings(engine, world, workers) -> None:  # noqa: ANN001
    """About 甲: 5 5 4 4 3 3; about 乙: 5 4 4 4 4; about 丙: 2 3. All typed in by the supervisor."""
    supervisor = world.actors["supervisor"]
    with write_session(engine) as session:
        for who, grid, scores in (("jia", world.grid_ids[0], (5, 5, 4, 4, 3, 3)),
                                  ("yi", world.grid_ids[0], (5, 4, 4, 4, 4)), ("bing", world.grid_ids[1], (2, 3))):
            for score in scores:
                satisfaction.record_rating(session, supervisor, satisfaction.RatingInput(
                    score=score, category="service", grid_id=grid, worker_id=workers[who].id,
                    rated_on="2026-10-21", channel="phone_survey"), now=at("2026-10-21"))


@pytest.fixture
def october(engine, office):  # noqa: ANN201
    return build_october(engine, office)


def build_october(engine, office):  # noqa: ANN001, ANN201
    """The office's October: visits, cases, activities, training and ratings, as counted by hand."""
    world, workers, people = office
    _visits(engine, world.actors["supervisor"], people)
    _cases(engine, world, workers)
    _activities(engine, world, workers, people)
    _training(engine, workers)
    _ratings(engine, world, workers)
    return world, workers


def rows_of(engine, actor):  # noqa: ANN001, ANN201
    with read_session(engine) as session:
        found = overview.overview(session, actor, OCTOBER, today=TODAY)
    return {row.label: row.figures for row in found.workers}, {row.label: row.figures for row in found.grids}, found


def test_each_figure_of_october_as_counted_by_hand(engine, october):
    world, _workers = october
    workers, grids, found = rows_of(engine, world.actors["supervisor"])
    assert list(workers) == ["网格员丁", "网格员丙", "网格员乙", "网格员甲"]  # by name, every worker of the period
    assert found.as_of == date(2026, 10, 31)

    def pick(row, *names):  # noqa: ANN001, ANN202
        return tuple(row[name] for name in names)

    cases = ("cases_received", "cases_concluded", "cases_settled", "cases_overdue", "days_to_settle")
    assert pick(workers["网格员甲"], *cases) == (1, 1, 1, 1, 10.0)
    assert pick(workers["网格员乙"], *cases) == (1, 1, 0, 0, None)
    assert pick(workers["网格员丙"], *cases) == (0, 1, 1, 1, 35.0)
    assert pick(grids["第一网格"], *cases) == (1, 1, 1, 1, 10.0)
    assert pick(grids["第二网格"], *cases) == (1, 2, 1, 1, 35.0)
    seen = ("visits_due", "visits_on_time", "visits_on_time_share")
    assert pick(workers["网格员甲"], *seen) == (2, 0, 0.0)  # 张伯 late, 赵姨 late
    assert pick(workers["网格员乙"], *seen) == (2, 1, 0.5)  # 李伯 on time in grid B, 张伯 late in grid A
    assert pick(workers["网格员丙"], *seen) == (1, 0, 0.0)  # 王伯 missed, in grid B since the 16th
    assert pick(workers["网格员丁"], *seen) == (2, 0, 0.0)
    assert pick(grids["第一网格"], *seen) == (2, 0, 0.0) and pick(grids["第二网格"], *seen) == (2, 1, 0.5)
    done = ("activities_organised", "residents_served")
    assert pick(workers["网格员甲"], *done) == (1, 2) and pick(workers["网格员乙"], *done) == (1, 1)
    assert pick(workers["网格员丙"], *done) == (1, 1) and pick(workers["网格员丁"], *done) == (0, 0)
    assert pick(grids["第一网格"], *done) == (1, 2) and pick(grids["第二网格"], *done) == (1, 1)
    learnt = ("training_hours", "training_pace")
    # the local quota, 24 h a calendar year: by 31 October about 20 h are expected
    assert pick(workers["网格员甲"], *learnt) == (6.0, "behind")
    assert pick(workers["网格员乙"], *learnt) == (0.0, "met")
    assert pick(workers["网格员丙"], *learnt) == (0.0, "behind")
    rated = ("rating_count", "rating_mean", "rating_csat", "rating_withheld")
    assert pick(workers["网格员甲"], *rated) == (6, 4.0, 0.6667, None)
    # 丙's two ratings are too few; alone hidden they would follow from the total: 乙's, the
    # smallest shown, is hidden too
    assert pick(workers["网格员乙"], *rated) == (5, None, None, "protected")
    assert pick(workers["网格员丙"], *rated) == (2, None, None, "too_few")
    assert pick(workers["网格员丁"], *rated) == (0, None, None, None)


def test_the_change_against_september(engine, october):
    world, _workers = october
    with read_session(engine) as session:
        found = overview.overview(session, world.actors["supervisor"], OCTOBER, today=TODAY)
    jia = next(row for row in found.workers if row.label == "网格员甲")
    # September: 甲 received one case (10 Sep), settled none, organised nothing, earned no hours
    assert (jia.change["cases_received"], jia.change["cases_settled"], jia.change["activities_organised"],
            jia.change["training_hours"]) == (0, 1, 1, 6.0)


def test_a_worker_sees_their_own_row_and_the_total_of_a_grid_of_three(engine, october):
    world, workers = october
    rows, grids, _found = rows_of(engine, workers["jia"])
    assert list(rows) == ["网格员甲"]
    assert list(grids) == ["第一网格"]  # 甲, 乙 and 丁 held it in October; grid B only 乙 and 丙
    rows, grids, _found = rows_of(engine, workers["bing"])
    assert list(rows) == ["网格员丙"] and grids == {}
    supervisor_rows, _grids, _found = rows_of(engine, world.actors["supervisor"])
    assert rows["网格员丙"] == supervisor_rows["网格员丙"]  # the very row their supervisor sees
    for role in ("trainer", "admin"):
        with read_session(engine) as session, pytest.raises(Forbidden):
            overview.overview(session, world.actors[role], OCTOBER, today=TODAY)


def test_a_period_is_whole_months_in_order_and_at_most_three_years():
    assert overview.period_of(date(2026, 10, 20), date(2026, 12, 5)) == overview.Period(date(2026, 10, 1),
                                                                                        date(2026, 12, 31))
    assert overview.period_of(date(2026, 7, 1), date(2026, 9, 1)).previous() == overview.Period(
        date(2026, 4, 1), date(2026, 6, 30))
    with pytest.raises(Invalid) as refused:
        overview.period_of(date(2026, 10, 1), date(2026, 9, 1))
    assert (refused.value.field, refused.value.key) == ("last_month", "error.date_range.reversed")
    with pytest.raises(Invalid) as refused:
        overview.period_of(date(2023, 1, 1), date(2026, 1, 1))
    assert refused.value.key == "error.date_range.too_long"


def test_the_street_reads_every_row_of_the_community_it_picks(engine, october):
    world, _workers = october
    with write_session(engine) as session:
        street = users.actor_of(users.create_user(session, None, username="jd.li", display_name="街道科长", role="street",
                                                  password=PASSWORD, must_change_password=False).user)
    with read_session(engine) as session:
        assert overview.communities(session, street) == {world.community_id: "和平里社区",
                                                          world.other_community_id: "安定门社区"}
        found = overview.overview(session, street, OCTOBER, today=TODAY, community_id=world.community_id)
        with pytest.raises(Invalid) as refused:
            overview.overview(session, street, OCTOBER, today=TODAY)
    supervisor_rows, supervisor_grids, _found = rows_of(engine, world.actors["supervisor"])
    assert {row.label: row.figures for row in found.workers} == supervisor_rows
    assert (refused.value.field, refused.value.key) == ("community", "error.community.unknown")
