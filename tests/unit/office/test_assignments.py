"""Who held which grid and when (grid_assignments), kept in step with an account's grids on both
databases: what 绩效概览 counts a visit owed in a grid by."""

from datetime import date, datetime

from sqlalchemy import select

from core.office import assignments, users
from db.engine import read_session, write_session
from db.models import GridAssignment
from tests.factories import PASSWORD, make_world


def held(engine, user_id):  # noqa: ANN001, ANN201
    with read_session(engine) as session:
        return [(row.grid_id, row.starts_on, row.ends_on) for row in session.scalars(
            select(GridAssignment).where(GridAssignment.user_id == user_id).order_by(GridAssignment.id))]


def change(engine, admin, user_id, grid_ids, when, *, active=True):  # noqa: ANN001
    with write_session(engine) as session:
        account = users.get_user(session, user_id)
        users.update_user(session, admin, user_id, account.version, display_name=account.display_name, role="worker",
                          community_id=account.community_id, grid_ids=grid_ids, active=active, now=when)


def test_a_workers_grids_are_kept_as_dated_assignments(engine):
    world = make_world(engine)
    admin, (grid_a, grid_b) = world.actors["admin"], world.grid_ids
    with write_session(engine) as session:
        user_id = users.create_user(session, None, username="wgy.zhou", display_name="周网格员", role="worker",
                                    community_id=world.community_id, grid_ids=[grid_a], password=PASSWORD,
                                    must_change_password=False, now=datetime(2026, 3, 2, 9)).user.id
    assert held(engine, user_id) == [(grid_a, date(2026, 3, 2), None)]
    change(engine, admin, user_id, [grid_b], datetime(2026, 6, 15, 9))  # moved: grid A until the 14th
    assert held(engine, user_id) == [(grid_a, date(2026, 3, 2), date(2026, 6, 15)), (grid_b, date(2026, 6, 15), None)]
    change(engine, admin, user_id, [grid_a, grid_b], datetime(2026, 7, 1, 9))
    change(engine, admin, user_id, [grid_b], datetime(2026, 7, 1, 15))  # grid A again for a few hours: not a day
    assert held(engine, user_id)[2:] == []
    change(engine, admin, user_id, [grid_b], datetime(2026, 9, 30, 9), active=False)  # left: nothing held
    assert held(engine, user_id)[-1] == (grid_b, date(2026, 6, 15), date(2026, 9, 30))
    with read_session(engine) as session:
        found = assignments.held_between(session, [grid_a, grid_b], date(2026, 6, 1), date(2026, 6, 30))
    assert [(h.user_id, h.grid_id) for h in found if h.user_id == user_id] == [(user_id, grid_a), (user_id, grid_b)]
    assert assignments.holders_on(assignments.by_grid(found), grid_a, date(2026, 6, 14)) == [user_id]
    assert assignments.holders_on(assignments.by_grid(found), grid_a, date(2026, 6, 15)) == []


def test_a_supervisor_answers_for_no_grid(engine):
    world = make_world(engine)
    assert held(engine, world.actors["supervisor"].id) == []
    assert [grid for grid, _start, _end in held(engine, world.actors["worker"].id)] == [world.grid_ids[0]]
