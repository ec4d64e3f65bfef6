"""Course categories (课程类别): what a course's hours count toward.

社会工作者继续教育办法 counts professional continuing education toward a 社工's 72 h / 90 h per
registration period; pre-service, annual in-house training and drills do not. The office's own
(local) quota counts what the office decides. Each category says which of the two it counts
toward (both, one, or neither); the four seeded ones (社会工作专业继续教育: both; 岗前培训 and
年度业务培训: local; 其他: neither) are defaults an admin may change, and an admin may add,
rename or retire categories. A retired category keeps its courses and their hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.base import audit
from core.base.errors import Invalid, NotFound
from core.base.permissions import Actor, require
from core.base.text import clean
from db.models import CourseCategory

NAME_MAX = 50
SEEDED_IDS = {"social_work": 1, "induction": 2, "annual": 3, "other": 4}  # as migration 0015 seeds them
SOCIAL_WORK = SEEDED_IDS["social_work"]
QUOTAS = ("social_work", "local")  # the 社工 continuing-education quota, the office's own


def list_categories(session: Session, *, active_only: bool = False) -> list[dict[str, Any]]:
    query = select(CourseCategory).order_by(CourseCategory.id)
    if active_only:
        query = query.where(CourseCategory.active.is_(True))
    return [{"id": c.id, "code": c.code, "name": c.name, "counts_social_work": c.counts_social_work,
             "counts_local": c.counts_local, "active": c.active, "version": c.version}
            for c in session.scalars(query)]


def counting_ids(session: Session, quota: str) -> list[int]:
    """The categories whose courses count toward `quota` (retired ones included: their hours stay)."""
    if quota not in QUOTAS:
        raise ValueError(f"unknown quota {quota}")
    column = CourseCategory.counts_social_work if quota == "social_work" else CourseCategory.counts_local
    return list(session.scalars(select(CourseCategory.id).where(column.is_(True))))


def active_category(session: Session, category_id: int | None) -> int:
    """A category a new or edited course may take, else Invalid("category")."""
    category = session.get(CourseCategory, category_id) if category_id else None
    if category is None or not category.active:
        raise Invalid("category", "error.course.category")
    return category.id


@dataclass
class CategoryInput:
    name: str = ""
    counts_social_work: bool = False
    counts_local: bool = False
    active: bool = True


def _name(session: Session, value: str, keep_id: int | None) -> str:
    name = clean(value)
    if not name:
        raise Invalid("name", "error.required")
    if len(name) > NAME_MAX:
        raise Invalid("name", "error.too_long", max=NAME_MAX)
    taken = session.scalar(select(func.count()).select_from(CourseCategory)
                           .where(CourseCategory.name == name, CourseCategory.id != (keep_id or -1)))
    if taken:
        raise Invalid("name", "error.course.category_taken", name=name)
    return name


def add_category(session: Session, actor: Actor, data: CategoryInput) -> CourseCategory:
    require(actor, "training.targets")
    category = CourseCategory(name=_name(session, data.name, None), counts_social_work=bool(data.counts_social_work),
                              counts_local=bool(data.counts_local), active=True)
    session.add(category)
    session.flush()
    audit.record(session, actor, "course_category_add", object_type="course_category", object_id=category.id,
                 after=_snapshot(category))
    return category


def change_category(session: Session, actor: Actor, category_id: int, data: CategoryInput) -> CourseCategory:
    """Rename, change what it counts toward, retire or bring back; audited. Hours already given
    count by the category's current flags, so a change applies to past courses too (say so)."""
    require(actor, "training.targets")
    category = session.get(CourseCategory, category_id)
    if category is None:
        raise NotFound(object="course_category", id=category_id)
    before = _snapshot(category)
    category.name = _name(session, data.name, category.id)
    category.counts_social_work, category.counts_local = bool(data.counts_social_work), bool(data.counts_local)
    category.active = bool(data.active)
    session.flush()
    audit.record(session, actor, "course_category_change", object_type="course_category", object_id=category.id,
                 before=before, after=_snapshot(category))
    return category


def _snapshot(category: CourseCategory) -> dict[str, Any]:
    return {"name": category.name, "counts_social_work": category.counts_social_work,
            "counts_local": category.counts_local, "active": category.active}
