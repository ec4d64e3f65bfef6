"""Communities (社区) and their grids (网格)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.base import audit, clock
from core.base.errors import Forbidden, Invalid, NotFound
from core.base.permissions import Actor, require, sees_all_grids
from core.base.records import guarded_flush, load_for_edit, snapshot
from core.base.text import clean
from db.models import Community, Grid

NAME_MAX = 100
TEXT_MAX = 200
_COMMUNITY_FIELDS = ("name", "address")
_GRID_FIELDS = ("name", "description", "community_id")


def list_communities(session: Session, actor: Actor) -> list[Community]:
    """Every community for the installation's administrator; one's own for everyone else."""
    require(actor, "home.view")
    query = select(Community).options(selectinload(Community.grids)).order_by(Community.name)
    if not sees_all_grids(actor):
        query = query.where(Community.id == actor.community_id)
    return list(session.scalars(query))


def _require_community(actor: Actor, community_id: int | None) -> None:
    """Communities are created by the installation's administrator; a community's admin changes
    their own community and its grids only."""
    require(actor, "community.manage")
    if not sees_all_grids(actor) and (community_id is None or community_id != actor.community_id):
        raise Forbidden(action="community.manage")


def grids_by_id(session: Session, grid_ids: list[int]) -> dict[int, Grid]:
    if not grid_ids:
        return {}
    return {grid.id: grid for grid in session.scalars(select(Grid).where(Grid.id.in_(grid_ids)))}


def valid_name(value: str, field: str = "name") -> str:
    """A community or grid name: given, cleaned, at most NAME_MAX characters."""
    name = clean(value)
    if not name:
        raise Invalid(field, "error.required")
    if len(name) > NAME_MAX:
        raise Invalid(field, "error.too_long", max=NAME_MAX)
    return name


def _text(value: str, field: str) -> str:
    text = clean(value)
    if len(text) > TEXT_MAX:
        raise Invalid(field, "error.too_long", max=TEXT_MAX)
    return text


def _unique_community(session: Session, name: str, exclude_id: int | None = None) -> None:
    query = select(func.count()).select_from(Community).where(Community.name == name)
    if exclude_id is not None:
        query = query.where(Community.id != exclude_id)
    if session.scalar(query):
        raise Invalid("name", "error.community.duplicate", name=name)


def _unique_grid(session: Session, community_id: int, name: str, exclude_id: int | None = None) -> None:
    query = select(func.count()).select_from(Grid).where(Grid.community_id == community_id, Grid.name == name)
    if exclude_id is not None:
        query = query.where(Grid.id != exclude_id)
    if session.scalar(query):
        raise Invalid("name", "error.grid.duplicate", name=name)


def create_community(session: Session, actor: Actor, *, name: str, address: str = "", now: datetime | None = None) -> Community:
    _require_community(actor, None)
    name, address = valid_name(name), _text(address, "address")
    _unique_community(session, name)
    community = Community(name=name, address=address, created_at=now or clock.now())
    session.add(community)
    session.flush()
    audit.record(session, actor, "community_create", object_type="community", object_id=community.id,
                 after=snapshot(community, _COMMUNITY_FIELDS), now=now, community_id=community.id)
    return community


def update_community(session: Session, actor: Actor, community_id: int, expected_version: int, *, name: str,
                     address: str = "", now: datetime | None = None) -> Community:
    _require_community(actor, community_id)
    name, address = valid_name(name), _text(address, "address")
    community = load_for_edit(session, Community, community_id, expected_version)
    _unique_community(session, name, exclude_id=community_id)
    before = snapshot(community, _COMMUNITY_FIELDS)
    with guarded_flush(session):
        community.name, community.address = name, address
    audit.record(session, actor, "community_update", object_type="community", object_id=community.id,
                 before=before, after=snapshot(community, _COMMUNITY_FIELDS), now=now, community_id=community.id)
    return community


def create_grid(session: Session, actor: Actor, *, community_id: int, name: str, description: str = "",
                now: datetime | None = None) -> Grid:
    _require_community(actor, community_id)
    name, description = valid_name(name), _text(description, "description")
    if session.get(Community, community_id) is None:
        raise Invalid("community", "error.community.unknown")
    _unique_grid(session, community_id, name)
    grid = Grid(community_id=community_id, name=name, description=description, created_at=now or clock.now())
    session.add(grid)
    session.flush()
    audit.record(session, actor, "grid_create", object_type="grid", object_id=grid.id,
                 after=snapshot(grid, _GRID_FIELDS), now=now, community_id=community_id)
    return grid


def update_grid(session: Session, actor: Actor, grid_id: int, expected_version: int, *, name: str,
                description: str = "", now: datetime | None = None) -> Grid:
    name, description = valid_name(name), _text(description, "description")
    grid = load_for_edit(session, Grid, grid_id, expected_version)
    _require_community(actor, grid.community_id)
    _unique_grid(session, grid.community_id, name, exclude_id=grid_id)
    before = snapshot(grid, _GRID_FIELDS)
    with guarded_flush(session):
        grid.name, grid.description = name, description
    audit.record(session, actor, "grid_update", object_type="grid", object_id=grid.id,
                 before=before, after=snapshot(grid, _GRID_FIELDS), now=now, community_id=grid.community_id)
    return grid


def get_community(session: Session, community_id: int) -> Community:
    community = session.get(Community, community_id)
    if community is None:
        raise NotFound(object="community", id=community_id)
    return community
