"""Visit plans: which residents are visited, in which tier, and how often each tier is visited.

Linli proposes a tier from a resident's groups and age (core.visits.rules.proposed_tier); a
supervisor confirms it or sets another with a reason. A decision holds while the proposal it was
made on stands: when the proposal changes (a new group, an 80th birthday), the new proposal
applies until a supervisor decides again, so care never waits on a review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from core.base import audit, clock
from core.base.errors import Invalid, collect
from core.base.permissions import Actor, require
from core.base.records import load_visible
from core.base.text import clean_prose
from core.visits import rules
from db.models import Household, Resident, VisitFrequency, VisitPlan, resident_tags

NOT_PLANNED = "none"  # a supervisor's decision that a proposed resident is not visited
REASON_MAX = 200


def frequencies(session: Session, community_id: int | None) -> dict[str, str]:
    """Tier -> period for the community: its own settings, else the defaults (rules.DEFAULT_PERIODS)."""
    own = dict(session.execute(select(VisitFrequency.tier, VisitFrequency.period)
                               .where(VisitFrequency.community_id == community_id)).all())
    return {tier: own.get(tier, rules.DEFAULT_PERIODS[tier]) for tier in rules.TIERS}


def set_frequency(session: Session, actor: Actor, tier: str, period: str, *, now: datetime | None = None) -> None:
    """A community's admin sets how often a tier is visited."""
    require(actor, "visit.settings")
    if tier not in rules.TIERS:
        raise Invalid("tier", "error.visit.tier")
    if period not in rules.PERIODS:
        raise Invalid("period", "error.visit.period")
    before = frequencies(session, actor.community_id)[tier]
    row = session.get(VisitFrequency, (actor.community_id, tier))
    if row is None:
        session.add(VisitFrequency(community_id=actor.community_id, tier=tier, period=period))
    else:
        row.period = period
    session.flush()
    audit.record(session, actor, "visit_frequency_save", object_type="visit_frequency", object_id=None,
                 before={"tier": tier, "period": before}, after={"tier": tier, "period": period}, now=now)


@dataclass(frozen=True, slots=True)
class Planned:
    """A resident of the plan (or proposed for it), as the round, the plan and coverage need them."""

    resident_id: int
    name: str
    grid_id: int
    address: str
    address_key: tuple[str, str, str, str]  # 小区, 楼栋, 单元, 门牌: the round's walking order
    tags: frozenset[str]
    age: int
    proposed: str | None
    tier: str | None  # what applies: the decision while its proposal stands, else the proposal
    decided: bool  # a supervisor decided on the current proposal
    reason: str
    joined: date  # registered: the reference of a resident never visited
    leaves: date | None  # moved out or died: no visit owed after this day
    has_phone: bool = False  # the round offers a call


def in_grids(actor: Actor, today: date, *, grid_ids: frozenset[int] | None = None) -> list[ColumnElement[bool]]:
    """Residents of the actor's grids (or of `grid_ids` among them), live and still here this month."""
    grids = sorted(actor.grid_ids if grid_ids is None else actor.grid_ids & grid_ids)
    return [Resident.grid_id.in_(grids or [-1]), Resident.deleted_at.is_(None),
            # moved out or died before this month: out of every current figure
            or_(Resident.status == "active", Resident.status_date >= today.replace(day=1))]


def candidates(actor: Actor, today: date, *, grid_ids: frozenset[int] | None = None,
               resident_ids: set[int] | None = None) -> list[ColumnElement[bool]]:
    """Who may have a tier: those in_grids in a care group or with a supervisor's decision — or,
    given, those resident_ids among them."""
    found = in_grids(actor, today, grid_ids=grid_ids)
    if resident_ids is not None:
        return [*found, Resident.id.in_(sorted(resident_ids) or [-1])]
    # Aliased and correlated to the residents only: the reads below also select from these tables.
    care, decision = resident_tags.alias("care"), VisitPlan.__table__.alias("decision")
    return [*found, or_(exists().where(care.c.resident_id == Resident.id, care.c.tag.in_(sorted(rules.CARE_GROUPS)))
                        .correlate(Resident),
                        exists().where(decision.c.resident_id == Resident.id).correlate(Resident))]


