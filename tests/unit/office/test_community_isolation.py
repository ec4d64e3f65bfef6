"""Several communities on one installation: a supervisor or admin of one community sees every grid
of it and nothing of another — residents, cases, ratings, staff compliance, the dashboard and the
monthly workbook — on both databases. The installation's system administrator sees neither's
residents, cases or ratings."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from core.base.errors import Forbidden
from core.base.permissions import Actor
from core.mediation import dispute_types, early_warning, judicial_office
from core.mediation import service as mediations
from core.mediation import statistics as mediation_statistics
from core.office import users
from core.reporting import reports
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from core.training import service as training
from db.engine import read_session, write_session
from db.models import User
from tests.factories import PASSWORD, make_resident_id, make_world, register, vault_for_tests

VAULT = vault_for_tests()
NOW = datetime(2026, 6, 20, 9)
TODAY = NOW.date()
HOME, OTHER = "和平里", "安定门"


def _community(session, world, community_id, grid_id, name, seq):  # noqa: ANN001, ANN202
    """A worker and supervisor of the community, a resident, a high-risk case, five ratings."""
    staff = {}
    for role in ("worker", "supervisor"):
        account = users.create_user(session, None, username=f"{role}-{seq}", display_name=f"{name}{role}",
                                    role=role, community_id=community_id,
                                    grid_ids=[grid_id] if role == "worker" else [], password=PASSWORD,
                                    must_change_password=False)
        staff[role] = users.actor_of(account.user)
    register(session, staff["worker"], VAULT, residents.ResidentForm(
        name=f"{name}居民", id_number=make_resident_id("19500101", f"{seq:03d}"), grid_id=grid_id,
        address=f"{name}小区1号楼", tags=["elderly_alone"]), now=NOW - timedelta(days=40))
    kind = next(iter(dispute_types.offered(session, staff["worker"])))
    case = mediations.register(session, staff["worker"], mediations.CaseInput(
        intake_date=TODAY - timedelta(days=3), source="application", type_id=kind, grid_id=grid_id,
        facts=f"{name}噪音扰民", parties=[mediations.PartyInput(name=f"{name}申请人"),
                                        mediations.PartyInput(side="respondent", name=f"{name}被申请人")]),
        now=NOW - timedelta(days=3))
    session.flush()
    early_warning.set_risk(session, staff["supervisor"], case.id, case.version, level="high",
                           reason=f"{name}可能激化", reported_to="街道综治中心", reported_on=TODAY - timedelta(days=2),
                           now=NOW - timedelta(days=2))
    for score in (5, 4, 4, 3, 1):
        satisfaction.record_rating(session, staff["supervisor"], satisfaction.RatingInput(
            score=score, category="visit", grid_id=grid_id, rated_on=TODAY - timedelta(days=1), comment=f"{name}的意见"),
            now=NOW - timedelta(days=1))
    return staff


@pytest.fixture
def two(engine):
    world = make_world(engine)
    with write_session(engine) as session:
        home = _community(session, world, world.community_id, world.grid_ids[0], HOME, 1)
        other = _community(session, world, world.other_community_id, world.other_grid_id, OTHER, 2)
        installation = users.create_user(session, None, username="root-admin", display_name="系统管理员",
                                         role="sysadmin", password=PASSWORD, must_change_password=False)
    with read_session(engine) as session:  # actors as a login builds them: with their community's grids
        fresh = {username: users.actor_of(session.get(User, actor.id))
                 for username, actor in (("home-supervisor", home["supervisor"]), ("other-supervisor",
                                                                                    other["supervisor"]))}
        fresh["home-admin"] = users.actor_of(session.get(User, world.actors["admin"].id))
        fresh["installation"] = users.actor_of(session.get(User, installation.user.id))
    return world, fresh


def everything_seen(session, actor: Actor) -> str:  # noqa: ANN001
    """Every core read a supervisor's screens make, flattened to text."""
    parts = [residents.search(session, actor, VAULT, residents.Filters(), today=TODAY).rows,
             mediations.list_cases(session, actor, mediations.CaseFilters(), today=TODAY),
             early_warning.watch_list(session, actor),
             satisfaction.low_ratings(session, actor, satisfaction.RatingFilters(), today=TODAY),
             satisfaction.page_figures(session, actor, satisfaction.RatingFilters(), today=TODAY),
             training.compliance(session, actor, today=TODAY)]
    return repr(parts)


