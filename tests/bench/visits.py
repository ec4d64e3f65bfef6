"""Care visits at 1k residents / 10k visits and at 100k residents / 1M visits (one community, a
grid per 500 residents, as a 网格 is): the worker's round and the month's coverage, each against
the same size's bare SQL and the big size against the small one."""

from __future__ import annotations

import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from core.office import communities, users
from core.visits import service as visits
from db.engine import read_session, write_session
from db.models import Household, Resident, Visit, resident_tags
from tests.bench.residents import _fresh_database
from tests.bench.satisfaction import _medians
from tests.factories import PASSWORD, ROOT

PER_GRID = 500
VISITS_PER_RESIDENT = 10
REPEATS = 5
# About the share of the demo's roster in a care group (独居, 空巢, 残疾, 低保, 留守儿童).
TAGS = ("elderly_alone", "empty_nest", "disabled", "dibao", "left_behind_child", "", "", "", "", "")


def _community(folder: Path, residents: int):  # noqa: ANN201
    """A community of `residents` in grids of PER_GRID, a worker for the first grid, a supervisor,
    and a year of visits (VISITS_PER_RESIDENT each); inserted in bulk."""
    _url, engine, world = _fresh_database(folder, f"visits-{residents}.db")
    rng = random.Random(residents)
    today = date.today()
    now = datetime.now()
    with write_session(engine) as session:
        grid_ids = [world.grid_ids[0], *(communities.create_grid(session, ROOT, community_id=world.community_id,
                                                                  name=f"网格{number}").id
                                         for number in range(1, max(1, residents // PER_GRID)))]
        worker = users.create_user(session, None, username="round.wgy", display_name="网格员", role="worker",
                                   community_id=world.community_id, grid_ids=[grid_ids[0]], password=PASSWORD,
                                   must_change_password=False).user.id
        supervisor_id = users.create_user(session, None, username="round.zhuren", display_name="主管",
                                          role="supervisor", community_id=world.community_id, password=PASSWORD,
                                          must_change_password=False).user.id
    with write_session(engine) as session:
        households, people, tags, done = [], [], [], []
        for number in range(residents):
            grid_id = grid_ids[number // PER_GRID % len(grid_ids)]
            building, room = divmod(number % PER_GRID, 20)
            households.append({"id": number + 1, "grid_id": grid_id, "compound": "幸福里小区", "building": f"{building}号楼",
                               "unit": "1单元", "room": f"{room + 101}", "address": f"幸福里小区{building}号楼1单元{room + 101}",
                               "created_at": now, "version": 1})
            people.append({"id": number + 1, "grid_id": grid_id, "household_id": number + 1, "name": f"居民{number}",
                           "sex": "F", "birth_date": date(rng.randint(1930, 2015), 1, 1), "status": "active",
                           "created_at": now - timedelta(days=800), "updated_at": now, "version": 1})
            tag = rng.choice(TAGS)
            if tag:
                tags.append({"resident_id": number + 1, "tag": tag})
            for _ in range(VISITS_PER_RESIDENT):
                done.append({"community_id": world.community_id, "resident_id": number + 1, "grid_id": grid_id,
                             "visitor_id": worker, "method": "home", "visited_on": today - timedelta(days=rng.randint(0, 364)),
                             "created_at": now, "version": 1})
        session.execute(insert(Household), households)
        session.execute(insert(Resident), people)
        if tags:
            session.execute(insert(resident_tags), tags)
        for start in range(0, len(done), 100_000):
            session.execute(insert(Visit), done[start:start + 100_000])
    with read_session(engine) as session:
        worker_actor = users.actor_of(users.get_user(session, worker))
        supervisor = users.actor_of(users.get_user(session, supervisor_id))
    return engine, worker_actor, supervisor


def _bare_round(engine, worker) -> None:  # noqa: ANN001
    """The round's reads with nothing around them: the grid's residents with their tags and, for
    each, the last visit before this month and the first in it."""
    first = date.today().replace(day=1)
    grids = sorted(worker.grid_ids)
    with read_session(engine) as session:
        session.execute(select(Resident.id, Resident.birth_date, Household.building, Household.room)
                        .join(Household, Household.id == Resident.household_id)
                        .where(Resident.grid_id.in_(grids), Resident.deleted_at.is_(None))).all()
        session.execute(select(resident_tags.c.resident_id, resident_tags.c.tag).join(
            Resident, Resident.id == resident_tags.c.resident_id).where(Resident.grid_id.in_(grids))).all()
        session.execute(select(Visit.resident_id, func.max(Visit.visited_on), func.min(Visit.visited_on))
                        .join(Resident, Resident.id == Visit.resident_id)
                        .where(Resident.grid_id.in_(grids), Visit.visited_on >= first - timedelta(days=92))
                        .group_by(Visit.resident_id)).all()


def _bare_coverage(engine) -> None:  # noqa: ANN001
    """The month's coverage reads in bare SQL: every resident with a tag, the visits of the months
    a quarter back, grouped per resident."""
    first = date.today().replace(day=1)
    with read_session(engine) as session:
        session.execute(select(Resident.id, Resident.grid_id, Resident.birth_date, resident_tags.c.tag)
                        .join(resident_tags, resident_tags.c.resident_id == Resident.id)
                        .where(Resident.deleted_at.is_(None))).all()
        session.execute(select(Visit.resident_id, Visit.visited_on)
                        .where(Visit.visited_on >= first - timedelta(days=92))).all()


def run_all(emit) -> None:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-visits-"))
    small = _community(folder, 1_000)
    big = _community(folder, 100_000)
    sizes = {"small": "1k residents / 10k visits", "big": "100k residents / 1M visits"}

    def round_of(setup):  # noqa: ANN001, ANN202
        engine, worker, _ = setup
        return lambda: _run(engine, lambda session: visits.my_round(session, worker))

    def coverage_of(setup):  # noqa: ANN001, ANN202
        engine, _, supervisor = setup
        return lambda: _run(engine, lambda session: visits.coverage(session, supervisor, date.today()))

    one, many = _medians(round_of(small), round_of(big), REPEATS)
    emit(f"my round (one grid of {PER_GRID}), {sizes['big']} vs {sizes['small']}", many, one, "s", "<= 1.5x")
    bare, many = _medians(lambda: _bare_round(big[0], big[1]), round_of(big), REPEATS)
    emit(f"my round vs its bare SQL, {sizes['big']}", many, bare, "s", "<= 3x")
    one, many = _medians(coverage_of(small), coverage_of(big), 3)
    emit(f"month's coverage of the community, {sizes['big']} vs {sizes['small']}", many, one, "s", "<= 1.5x")
    bare, many = _medians(lambda: _bare_coverage(big[0]), coverage_of(big), 3)
    emit(f"month's coverage vs its bare SQL, {sizes['big']}", many, bare, "s", "<= 3x")


def _run(engine, read) -> None:  # noqa: ANN001
    with read_session(engine) as session:
        read(session)
