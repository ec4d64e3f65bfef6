"""What the office's activities came to over a range of days, honestly counted.

- Activities held: not cancelled, starting within the range, under way or over (or attended
  already), per category.
- Residents served: distinct registered residents who attended one of them; walk-ins not yet
  registered are counted apart (they may be anyone, and may come twice).
- Head counts (open events) and outreach reach are totals of people counted, not distinct
  residents: reported separately, never added to the residents served.
- Coverage of a group: of the active residents in a special group (in the user's grids), the
  share who attended at least one activity in the range. Sensitive groups only for those who
  see them (PIPL arts. 28, 31).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session

from core.activities.service import visible_condition
from core.base import clock, groups, validation
from core.base.permissions import Actor, require, sees_all_grids
from db.models import Activity, ActivityCategory, ActivityParticipant, Resident, activity_groups, resident_tags


@dataclass
class Figures:
    held: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    residents_served: int = 0
    unregistered_walk_ins: int = 0
    head_count: int = 0
    reach: int = 0
    volunteer_hours: float = 0.0
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)  # group -> (reached, in the group)


def _range(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time.min), datetime.combine(last + timedelta(days=1), time.min)


def _held(actor: Actor, first: date, last: date, now: datetime) -> list:
    """Not cancelled, starting in the range, and under way or over by now, or attended already
    (attendance opens two hours before the start)."""
    start, end = _range(first, last)
    someone = ActivityParticipant.__table__.alias("someone")  # the outer query may read participants too
    attended = exists().where(someone.c.activity_id == Activity.id, someone.c.attended.is_(True)).correlate(Activity)
    return [visible_condition(actor), Activity.status != "cancelled", Activity.starts_at >= start,
            Activity.starts_at < end, or_(Activity.starts_at <= now, attended)]


held_conditions = _held  # for core.assessment: the same activities held, counted per organiser


def figures(session: Session, actor: Actor, first: date, last: date, *, now: datetime | None = None,
            coverage_groups: list[str] | None = None) -> Figures:
    """The figures of the activities this user sees that were held from `first` to `last`."""
    require(actor, "activity.view")
    now = now or clock.now()
    held = _held(actor, first, last, now)
    found = Figures()
    found.by_category = dict(session.execute(
        select(ActivityCategory.name, func.count(Activity.id)).join(Activity, Activity.category_id == ActivityCategory.id)
        .where(*held).group_by(ActivityCategory.name).order_by(func.count(Activity.id).desc(), ActivityCategory.name))
        .tuples().all())
    found.held = sum(found.by_category.values())
    totals = session.execute(select(func.coalesce(func.sum(Activity.head_count), 0),
                                    func.coalesce(func.sum(Activity.reach), 0),
                                    func.coalesce(func.sum(Activity.volunteer_hours), 0.0)).where(*held)).one()
    found.head_count, found.reach, found.volunteer_hours = int(totals[0]), int(totals[1]), float(totals[2])
    came = (select(ActivityParticipant.resident_id).join(Activity, Activity.id == ActivityParticipant.activity_id)
            .where(*held, ActivityParticipant.attended.is_(True)))
    found.residents_served = _served(session, held)
    found.unregistered_walk_ins = session.scalar(
        select(func.count(ActivityParticipant.id)).join(Activity, Activity.id == ActivityParticipant.activity_id)
        .where(*held, ActivityParticipant.attended.is_(True), ActivityParticipant.resident_id.is_(None))) or 0
    visible = [*groups.visible_tags(actor), groups.OLDEST_OLD]
    for tag in [tag for tag in (visible if coverage_groups is None else coverage_groups) if tag in visible]:
        members = _group_members(actor, tag, last)
        in_group = session.scalar(select(func.count()).select_from(members.subquery())) or 0
        reached = session.scalar(select(func.count()).select_from(
            members.where(Resident.id.in_(came.where(ActivityParticipant.resident_id.is_not(None)))).subquery())) or 0
        found.coverage[tag] = (reached, in_group)
    return found


def residents_served(session: Session, actor: Actor, first: date, last: date, *, now: datetime | None = None) -> int:
    """figures().residents_served alone (the home card needs no more)."""
    require(actor, "activity.view")
    return _served(session, _held(actor, first, last, now or clock.now()))


def _served(session: Session, held: list) -> int:
    return session.scalar(
        select(func.count(distinct(ActivityParticipant.resident_id))).join(
            Activity, Activity.id == ActivityParticipant.activity_id)
        .where(*held, ActivityParticipant.attended.is_(True), ActivityParticipant.resident_id.is_not(None))) or 0


def lines(found: Figures, t: Callable[..., str]) -> list[tuple[str, int | float]]:
    """The figures as a person reads them, label and value, in one order for the screen and the
    workbook (the categories and the groups' shares are shown apart)."""
    return [(t("activities.held"), found.held), (t("activities.served"), found.residents_served),
            (t("report.activities.walk_ins"), found.unregistered_walk_ins), (t("field.head_count"), found.head_count),
            (t("activities.reach"), found.reach), (t("field.volunteer_hours"), found.volunteer_hours)]


def _group_members(actor: Actor, tag: str, on: date) -> Select:
    """Active residents of the user's grids in the group on the day."""
    query = select(Resident.id).where(Resident.deleted_at.is_(None), Resident.status == "active")
    if not sees_all_grids(actor):
        query = query.where(Resident.grid_id.in_(sorted(actor.grid_ids) or [-1]))
    if tag == groups.OLDEST_OLD:
        return query.where(Resident.birth_date <= validation.years_before(on, groups.OLDEST_OLD_AGE))
    return query.where(exists().where(and_(resident_tags.c.resident_id == Resident.id, resident_tags.c.tag == tag)))


def quarter_of(day: date) -> tuple[date, date]:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1)
    return first, following - timedelta(days=1)


def share(reached: int, in_group: int) -> float | None:
    return reached / in_group if in_group else None


def aimed_groups(session: Session, actor: Actor, first: date, last: date) -> list[str]:
    """The groups the user's activities starting in the range (not cancelled) were aimed at, in
    Linli's order; sensitive ones only for those who see them."""
    require(actor, "activity.view")
    start, end = _range(first, last)
    aimed = set(session.scalars(select(activity_groups.c.tag).distinct().join(
        Activity, Activity.id == activity_groups.c.activity_id).where(
        visible_condition(actor), Activity.status != "cancelled", Activity.starts_at >= start,
        Activity.starts_at < end)))
    return [tag for tag in [*groups.visible_tags(actor), groups.OLDEST_OLD] if tag in aimed]
