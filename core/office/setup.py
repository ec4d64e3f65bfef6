"""What an administrator still has to set up before the office can work: shown on the home screen
of a new installation or community instead of a wall of zero figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from core.base.permissions import Actor, require
from db.models import Community, Grid, Resident, User


@dataclass(frozen=True)
class Step:
    key: str  # translation key of what to do
    done: bool
    link: str  # url path of the screen where it is done
    params: dict[str, Any] = field(default_factory=dict)


def steps(session: Session, actor: Actor) -> list[Step]:
    """The setup steps for the system administrator (communities, each with its admin) or a
    community's admin (grids, colleagues, residents); none for other roles."""
    require(actor, "home.view")
    if actor.role == "sysadmin":
        return _installation_steps(session)
    if actor.role == "admin" and actor.community_id is not None:
        return _community_steps(session, actor.community_id)
    return []


def unfinished(found: list[Step]) -> bool:
    return any(not step.done for step in found)


def _installation_steps(session: Session) -> list[Step]:
    has_admin = exists().where(User.community_id == Community.id, User.role == "admin", User.active.is_(True))
    names = list(session.scalars(select(Community.name).order_by(Community.name)))
    without_admin = list(session.scalars(select(Community.name).where(~has_admin).order_by(Community.name)))
    admins = (Step("setup.community_admin_missing", False, "users", {"communities": "、".join(without_admin)})
              if without_admin else Step("setup.community_admin", bool(names), "users"))
    return [Step("setup.community", bool(names), "communities"), admins]


def _community_steps(session: Session, community_id: int) -> list[Step]:
    grids = session.scalar(select(func.count(Grid.id)).where(Grid.community_id == community_id)) or 0
    colleagues = session.scalar(select(func.count(User.id)).where(
        User.community_id == community_id, User.role.in_(("supervisor", "worker")), User.active.is_(True))) or 0
    residents = session.scalar(select(exists().where(
        Resident.grid_id == Grid.id, Grid.community_id == community_id, Resident.deleted_at.is_(None))))
    return [Step("setup.grids", grids > 0, "communities"),
            Step("setup.colleagues", colleagues > 0, "users"),
            Step("setup.residents", bool(residents), "resident-import")]


def communities_overview(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """For the system administrator: each community with its grids and active accounts (staff,
    never residents)."""
    require(actor, "community.manage")
    require(actor, "user.manage")
    if actor.role != "sysadmin":
        return []
    accounts = (select(func.count(User.id)).where(User.community_id == Community.id, User.active.is_(True))
                .scalar_subquery())
    grids = select(func.count(Grid.id)).where(Grid.community_id == Community.id).scalar_subquery()
    admins = _admin_names(session)
    return [{"id": row.id, "name": row.name, "grids": row.grids, "accounts": row.accounts,
             "admins": admins.get(row.id, [])}
            for row in session.execute(select(Community.id, Community.name, grids.label("grids"),
                                              accounts.label("accounts")).order_by(Community.name))]


def _admin_names(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for community, name in session.execute(select(User.community_id, User.display_name).where(
            User.role == "admin", User.active.is_(True), User.community_id.is_not(None)).order_by(User.display_name)):
        found.setdefault(community, []).append(name)
    return found
