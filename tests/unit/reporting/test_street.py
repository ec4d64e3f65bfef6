"""The 街道's figures: each community side by side and combined, by the communities' own
definitions, with satisfaction suppressed across communities and no resident's data anywhere."""

import io

import openpyxl
import pytest

from core.base.errors import Forbidden
from core.base.permissions import community_view
from core.office import communities, users
from core.reporting import reports, street
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from tests.factories import PASSWORD, ROOT, make_world
from tests.unit.office.test_community_isolation import HOME, NOW, OTHER, TODAY, _community

PERSONAL = (f"{HOME}居民", f"{OTHER}居民", "申请人", "被申请人", "的意见", "噪音扰民", "可能激化", "小区1号楼")


@pytest.fixture
def district(engine):
    """和平里 and 安定门 (a resident, an open high-risk case, five ratings each), 新风 (two ratings),
    and a 街道干部."""
    world = make_world(engine)
    with write_session(engine) as session:
        home = _community(session, world, world.community_id, world.grid_ids[0], HOME, 1)
        _community(session, world, world.other_community_id, world.other_grid_id, OTHER, 2)
        small = communities.create_community(session, ROOT, name="新风社区")
        grid = communities.create_grid(session, ROOT, community_id=small.id, name="新风网格")
        rater = users.actor_of(users.create_user(session, None, username="xf.sup", display_name="新风主管",
                                                 role="supervisor", community_id=small.id, password=PASSWORD,
                                                 must_change_password=False).user)
        for score in (5, 2):
            satisfaction.record_rating(session, rater, satisfaction.RatingInput(
                score=score, category="visit", grid_id=grid.id, rated_on=TODAY, comment="新风的意见"), now=NOW)
        officer = users.actor_of(users.create_user(session, None, username="jd.gb", display_name="街道干部",
                                                   role="street", password=PASSWORD,
                                                   must_change_password=False).user)
    return world, home, officer


def test_each_community_side_by_side_and_combined_by_the_communities_own_definitions(engine, district):
    world, home, officer = district
    with read_session(engine) as session:
        columns = street.overview(session, officer, TODAY)
        own = {f.key: f.value for f in reports.dashboard_figures(session, home["supervisor"], TODAY)}
        other_supervisor = users.actor_of(users.find_by_username(session, "supervisor-2"))
        other = {f.key + f.params.get("tag", ""): f.value
                 for f in reports.dashboard_figures(session, other_supervisor, TODAY)}
    assert [column.name for column in columns] == ["和平里社区", "安定门社区", "新风社区", ""]
    by_name = {column.name: column.figures for column in columns}
    combined = columns[-1].figures
    # the community's column is its supervisor's own dashboard
    assert by_name["和平里社区"]["residents"] == own["dashboard.residents"] == 1
    assert by_name["和平里社区"]["cases_open"] == own["dashboard.cases_open"] == 1
    for key, figure in (("residents", "dashboard.residents"), ("tag.elderly_alone", "dashboard.residents_tagelderly_alone"),
                        ("cases_open", "dashboard.cases_open"), ("cases_overdue", "dashboard.cases_overdue"),
                        ("satisfaction_count", "dashboard.satisfaction_count"),
                        ("training_on_pace", "dashboard.training_compliance"),
                        ("visits_on_time", "dashboard.visits_on_time")):
        assert by_name["安定门社区"][key] == other[figure], key
    assert (combined["residents"], combined["cases_open"], combined["received"]) == (2, 2, 2)
    assert combined["tag.elderly_alone"] == 2
    assert combined["satisfaction_count"] == 12


def test_satisfaction_suppression_holds_across_communities(engine, district):
    """新风 has 2 ratings: hidden. With the combined total shown, 新风 = total − 和平里 − 安定门,
    so one more community is hidden (the first of the smallest)."""
    _world, _home, officer = district
    with read_session(engine) as session:
        columns = street.overview(session, officer, TODAY)
    hidden = {column.name: column.satisfaction_hidden for column in columns}
    assert hidden == {"和平里社区": "protected", "安定门社区": "", "新风社区": "too_few", "": ""}
    by_name = {column.name: column.figures for column in columns}
    assert by_name["新风社区"]["satisfaction_mean"] is None and by_name["和平里社区"]["satisfaction_mean"] is None
    assert by_name["新风社区"]["satisfaction_count"] == 2  # a count reveals nobody's score
    assert by_name["安定门社区"]["satisfaction_mean"] == 3.4
    assert by_name[""]["satisfaction_mean"] == round((17 * 2 + 7) / 12, 2)