def counts(session, actor: Actor) -> tuple:  # noqa: ANN001
    figures = {f.key + str(f.params.get("tag", "")): f.value
               for f in reports.dashboard_figures(session, actor, TODAY)}
    month = date(2026, 6, 1)
    return (residents.count(session, actor, VAULT, residents.Filters(), today=TODAY),
            mediations.count_cases(session, actor, mediations.CaseFilters(), today=TODAY),
            satisfaction.overview(session, actor, satisfaction.RatingFilters(), today=TODAY)["count"],
            satisfaction.days_overview(session, actor, month, TODAY)["count"],
            mediation_statistics.monthly_statistics(session, actor, month, month)[0]["received"],
            judicial_office.table(session, actor, month, month)["total"]["received"],
            figures["dashboard.residents"], figures["dashboard.cases_open"],
            figures["dashboard.satisfaction_count"])


def test_a_supervisor_sees_every_grid_of_their_community_and_nothing_of_another(engine, two):
    _world, actors = two
    with read_session(engine) as session:
        home = everything_seen(session, actors["home-supervisor"])
        other = everything_seen(session, actors["other-supervisor"])
    assert HOME in home and OTHER not in home
    assert OTHER in other and HOME not in other


def test_every_figure_counts_only_the_actors_community(engine, two):
    world, actors = two
    with read_session(engine) as session:
        home = counts(session, actors["home-supervisor"])
        admin = counts(session, actors["home-admin"])
        other = counts(session, actors["other-supervisor"])
        with pytest.raises(Forbidden):
            counts(session, actors["installation"])
        with pytest.raises(Forbidden):
            everything_seen(session, actors["installation"])
        assert reports.dashboard_figures(session, actors["installation"], TODAY) == []
    # one resident, one case, five ratings each
    assert home == admin == other == (1, 1, 5, 5, 1, 1, 1, 1, 5)


def test_compliance_lists_only_the_communitys_staff(engine, two):
    _world, actors = two
    with read_session(engine) as session:
        names = {row["name"] for row in training.compliance(session, actors["other-supervisor"], today=TODAY)}
    assert names == {f"{OTHER}worker", f"{OTHER}supervisor"}


def test_the_monthly_workbook_holds_only_the_community(engine, two):
    _world, actors = two
    with read_session(engine) as session:
        data = reports.monthly_workbook(session, actors["other-supervisor"], date(2026, 6, 1), today=TODAY)
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)
    assert "安定门社区" in cells and "和平里社区" not in cells and f"{HOME}supervisor" not in cells
    assert f"{OTHER}supervisor" in cells


def test_a_grid_added_later_is_seen_at_the_next_login(engine, two):
    """The community's grids are read when the actor is built (every page run), not kept."""
    from core.office import communities
    from tests.factories import ROOT

    world, actors = two
    with write_session(engine) as session:
        grid = communities.create_grid(session, ROOT, community_id=world.community_id, name="第三网格")
    with read_session(engine) as session:
        supervisor = users.actor_of(session.get(User, actors["home-supervisor"].id))
    assert grid.id in supervisor.grid_ids and world.other_grid_id not in supervisor.grid_ids


def test_colleague_pickers_list_only_the_communitys_staff(engine, two):
    """Who a rating concerns, who is expected at a course: colleagues of one's own community."""
    from core.office import staff

    world, actors = two
    with read_session(engine) as session:
        home = set(staff.active_staff(session, actors["home-supervisor"]).values())
        course = set(training.staff_choices(session, world.actors["trainer"]).values())
        everyone = set(staff.active_staff(session, actors["installation"]).values())
    assert f"{HOME}worker" in home and f"{OTHER}worker" not in home
    assert course == home
    assert {f"{HOME}worker", f"{OTHER}worker"} <= everyone


