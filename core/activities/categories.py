"""Activity categories: the shared defaults every community offers (seeded by migration 0026) and
a community's own, which its admin adds and retires. Retiring keeps the category on the
activities that have it and in their months' figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.errors import Invalid, NotFound
from core.base.permissions import Actor, require
from db.models import ActivityCategory

NAME_MAX = 30


def listing(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The shared categories and the community's own (retired ones too), shared first."""
    require(actor, "activity.settings")
    rows = session.scalars(select(ActivityCategory).where(
        or_(ActivityCategory.community_id.is_(None), ActivityCategory.community_id == actor.community_id))
        .order_by(ActivityCategory.community_id.is_not(None), ActivityCategory.sort_order, ActivityCategory.id))
    return [{"id": row.id, "name": row.name, "outreach": row.outreach, "active": row.active,
             "own": row.community_id is not None, "version": row.version} for row in rows]


def add(session: Session, actor: Actor, name: str, *, outreach: bool = False,
        now: datetime | None = None) -> ActivityCategory:
    """A category of the community's own; a name its list already has (shared or own) is refused."""
    require(actor, "activity.settings")
    name = validation.required_text(name, "category_name", NAME_MAX, prose=False)
    taken = session.scalar(select(ActivityCategory.id).where(
        func.lower(ActivityCategory.name) == name.lower(),
        or_(ActivityCategory.community_id.is_(None), ActivityCategory.community_id == actor.community_id)))
    if taken is not None:
        raise Invalid("category_name", "error.activity.category_taken", name=name)
    last = session.scalar(select(func.max(ActivityCategory.sort_order))) or 0
    category = ActivityCategory(community_id=actor.community_id, name=name, outreach=bool(outreach),
                                sort_order=last + 1, active=True)
    session.add(category)
    session.flush()
    audit.record(session, actor, "activity_category_create", object_type="activity_category", object_id=category.id,
                 after={"name": name, "outreach": bool(outreach)}, now=now or clock.now())
    return category


def set_active(session: Session, actor: Actor, category_id: int, active: bool, *,
               now: datetime | None = None) -> ActivityCategory:
    """Retire (or bring back) one of the community's own categories; the shared list is not the
    community's to change."""
    require(actor, "activity.settings")
    category = session.get(ActivityCategory, category_id)
    if category is None or category.community_id != actor.community_id:
        raise NotFound(object="activity_category", id=category_id)
    if category.active != active:
        category.active = active
        audit.record(session, actor, "activity_category_update", object_type="activity_category",
                     object_id=category_id, before={"active": not active}, after={"active": active},
                     now=now or clock.now())
    return category
