"""Writing checked roster rows, block by block, while later blocks are still being checked.

Everything goes inside one savepoint of the caller's transaction: when a later row turns
out bad and the import is all-or-nothing, the savepoint is rolled back and the database
is as it was. Bulk inserts straight through the driver; primary keys reserved up front.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, text, tuple_
from sqlalchemy.orm import Session

from core.base.permissions import Actor
from core.office import communities
from core.residents.import_check import Prepared
from core.residents.service import HEAD_RELATIONS
from db.bulk import driver_timestamp, insert_rows
from db.models import Community, Household

HOUSEHOLD_COLUMNS = ("id", "grid_id", "address", "compound", "building", "unit", "room", "created_at", "version")
RESIDENT_COLUMNS = ("id", "grid_id", "household_id", "name", "name_pinyin", "name_initials", "sex", "birth_date",
                    "id_enc", "id_hash", "id_masked", "phone", "phone_last4", "relation", "ethnicity", "status",
                    "notes", "created_at", "updated_at", "version", "hukou")
_RELATION = RESIDENT_COLUMNS.index("relation") - 3  # its place among a prepared row's columns (from `name` on)


class RosterWriter:
    """Households, residents and their tags for rows already checked; grids created on request."""

    def __init__(self, session: Session, actor: Actor, now: datetime) -> None:
        self.session, self.actor, self.now = session, actor, now
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.stamp = driver_timestamp(now, self.sqlite)
        self.savepoint = session.begin_nested()
        self.grid_ids: dict[int, int] = {}  # placeholder (-1, -2, …) of a grid named in the file → created id
        self.created_grids: list[str] = []
        self.households: dict[tuple[int, str], int] = {}
        self.households_loaded: set[int] = set()
        self.imported = 0
        self._community_id: int | None = None

    def create_grids(self, unknown: list[str]) -> None:
        """The grids named in the file that did not exist, in the order first named; each once."""
        for index, name in enumerate(unknown, start=1):
            if -index in self.grid_ids:
                continue
            if self._community_id is None:
                self._community_id = _default_community(self.session, self.actor, self.now)
            system = Actor(id=self.actor.id, username=self.actor.username, role="sysadmin")
            grid = communities.create_grid(self.session, system, community_id=self._community_id, name=name,
                                           now=self.now)
            self.grid_ids[-index] = grid.id
            self.created_grids.append(name)

    def write(self, rows: list[tuple[int, Prepared]]) -> None:
        """(grid id or placeholder, prepared row) for each row, in file order."""
        if not rows:
            return
        rows = [(self.grid_ids.get(grid_id, grid_id), prepared) for grid_id, prepared in rows]
        self._add_households(rows)
        households = self.households
        resident_ids = reserve_ids(self.session, "residents", len(rows))
        values, tags, heads = [], [], {}
        for resident_id, (grid_id, (_, address, row_tags, columns)) in zip(resident_ids, rows, strict=True):
            household_id = households.get((grid_id, address[0])) or None
            values.append((resident_id, grid_id, household_id, *columns))
            tags.extend((resident_id, tag) for tag in row_tags)
            if household_id and columns[_RELATION] in HEAD_RELATIONS:
                heads.setdefault(household_id, resident_id)  # the first 户主 line of the household
        insert_rows(self.session.connection(), "residents", RESIDENT_COLUMNS, values)
        insert_rows(self.session.connection(), "resident_tags", ("resident_id", "tag"), tags)
        if heads:  # a household that has its 户主 already keeps them
            households_table = Household.__table__
            self.session.connection().execute(
                households_table.update().where(households_table.c.id == bindparam("household"),
                                                households_table.c.head_id.is_(None))
                .values(head_id=bindparam("head")),
                [{"household": household, "head": head} for household, head in heads.items()])
        self.imported += len(rows)

    def _add_households(self, rows: list[tuple[int, Prepared]]) -> None:
        """One household per (grid, address), reusing those already registered."""
        unseen = sorted({grid_id for grid_id, _ in rows} - self.households_loaded)
        if unseen:
            self.households.update(
                ((grid_id, address), household_id)
                for household_id, grid_id, address in self.session.execute(
                    select(Household.id, Household.grid_id, Household.address).where(Household.grid_id.in_(unseen))))
            self.households_loaded.update(unseen)
        new = []
        for grid_id, prepared in rows:
            address = prepared[1]
            key = (grid_id, address[0])
            if address[0] and key not in self.households:
                self.households[key] = 0
                new.append((grid_id, *address, self.stamp, 1))
        ids = reserve_ids(self.session, "households", len(new))
        for household_id, values in zip(ids, new, strict=True):
            self.households[(values[0], values[1])] = household_id
        rows_out = [(household_id, *values) for household_id, values in zip(ids, new, strict=True)]
        if self.sqlite:  # the import holds the write lock: nobody adds a household meanwhile
            insert_rows(self.session.connection(), "households", HOUSEHOLD_COLUMNS, rows_out)
            return
        # On PostgreSQL a colleague may register someone at one of these addresses while the import
        # runs: their household is kept, and these residents join it.
        insert_rows(self.session.connection(), "households", HOUSEHOLD_COLUMNS, rows_out,
                    suffix="ON CONFLICT ON CONSTRAINT uq_households_grid_address DO NOTHING")
        keys = [(values[0], values[1]) for values in new]
        for start in range(0, len(keys), 400):
            self.households.update(
                ((grid_id, address), household_id) for household_id, grid_id, address in self.session.execute(
                    select(Household.id, Household.grid_id, Household.address)
                    .where(tuple_(Household.grid_id, Household.address).in_(keys[start:start + 400]))))

    def keep(self) -> None:
        self.savepoint.commit()

    def undo(self) -> None:
        """Everything this import wrote, rolled back (the caller's transaction goes on)."""
        if self.savepoint.is_active:
            self.savepoint.rollback()
        self.imported = 0
        self.created_grids = []


def _default_community(session: Session, actor: Actor, now: datetime) -> int:
    existing = session.scalar(select(Community.id).order_by(Community.id))
    if existing is not None:
        return actor.community_id or existing
    system = Actor(id=actor.id, username=actor.username, role="sysadmin")
    return communities.create_community(session, system, name="默认社区", now=now).id


def reserve_ids(session: Session, table: str, count: int) -> list[int]:
    """Primary keys for `count` new rows, so bulk inserts need no RETURNING.

    (With RETURNING in parameter order, SQLite falls back to one statement per row.)
    PostgreSQL hands out a block from the table's sequence; on SQLite the import holds
    the write lock (BEGIN IMMEDIATE), so the next ids after the largest are ours.
    """
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table, "count": count}))
    start = (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1  # table: a constant of this module
    return list(range(start, start + count))