def test_the_street_sees_no_residents_data_and_no_one_else_sees_the_street(engine, district):
    world, home, officer = district
    with read_session(engine) as session:
        seen = repr(street.overview(session, officer, TODAY))
        book = openpyxl.load_workbook(io.BytesIO(street.community_workbook(
            session, officer, world.community_id, TODAY.replace(day=1))))
        for actor in (home["supervisor"], home["worker"], world.actors["admin"], ROOT):
            with pytest.raises(Forbidden):
                street.overview(session, actor, TODAY)
        for read in (lambda: reports.dashboard_figures(session, officer, TODAY),):
            assert read() == []  # the 街道's own account opens no community's figures directly
    cells = " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)
    assert "和平里社区" in cells and "安定门社区" not in cells
    assert not [word for word in PERSONAL if word in seen or word in cells]


def test_the_combined_workbook_holds_every_community_and_no_residents_data(engine, district):
    _world, _home, officer = district
    with read_session(engine) as session:
        book = openpyxl.load_workbook(io.BytesIO(street.combined_workbook(session, officer, TODAY.replace(day=1))))
    sheets = {sheet.title: [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
              for sheet in book}
    cells = " ".join(str(cell) for rows in sheets.values() for row in rows for cell in row)
    assert "和平里社区、安定门社区、新风社区" in cells
    residents_sheet = sheets["居民"]
    assert next(row for row in residents_sheet if row and row[0] == "全部居民")[1] == 2
    staff = {row[0] for row in sheets["培训"] if row}
    assert {f"{HOME}worker", f"{OTHER}worker"} <= staff  # staff are not residents: named where training needs it
    assert not [word for word in PERSONAL if word in cells]


def test_the_month_per_community_is_each_communitys_own_month_on_the_demo(engine, monkeypatch):
    """month_by_community (one query for every community) against monthly_statistics (each
    community's own), month by month over the demo's year of cases in every state."""
    from datetime import datetime

    from core import demo
    from core.base import clock
    from core.mediation import service as mediations
    from core.mediation import statistics
    from tests.factories import vault_for_tests

    monkeypatch.setattr(clock, "now", lambda: datetime.combine(TODAY, datetime.min.time()).replace(hour=8))
    demo.seed(engine, vault_for_tests())
    with read_session(engine) as session:
        officer = users.actor_of(users.find_by_username(session, "jd.zhao"))
        communities_now = street._communities(session)
        district = community_view(officer, None, frozenset().union(*(g for _i, _n, g in communities_now)))
        compared = 0
        for back in range(12):
            month = mediations.add_months(TODAY.replace(day=1), -back)
            grouped = statistics.month_by_community(session, district, month)
            for community_id, _name, grids in communities_now:
                own = statistics.monthly_statistics(session, community_view(officer, community_id, grids),
                                                    month, month)[0]
                mine = grouped.get(community_id, {"received": 0, "concluded": 0, "settled": 0, "success_rate": None})
                assert mine == {key: own[key] for key in ("received", "concluded", "settled", "success_rate")}
                compared += own["concluded"] + own["received"]
    assert compared > 50  # the demo's cases were there to compare
    # Care visits, every community in one pass, against each community's own coverage (和平里
    # has its own visits; the small communities' planned residents are owed and not visited).
    from core.visits import service as visits

    with read_session(engine) as session:
        for back in range(3):
            month = mediations.add_months(TODAY.replace(day=1), -back)
            grouped = visits.figures_by_community(session, district, month, today=TODAY)
            for community_id, _name, grids in communities_now:
                own = visits.coverage(session, community_view(officer, community_id, grids), month,
                                      today=TODAY)["total"].figures
                assert grouped.get(community_id, dict.fromkeys(visits.FIGURES, 0)) == own | {"never_visited": 0}
        assert grouped[communities_now[0][0]]["on_time"] > 0
