"""Names of the active staff, for pickers (who a rating concerns, who is expected at a course)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import User


def active_staff(session: Session) -> dict[int, str]:
    """user id → display name, sorted by name. Names of colleagues are not personal data of residents."""
    return dict(session.execute(select(User.id, User.display_name).where(User.active.is_(True))
                                .order_by(User.display_name, User.id)).all())
