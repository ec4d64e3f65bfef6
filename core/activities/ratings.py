"""Residents' ratings of an activity, through the rating channels Linli already has.

- On the day: the activity's own QR code (a poster code of one of its grids, category 活动,
  valid ACTIVITY_CODE_DAYS), shown on the organiser's phone or printed; residents rate without
  logging in and leave nothing that names them (core.satisfaction.service.submit_public_rating).
- Afterwards: a rating typed in after a phone call (channel 电话回访), like any staff-typed rating.

Every such rating carries the activity (ratings.activity_id) and the category "activity", so it
counts in the satisfaction figures like any other and, here, in the activity's own: its count,
and its mean and CSAT only from MIN_GROUP ratings on (core.satisfaction.disclosure).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.activities import service
from core.base import clock
from core.base.errors import Invalid
from core.base.permissions import Actor, can
from core.satisfaction import service as satisfaction
from core.satisfaction.disclosure import group_figures
from db.models import Rating

ACTIVITY_CODE_DAYS = 14  # long enough for the day and the week after, short enough not to linger


def _grid_for(session: Session, actor: Actor, activity_id: int, action: str) -> int:
    """The activity's first grid that is this user's: ratings and codes belong to a grid."""
    mine = [g for g in service.grids_of(session, activity_id) if can(actor, action, g)]
    if not mine:
        raise Invalid("grid", "error.grid.not_yours")
    return mine[0]


def rating_code(session: Session, actor: Actor, secret: str, activity_id: int, *,
                now: datetime | None = None) -> satisfaction.IssuedToken:
    """A poster code for the activity (audited as every code is)."""
    service.editable(session, actor, activity_id)
    grid_id = _grid_for(session, actor, activity_id, "satisfaction.issue_token")
    return satisfaction.issue_token(session, actor, secret, satisfaction.TokenRequest(
        kind="poster", grid_id=grid_id, category="activity", valid_days=ACTIVITY_CODE_DAYS, activity_id=activity_id),
        now=now)


def record_phone_rating(session: Session, actor: Actor, activity_id: int, score: Any, comment: str = "", *,
                        now: datetime | None = None) -> Rating:
    """A resident's rating of the activity, typed in after a phone call."""
    service.load(session, actor, activity_id)
    grid_id = _grid_for(session, actor, activity_id, "satisfaction.record")
    now = now or clock.now()
    return satisfaction.record_rating(session, actor, satisfaction.RatingInput(
        score=score, comment=comment, category="activity", grid_id=grid_id, rated_on=now.date(),
        channel="phone_survey", activity_id=activity_id), now=now)


def figures(session: Session, actor: Actor, activity_id: int) -> dict[str, Any]:
    """The activity's live ratings: count; mean and CSAT with their 95% intervals from MIN_GROUP on."""
    service.load(session, actor, activity_id)
    count, total, high, squares = session.execute(
        select(func.count(Rating.id), func.sum(Rating.score), func.sum(case((Rating.score >= 4, 1), else_=0)),
               func.sum(Rating.score * Rating.score))
        .where(Rating.activity_id == activity_id, Rating.deleted_at.is_(None))).one()
    return group_figures(count, total, high, squares)
