"""The 街道's overview over 20 communities and 200,000 residents, against one community's own
dashboard (10,000 residents) and against bare SQL computing the same counts grouped by community."""

from __future__ import annotations

import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import case, func, insert, select

from core.base import keys
from core.base.permissions import Actor
from core.base.settings import load as load_settings
from core.demo import people
from core.mediation import dispute_types
from core.mediation import service as mediations
from core.office import communities, users
from core.reporting import reports, street
from core.residents import imports
from core.satisfaction import service as satisfaction
from db.engine import read_session, write_session
from db.models import Grid, MediationCase, Rating, Resident, Visit, resident_tags
from tests.bench.residents import _fresh_database
from tests.bench.roster import as_csv
from tests.bench.satisfaction import _medians
from tests.factories import PASSWORD, ROOT

COMMUNITIES = 20
RESIDENTS_EACH = 10_000
CASES_EACH = 30
RATINGS_EACH = 2_000
REPEATS = 7


def _district(folder: Path):  # noqa: ANN201
    """20 communities of two grids, a supervisor and a worker each, their residents, open cases and
    a year of ratings; the first is the world's own community."""
    vault = keys.vault_of(load_settings(secrets={}))
    _url, engine, world = _fresh_database(folder, "district.db")
    rng = random.Random(19)
    today = date.today()
    supervisors = []
    with write_session(engine) as session:
        made = [(world.community_id, world.grid_ids)]
        for number in range(2, COMMUNITIES + 1):
            community = communities.create_community(session, ROOT, name=f"第{number}社区")
            made.append((community.id, [communities.create_grid(session, ROOT, community_id=community.id,
                                                                 name=f"{number}-{g}网格").id for g in (1, 2)]))
        officer = users.actor_of(users.create_user(session, None, username="jd.bench", display_name="街道",
                                                   role="street", password=PASSWORD, must_change_password=False).user)
    kinds = None
    for index, (community_id, grid_ids) in enumerate(made):
        with write_session(engine) as session:
            grid_names = [session.get(Grid, grid_id).name for grid_id in grid_ids]
            staff = {}
            for role in ("supervisor", "worker"):
                account = users.create_user(session, None, username=f"b{index}.{role}", display_name=f"{role}{index}",
                                            role=role, community_id=community_id,
                                            grid_ids=grid_ids if role == "worker" else [], password=PASSWORD,
                                            must_change_password=False)
                staff[role] = users.actor_of(account.user)
            admin = Actor(id=0, username="bench", role="admin", community_id=community_id,
                                grid_ids=frozenset(grid_ids))
            imports.import_residents(session, admin, vault, as_csv(people(RESIDENTS_EACH, grid_names, seed=index + 1)),
                                     "roster.csv")
            kinds = kinds or list(dispute_types.offered(session, staff["worker"]))
            for number in range(CASES_EACH):
                mediations.register(session, staff["worker"], mediations.CaseInput(
                    intake_date=today - timedelta(days=rng.randint(0, 90)), source="application",
                    type_id=rng.choice(kinds), grid_id=rng.choice(grid_ids), facts="噪音",
                    parties=[mediations.PartyInput(name=f"甲{number}"),
                             mediations.PartyInput(side="respondent", name=f"乙{number}")]))
            now = datetime.now()
            session.execute(insert(Rating), [
                {"score": rng.choice((1, 2, 3, 4, 4, 5, 5, 5)), "comment": "", "grid_id": rng.choice(grid_ids),
                 "category": "visit", "channel": "phone_survey", "rated_on": today - timedelta(days=rng.randint(0, 364)),
                 "worker_id": staff["worker"].id, "recorded_by": staff["supervisor"].id, "created_at": now,
                 "updated_at": now, "version": 1} for _ in range(RATINGS_EACH)])
            supervisors.append(staff["supervisor"])
    with write_session(engine) as session:
        satisfaction.rebuild_summary(session)
    with read_session(engine) as session:  # as a login builds them: with their community's grids
        supervisors = [users.actor_of(users.get_user(session, s.id)) for s in supervisors]
    return engine, officer, supervisors[0]


