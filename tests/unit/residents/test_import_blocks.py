"""Large rosters: checked and written block by block, in worker processes from a size on.

The blocks and the workers are an implementation of speed; what a user sees (the report,
the rows written, all-or-nothing) must be the same as for one block checked in-process.
"""

import csv
import io

from sqlalchemy import delete, func, select

from core.demo import HEADER, people
from core.residents import imports
from core.residents.import_write import RosterWriter
from db.engine import read_session, write_session
from db.models import Grid, Household, Resident, resident_tags
from tests.factories import make_world, vault_for_tests

VAULT = vault_for_tests()


def roster(count, grids, seed=3):
    """Good rows with a refused one every so often (bad phone, unknown group, repeated ID, blank)."""
    rows = people(count, grids, seed=seed)
    for index in range(7, count, 37):
        rows[index][4] = "12345"
    for index in range(11, count, 53):
        rows[index][7] = "贵宾"
    for index in range(19, count, 61):
        rows[index][2] = rows[index - 5][2]
    for index in range(23, count, 97):
        rows[index] = [""] * len(HEADER)
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode()


def run(engine, actor, data, **options):
    with write_session(engine) as session:
        return imports.import_residents(session, actor, VAULT, data, "roster.csv", **options)


def what_was_written(engine):
    """Residents (without ids, which a sequence hands out), their households and tags, in file order."""
    with read_session(engine) as session:
        tags = {}
        for resident_id, tag in session.execute(select(resident_tags.c.resident_id, resident_tags.c.tag)):
            tags.setdefault(resident_id, set()).add(tag)
        query = (select(Resident, Household.address).outerjoin(Household, Household.id == Resident.household_id)
                 .order_by(Resident.id))
        return [(r.name, r.name_pinyin, r.sex, r.birth_date, VAULT.decrypt(r.id_enc), r.id_hash, r.id_masked, r.phone,
                 r.grid_id, address, sorted(tags.get(r.id, ()))) for r, address in session.execute(query)]


def forget_residents(engine):
    with write_session(engine) as session:
        session.execute(delete(resident_tags))
        session.execute(delete(Resident))
        session.execute(delete(Household))


def as_seen(report):
    return (report.rows_read, report.imported, report.written, report.unknown_grids,
            [(p.line, p.field, p.key, p.params) for p in report.problems], report.preview)


def test_a_refused_row_in_a_late_block_leaves_the_database_unchanged(engine, monkeypatch):
    world = make_world(engine)
    rows = people(600, ["第一网格"], seed=3)  # every row good ...
    rows[589][6] = "第九网格"  # ... but line 591, after five blocks were written
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    monkeypatch.setattr(imports, "CHUNK", 100)
    written = []
    real_write = RosterWriter.write
    monkeypatch.setattr(RosterWriter, "write", lambda writer, block: (written.append(len(block)),
                                                                     real_write(writer, block))[1])
    report = run(engine, world.actors["supervisor"], out.getvalue().encode(), create_grids=False)
    assert [(p.line, p.field, p.key) for p in report.problems] == [(591, "grid", "error.grid.unknown_named")]
    assert written == [100] * 5  # the blocks before it were in the database ...
    assert report.imported == 0 and not report.written
    with read_session(engine) as session:  # ... and are gone
        assert session.scalar(select(func.count()).select_from(Resident)) == 0
        assert session.scalar(select(func.count()).select_from(Household)) == 0
        assert session.scalar(select(func.count()).select_from(resident_tags)) == 0


def test_each_new_grid_gets_the_residents_that_name_it(engine):
    world = make_world(engine)
    data = roster(40, ["北网格", "南网格"], seed=5)
    report = run(engine, world.actors["supervisor"], data, create_grids=True, allow_partial=True)
    assert sorted(report.created_grids) == ["北网格", "南网格"]
    named = {}  # ID → the grid named on its first line (a repeated ID is refused)
    for row in list(csv.reader(io.StringIO(data.decode())))[1:]:
        if row and row[2]:
            named.setdefault(VAULT.lookup_hash(row[2]), row[6])
    with read_session(engine) as session:
        placed = dict(session.execute(select(Resident.id_hash, Grid.name).join(Grid, Grid.id == Resident.grid_id)).all())
    assert len(placed) > 30 and all(placed[id_hash] == named[id_hash] for id_hash in placed)
