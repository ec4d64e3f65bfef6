"""Names of the active staff, for pickers (who a rating concerns, who is expected at a course)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.base.permissions import Actor, sees_all_grids
from db.models import User


def active_staff(session: Session, actor: Actor) -> dict[int, str]:
    """user id → display name, sorted by name: the actor's community's colleagues (everyone's for
    the installation's administrator). Names of colleagues are not personal data of residents."""
    query = select(User.id, User.display_name).where(User.active.is_(True)).order_by(User.display_name, User.id)
    if not sees_all_grids(actor):
        query = query.where(User.community_id == actor.community_id)
    return dict(session.execute(query).all())