def planned(session: Session, actor: Actor, today: date, *, grid_ids: frozenset[int] | None = None,
            resident_ids: set[int] | None = None, include_unplanned: bool = False) -> list[Planned]:
    """The candidates (above) with their tier; without include_unplanned, only those with one.
    Three reads joined to the residents of the grids: no list of ids is sent to the database."""
    require(actor, "visit.view")
    scope = candidates(actor, today, grid_ids=grid_ids, resident_ids=resident_ids)
    around = in_grids(actor, today, grid_ids=grid_ids)  # the tags and decisions of others are few or none
    rows = session.execute(
        select(Resident.id, Resident.name, Resident.grid_id, Resident.birth_date, Resident.status,
               Resident.status_date, Resident.created_at, Household.address, Household.compound, Household.building,
               Household.unit, Household.room, Resident.phone_last4)
        .outerjoin(Household, Household.id == Resident.household_id).where(*scope)).all()
    tags: dict[int, set[str]] = {}
    for resident_id, tag in session.execute(select(resident_tags.c.resident_id, resident_tags.c.tag)
                                            .join(Resident, Resident.id == resident_tags.c.resident_id).where(*around)):
        tags.setdefault(resident_id, set()).add(tag)
    decisions = {row.resident_id: row for row in session.execute(
        select(VisitPlan.resident_id, VisitPlan.tier, VisitPlan.proposed, VisitPlan.reason)
        .join(Resident, Resident.id == VisitPlan.resident_id).where(*around))}
    found = []
    proposals: dict[tuple[frozenset[str], int], str | None] = {}  # a roster repeats few (groups, age) pairs
    no_tags: frozenset[str] = frozenset()
    for (resident_id, name, grid_id, birth, status, status_date, created_at, address, compound, building, unit,
         room, phone_last4) in rows:
        own = frozenset(tags[resident_id]) if resident_id in tags else no_tags
        age = rules.age_on(birth, today)
        key = (own, age)
        if key not in proposals:
            proposals[key] = rules.proposed_tier(own, age)
        proposed = proposals[key]
        decision = decisions.get(resident_id)
        decided = decision is not None and (decision.proposed or None) == proposed
        tier = (None if decision.tier == NOT_PLANNED else decision.tier) if decided else proposed
        if tier is None and not include_unplanned:
            continue
        found.append(Planned(
            resident_id=resident_id, name=name, grid_id=grid_id, address=address or "",
            address_key=(compound or "", building or "", unit or "", room or ""), tags=own, age=age,
            proposed=proposed, tier=tier, decided=decided, reason=decision.reason if decided else "",
            joined=created_at.date(), leaves=status_date if status != "active" else None,
            has_phone=bool(phone_last4)))
    return found


def decide(session: Session, actor: Actor, resident_id: int, tier: str, reason: str = "", *,
           today: date | None = None, now: datetime | None = None) -> VisitPlan:
    """A supervisor confirms the proposed tier (no reason needed) or sets another (reason required),
    or takes the resident out of the plan (NOT_PLANNED, reason required)."""
    require(actor, "visit.plan")
    now = now or clock.now()
    today = today or now.date()
    resident = load_visible(session, actor, "resident.view", Resident, resident_id)
    tags = frozenset(session.scalars(select(resident_tags.c.tag).where(resident_tags.c.resident_id == resident_id)))
    proposed = rules.proposed_tier(tags, rules.age_on(resident.birth_date, today))
    text = clean_prose(reason)
    tier, text = collect([
        lambda: tier if tier in (*rules.TIERS, NOT_PLANNED) else _refuse("tier", "error.visit.tier"),
        lambda: _reason(text, tier != (proposed or NOT_PLANNED)),
    ])
    plan = session.get(VisitPlan, resident_id)
    before = {"tier": plan.tier, "tier_reason": plan.reason} if plan is not None else {}
    if plan is None:
        plan = VisitPlan(resident_id=resident_id, community_id=actor.community_id)
        session.add(plan)
    plan.tier, plan.proposed, plan.reason = tier, proposed or "", text
    plan.decided_by, plan.decided_at = actor.id, now
    session.flush()
    audit.record(session, actor, "visit_plan_decide", object_type="resident", object_id=resident_id,
                 before=before, after={"tier": tier, "tier_reason": text}, now=now)
    return plan


def _refuse(field: str, key: str) -> str:
    raise Invalid(field, key)


def _reason(text: str, needed: bool) -> str:
    if needed and not text:
        raise Invalid("tier_reason", "error.visit.reason_required")
    if len(text) > REASON_MAX:
        raise Invalid("tier_reason", "error.too_long", max=REASON_MAX)
    return text