def test_a_rating_or_course_naming_another_communitys_colleague_is_refused(engine, two):
    """The colleague a rating concerns, the people expected at a course or added as walk-ins:
    staff of the actor's own community; the refusal names the field and writes nothing."""
    from core.base.errors import Invalid, InvalidMany
    from core.training import categories
    from db.models import AuditEvent, Course, Rating
    from tests.factories import count

    world, actors = two
    with read_session(engine) as session:
        stranger = users.find_by_username(session, "worker-2").id  # 安定门's worker
        home_worker = users.find_by_username(session, "worker-1").id
    before = (count(engine, Rating), count(engine, Course), count(engine, AuditEvent))
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            satisfaction.record_rating(session, actors["home-supervisor"], satisfaction.RatingInput(
                score=4, category="visit", grid_id=world.grid_ids[0], rated_on=TODAY, worker_id=stranger), now=NOW)
    assert [(e.field, e.key) for e in refused.value.errors] == [("worker", "error.staff.other_community")]
    starts = NOW + timedelta(days=3)
    with pytest.raises(InvalidMany) as refused_course:
        with write_session(engine) as session:
            training.create_course(session, world.actors["trainer"], training.CourseInput(
                category_id=categories.SOCIAL_WORK, title="调解实务", topic="调解", starts_at=starts,
                ends_at=starts + timedelta(hours=3), credit_hours=3, participant_ids=[home_worker, stranger]), now=NOW)
    assert [(e.field, e.key) for e in refused_course.value.errors] == [
        ("participants", "error.course.unknown_participant")]
    with write_session(engine) as session:
        made = training.create_course(session, world.actors["trainer"], training.CourseInput(
            category_id=categories.SOCIAL_WORK, title="调解实务", topic="调解", starts_at=NOW - timedelta(hours=4),
            ends_at=NOW - timedelta(hours=1), credit_hours=3, participant_ids=[home_worker]), now=NOW - timedelta(days=1))
        course_id, version = made.id, made.roster_version
    after_course = (count(engine, Rating), count(engine, Course), count(engine, AuditEvent))
    with pytest.raises(Invalid) as refused_walk_in:
        with write_session(engine) as session:
            training.add_walk_ins(session, world.actors["trainer"], course_id, [stranger], version, now=NOW)
    assert (refused_walk_in.value.field, refused_walk_in.value.key) == ("walk_ins", "error.course.unknown_participant")
    assert before[0] == after_course[0] and after_course[1] == before[1] + 1
    assert (count(engine, Rating), count(engine, Course), count(engine, AuditEvent)) == after_course


