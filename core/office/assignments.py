"""Who held which grid, and from when to when (grid_assignments): the history behind user_grids.

A worker's grids are what they answer for today (user_grids). A figure dated in a grid — a visit
owed on a day — belongs to whoever held the grid that day, so an account's grids are also kept as
dated assignments: [starts_on, ends_on), ends_on empty while held. `sync` is called wherever an
account's grids, role or activity change (core.office.users), in the same transaction.

Only workers hold grids this way: a supervisor or an admin sees every grid of the community
without answering for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import GridAssignment, User


def sync(session: Session, user: User, day: date) -> None:
    """Bring the user's open assignments in line with their grids as of `day`: those dropped end
    on it (one that began that day is removed: it was never held a whole day), new ones begin."""
    wanted = {grid.id for grid in user.grids} if user.role == "worker" and user.active else set()
    held = {row.grid_id: row for row in session.scalars(
        select(GridAssignment).where(GridAssignment.user_id == user.id, GridAssignment.ends_on.is_(None)))}
    for grid_id, row in held.items():
        if grid_id in wanted:
            continue
        if row.starts_on >= day:
            session.delete(row)
        else:
            row.ends_on = day
    for grid_id in sorted(wanted - set(held)):
        session.add(GridAssignment(community_id=user.community_id, user_id=user.id, grid_id=grid_id, starts_on=day))
    session.flush()


@dataclass(frozen=True)
class Held:
    user_id: int
    grid_id: int
    starts_on: date
    ends_on: date | None  # the first day no longer held

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


def held_between(session: Session, grid_ids: Iterable[int], first: date, last: date) -> list[Held]:
    """The assignments to these grids that overlap first..last (inclusive), oldest first."""
    rows = session.execute(select(GridAssignment.user_id, GridAssignment.grid_id, GridAssignment.starts_on,
                                  GridAssignment.ends_on)
                           .where(GridAssignment.grid_id.in_(sorted(grid_ids) or [-1]), GridAssignment.starts_on <= last,
                                  or_(GridAssignment.ends_on.is_(None), GridAssignment.ends_on > first))
                           .order_by(GridAssignment.starts_on, GridAssignment.id))
    return [Held(*row) for row in rows]


def by_grid(assignments: list[Held]) -> dict[int, list[Held]]:
    """The assignments of each grid, for holders_on."""
    found: dict[int, list[Held]] = {}
    for held in assignments:
        found.setdefault(held.grid_id, []).append(held)
    return found


def holders_on(assignments: dict[int, list[Held]], grid_id: int, day: date) -> list[int]:
    """Who held the grid that day (usually one worker; two when they share it), from by_grid()."""
    return [held.user_id for held in assignments.get(grid_id, ()) if held.covers(day)]