def _bare_sql(engine) -> None:  # noqa: ANN001
    """The overview's counts, grouped by community, with nothing around them."""
    today = date.today()
    first = today.replace(day=1)
    with read_session(engine) as session:
        active = (Resident.deleted_at.is_(None), Resident.status == "active")
        session.execute(select(Grid.community_id, func.count(Resident.id)).join(Grid, Grid.id == Resident.grid_id)
                        .where(*active).group_by(Grid.community_id)).all()
        session.execute(select(Grid.community_id, resident_tags.c.tag, func.count())
                        .select_from(Resident).join(Grid, Grid.id == Resident.grid_id)
                        .join(resident_tags, resident_tags.c.resident_id == Resident.id)
                        .where(*active).group_by(Grid.community_id, resident_tags.c.tag)).all()
        session.execute(select(Grid.community_id, func.count(MediationCase.id),
                               func.sum(case((MediationCase.due_date < today, 1), else_=0)),
                               func.sum(case((MediationCase.intake_date >= first, 1), else_=0)))
                        .join(Grid, Grid.id == MediationCase.grid_id)
                        .where(MediationCase.state.in_(mediations.OPEN_STATES)).group_by(Grid.community_id)).all()
        session.execute(select(Grid.community_id, Rating.score, func.count()).join(Grid, Grid.id == Rating.grid_id)
                        .where(Rating.deleted_at.is_(None), Rating.rated_on >= first)
                        .group_by(Grid.community_id, Rating.score)).all()
        # The visits rows: each resident in a care group with their groups and birth date, and the
        # visits of the quarter (a due date depends on each resident's own last visit).
        session.execute(select(Resident.id, Resident.grid_id, Resident.birth_date, resident_tags.c.tag)
                        .join(resident_tags, resident_tags.c.resident_id == Resident.id).where(*active)).all()
        session.execute(select(Visit.resident_id, Visit.visited_on)
                        .where(Visit.visited_on >= first - timedelta(days=92))).all()


def overview_cost(emit):  # noqa: ANN001, ANN201
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-street-"))
    engine, officer, supervisor = _district(folder)

    def one_community() -> None:
        with read_session(engine) as session:
            reports.dashboard_figures(session, supervisor)

    def district() -> None:
        with read_session(engine) as session:
            street.overview(session, officer)

    one, whole = _medians(one_community, district, REPEATS)
    emit("street overview, 20 communities / 200k residents vs one community's dashboard", whole, one, "s",
         "<= 2x", communities=COMMUNITIES, residents=COMMUNITIES * RESIDENTS_EACH)
    bare, whole = _medians(lambda: _bare_sql(engine), district, REPEATS)
    emit("street overview vs the same counts in bare SQL grouped by community", whole, bare, "s", "<= 3x")

    def visits_rows() -> None:
        from core.visits import service as visits

        with read_session(engine) as session:
            communities_now = street._communities(session)
            visits.figures_by_community(session, street._district(officer, communities_now), date.today())

    part, whole = _medians(visits_rows, district, 3)
    emit("street overview: of which the visits rows (one pass over every planned resident)", part, whole, "s",
         "informational")
    return engine


def page_reruns(emit, engine) -> None:  # noqa: ANN001
    """What a user waits for: the 街道总览 page rerun (its figures kept until the next audited
    write) against one community's supervisor's home dashboard rerun, on the same database."""
    from tests.bench.apps import logged_in_app

    url = engine.url.render_as_string(hide_password=False)
    home = logged_in_app(url, "home", username="b0.supervisor")
    overview = logged_in_app(url, "street", username="jd.bench")

    def rerun(at) -> None:  # noqa: ANN001
        at.run()
        assert not at.exception

    one, whole = _medians(lambda: rerun(home), lambda: rerun(overview), REPEATS)
    emit("街道总览 page rerun (20 communities, nothing written since) vs one community's home dashboard rerun",
         whole, one, "s", "<= 2x")


def run_all(emit) -> None:  # noqa: ANN001
    engine = overview_cost(emit)
    page_reruns(emit, engine)