def test_courses_belong_to_their_community_and_one_open_to_all_takes_everyones_staff(engine, two):
    """A trainer lists and manages their community's courses only; a course open to every
    community of the 街道 may expect, add and check in another community's staff, whose hours
    count in their own community's figures."""
    from core.base.errors import Invalid, InvalidMany, NotFound
    from core.training import categories

    world, actors = two
    with write_session(engine) as session:
        other_trainer = users.actor_of(users.create_user(
            session, None, username="trainer-2", display_name="安定门培训师", role="trainer",
            community_id=world.other_community_id, password=PASSWORD, must_change_password=False).user)
        stranger = users.find_by_username(session, "worker-2").id
        home_worker = users.find_by_username(session, "worker-1").id
    starts = NOW - timedelta(minutes=30)

    def course(trainer, title, *, open_to_all, people):  # noqa: ANN001, ANN202
        with write_session(engine) as session:
            return training.create_course(session, trainer, training.CourseInput(
                category_id=categories.SOCIAL_WORK, title=title, topic="调解", starts_at=starts,
                ends_at=starts + timedelta(hours=3), credit_hours=3, participant_ids=people,
                open_to_all=open_to_all), now=NOW - timedelta(days=2)).id

    own = course(world.actors["trainer"], "本社区课程", open_to_all=False, people=[home_worker])
    shared = course(world.actors["trainer"], "街道公开课", open_to_all=True, people=[home_worker, stranger])
    with read_session(engine) as session:
        assert {c["title"] for c in training.list_courses(session, world.actors["trainer"])} == {"本社区课程", "街道公开课"}
        assert training.list_courses(session, other_trainer) == []
        for call in (lambda: training.load_roster(session, other_trainer, own),
                     lambda: training.course_form(session, other_trainer, shared)):
            with pytest.raises(NotFound):
                call()
    with read_session(engine) as session:
        _, version = training.load_roster(session, world.actors["trainer"], own)
    with pytest.raises(NotFound):  # another community's course, even by its id
        with write_session(engine) as session:
            training.save_roster(session, other_trainer, own, version,
                                 [training.RosterEntry(stranger, "present", None)], now=NOW)
    with pytest.raises(InvalidMany) as refused_line:  # a stranger on a course not open to all
        with write_session(engine) as session:
            training.save_roster(session, world.actors["trainer"], own, version,
                                 [training.RosterEntry(stranger, "present", None)], now=NOW)
    assert [(e.field, e.key) for e in refused_line.value.errors] == [("row_1", "error.course.unknown_participant")]
    with read_session(engine) as session:
        stranger_actor = users.actor_of(users.find_by_username(session, "worker-2"))
        own_course, shared_course = training.course_by_id(session, world.actors["trainer"], own), \
            training.course_by_id(session, world.actors["trainer"], shared)
        own_token, shared_token = (training.checkin_token("s" * 32, own_course),
                                   training.checkin_token("s" * 32, shared_course))
    with pytest.raises(Invalid) as refused:
        with write_session(engine) as session:
            training.check_in(session, stranger_actor, "s" * 32, own_token, now=NOW)
    assert refused.value.key == "error.checkin.other_community"
    with write_session(engine) as session:
        training.check_in(session, stranger_actor, "s" * 32, shared_token, now=NOW)
    month = TODAY.replace(day=1)
    with read_session(engine) as session:
        other_hours = sum(row["hours"] for row in training.hours_by_month_and_topic(
            session, actors["other-supervisor"], month, month))
        home_hours = sum(row["hours"] for row in training.hours_by_month_and_topic(
            session, actors["home-supervisor"], month, month))
    assert other_hours > 0 and home_hours == 0  # the hours earned at 和平里's open course count for 安定门


def test_a_case_is_mediated_by_a_colleague_of_its_community(engine, two):
    """A case's mediator sees it: one of another community is neither offered nor accepted."""
    from core.base.errors import InvalidMany

    world, actors = two
    with read_session(engine) as session:
        offered = set(mediations.mediators(session, actors["home-supervisor"]).values())
        stranger = users.find_by_username(session, "worker-2").id
    assert f"{HOME}worker" in offered and f"{OTHER}worker" not in offered
    with read_session(engine) as session:
        kind = next(iter(dispute_types.offered(session, actors["home-supervisor"])))
        before = mediations.count_cases(session, actors["home-supervisor"], mediations.CaseFilters(), today=TODAY)
    with pytest.raises(InvalidMany) as refused:
        with write_session(engine) as session:
            mediations.register(session, actors["home-supervisor"], mediations.CaseInput(
                intake_date=TODAY, source="application", type_id=kind, grid_id=world.grid_ids[0], facts="噪音",
                mediator_id=stranger, parties=[mediations.PartyInput(name="甲"),
                                               mediations.PartyInput(side="respondent", name="乙")]), now=NOW)
    assert ("mediator", "error.staff.other_community") in [(e.field, e.key) for e in refused.value.errors]
    with read_session(engine) as session:
        assert mediations.count_cases(session, actors["home-supervisor"], mediations.CaseFilters(),
                                      today=TODAY) == before
