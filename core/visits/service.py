"""Care visits (走访): recording one, a worker's round, and a month's coverage.

What on time, late and missed mean is core.visits.rules; who is visited how often is
core.visits.plans. A major change recorded on a resident (住院, 丧偶, 子女离开, 灾害) makes a
visit due within 24 hours, whether or not the resident is in the plan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.errors import Invalid, collect
from core.base.permissions import Actor, require
from core.base.records import load_visible
from core.base.text import clean, clean_prose
from core.visits import plans, rules
from core.visits.plans import Planned
from db.models import Grid, MajorChange, Resident, User, Visit, user_grids

METHODS = ("home", "phone_video", "third_party", "volunteer", "relatives")
# 上门走访, 电话/视频探访, 委托第三方, 党员/志愿者结对, 亲属邻里 (the guideline's forms of visit)
CONDITIONS = ("good", "fair", "poor")  # health and living conditions: 良好, 一般, 较差
HAZARDS = ("gas", "wiring", "clutter")  # home safety: 燃气, 电线, 堆放杂物
NEEDS = ("daily_care", "medical", "financial", "company", "repair")  # 生活照料, 就医, 经济困难, 精神慰藉, 维修
NOTES_MAX, REFERRED_MAX = 500, 100


@dataclass
class VisitInput:
    """What the visit form says, as typed."""

    resident_id: int | None
    method: str = "home"
    visited_on: date | str | None = None
    health: str = ""  # "" = not assessed
    living: str = ""
    hazards: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    notes: str = ""
    follow_up: bool = False
    referred_to: str = ""


def _choice(value: str, allowed: tuple[str, ...], field_name: str, *, optional: bool = False) -> str:
    if (optional and value == "") or value in allowed:
        return value
    raise Invalid(field_name, "error.visit.choice")


def _choices(values: Iterable[str], allowed: tuple[str, ...], field_name: str) -> str:
    chosen = list(dict.fromkeys(values))
    if any(value not in allowed for value in chosen):
        raise Invalid(field_name, "error.visit.choice")
    return ",".join(value for value in allowed if value in chosen)  # stored in a fixed order


def _limited(text: str, field_name: str, limit: int) -> str:
    if len(text) > limit:
        raise Invalid(field_name, "error.too_long", max=limit)
    return text


def record(session: Session, actor: Actor, data: VisitInput, *, now: datetime | None = None) -> Visit:
    """A visit to a resident of the actor's grids, on a day up to today."""
    require(actor, "visit.record")
    now = now or clock.now()
    if data.resident_id is None:
        raise Invalid("resident", "error.required")
    resident = load_visible(session, actor, "visit.record", Resident, data.resident_id)
    method, visited_on, health, living, hazards, needs, notes, referred = collect([
        lambda: _choice(data.method, METHODS, "method"),
        lambda: validation.past_or_today(data.visited_on if data.visited_on is not None else now.date(),
                                         "visit_day", now.date()),
        lambda: _choice(data.health, CONDITIONS, "health", optional=True),
        lambda: _choice(data.living, CONDITIONS, "living", optional=True),
        lambda: _choices(data.hazards, HAZARDS, "hazards"),
        lambda: _choices(data.needs, NEEDS, "needs"),
        lambda: _limited(clean_prose(data.notes), "notes", NOTES_MAX),
        lambda: _limited(clean(data.referred_to), "referred_to", REFERRED_MAX),
    ])
    if visited_on < resident.created_at.date() - timedelta(days=366):
        raise Invalid("visit_day", "error.visit.before_registration")
    visit = Visit(community_id=actor.community_id, resident_id=resident.id, grid_id=resident.grid_id,
                  visitor_id=actor.id, method=method, visited_on=visited_on, health=health, living=living,
                  hazards=hazards, needs=needs, notes=notes, follow_up=bool(data.follow_up), referred_to=referred,
                  created_at=now)
    session.add(visit)
    session.flush()
    audit.record(session, actor, "visit_record", object_type="resident", object_id=resident.id,
                 after={"visit": visit.id, "method": method, "visit_day": visited_on.isoformat(),
                        "follow_up": visit.follow_up}, now=now)
    return visit


def link_case(session: Session, actor: Actor, visit_id: int, case_id: int, *, now: datetime | None = None) -> None:
    """The mediation case a dispute found on this visit became (registered in the same transaction)."""
    visit = load_visible(session, actor, "visit.record", Visit, visit_id)
    visit.case_id = case_id
    session.flush()
    audit.record(session, actor, "visit_case_link", object_type="resident", object_id=visit.resident_id,
                 after={"visit": visit_id, "case_id": case_id}, now=now)


def record_major_change(session: Session, actor: Actor, resident_id: int, kind: str, occurred_on: date | str | None,
                        note: str = "", *, now: datetime | None = None) -> MajorChange:
    """住院, 丧偶, 子女离开 or 灾害: a visit is due within 24 hours of this record."""
    require(actor, "visit.record")
    now = now or clock.now()
    resident = load_visible(session, actor, "visit.record", Resident, resident_id)
    kind, occurred, text = collect([
        lambda: _choice(kind, rules.MAJOR_CHANGES, "change_kind"),
        lambda: validation.past_or_today(occurred_on, "occurred_on", now.date()),
        lambda: _limited(clean_prose(note), "note", NOTES_MAX),
    ])
    change = MajorChange(community_id=actor.community_id, resident_id=resident.id, kind=kind, occurred_on=occurred,
                         note=text, recorded_by=actor.id, recorded_at=now)
    session.add(change)
    session.flush()
    audit.record(session, actor, "visit_major_change", object_type="resident", object_id=resident.id,
                 after={"change_kind": kind, "occurred_on": occurred.isoformat()}, now=now)
    return change


@dataclass(frozen=True, slots=True)
class Obligation:
    """One visit owed: a period of the resident's tier, or the 24 hours after a major change."""

    resident: Planned
    kind: str  # week, month, quarter, or "major" (a major change: which one is `change`)
    start: date
    end: date
    outcome: rules.Outcome
    change: str = ""


def _visits(session: Session, scope: list[Any], visited: list[Any], first: date, last: date
            ) -> tuple[dict[int, date], dict[int, list[date]]]:
    """(last visit before `first` per resident in `scope`, sorted visit days from first to last per
    resident in `visited`): both read from the residents through the visits' (resident, day)
    index, so a worker's round reads their grid's visits only."""
    last_before = (select(func.max(Visit.visited_on))
                   .where(Visit.resident_id == Resident.id, Visit.visited_on < first, Visit.deleted_at.is_(None))
                   .scalar_subquery())
    before = {resident_id: day for resident_id, day in session.execute(select(Resident.id, last_before).where(*scope))
              if day is not None}
    within: dict[int, list[date]] = defaultdict(list)
    for resident_id, day in session.execute(
            select(Visit.resident_id, Visit.visited_on).join(Resident, Resident.id == Visit.resident_id)
            .where(*visited, Visit.visited_on >= first,
                   Visit.visited_on <= last, Visit.deleted_at.is_(None)).order_by(Visit.visited_on)):
        within[resident_id].append(day)
    return before, within


def _periods(kind: str, first: date, last: date) -> list[tuple[date, date]]:
    periods, day = [], first
    while day <= last:
        start, end = rules.period_of(day, kind)
        periods.append((start, end))
        day = end + timedelta(days=1)
    return periods


def obligations(session: Session, actor: Actor, first: date, last: date, today: date, *,
                grid_ids: frozenset[int] | None = None) -> list[Obligation]:
    """Every visit owed by the residents of the actor's grids whose due date falls from first to
    last, with what became of it as of today."""
    return _owed(session, actor, first, last, today, grid_ids)[0]


def _owed(session: Session, actor: Actor, first: date, last: date, today: date, grid_ids: frozenset[int] | None
          ) -> tuple[list[Obligation], list[Planned], set[int]]:
    """(the obligations, the residents with a tier, those of them ever visited up to today)."""
    as_of = min(today, last)
    scope = plans.candidates(actor, as_of, grid_ids=grid_ids)
    every = plans.planned(session, actor, as_of, grid_ids=grid_ids, include_unplanned=True)
    # Each resident's community's frequencies (a 街道's combined view spans communities).
    community_of = _community_of(session, actor)
    communities = sorted(set(community_of.values()))
    by_community = {community: plans.frequencies(session, community) for community in communities}

    def kind_of(person: Planned) -> str:
        return by_community[community_of[person.grid_id]][person.tier] if person.tier else "month"

    kinds = {kind for periods in by_community.values() for kind in periods.values()} | {"month"}
    earliest = min(rules.period_of(first, kind)[0] for kind in kinds)
    # The visits of the quarter for everyone in the grids: visits are made to the candidates, and
    # a filter per resident would cost more than the few others it leaves out.
    before, within = _visits(session, scope, plans.in_grids(actor, as_of, grid_ids=grid_ids), earliest,
                             max(last, today))
    changes = _major_changes(session, actor, grid_ids, first - timedelta(days=1), last)
    others = {resident_id for resident_id, _, _ in changes} - {person.resident_id for person in every}
    if others:  # a major change on someone in no care group: their visit is owed all the same
        every += plans.planned(session, actor, as_of, grid_ids=grid_ids, resident_ids=others, include_unplanned=True)
        theirs = plans.candidates(actor, as_of, grid_ids=grid_ids, resident_ids=others)
        more_before, more_within = _visits(session, theirs, theirs, earliest, max(last, today))
        before |= more_before
        within |= more_within
    people = [person for person in every if person.tier is not None]
    found: list[Obligation] = []
    periods_of = {kind: _periods(kind, first, last) for kind in kinds}
    for person in people:
        kind = kind_of(person)
        visits = within.get(person.resident_id, ())
        last_before = before.get(person.resident_id) or person.joined
        for start, end in periods_of[kind]:
            if person.joined > end:
                continue
            earlier = [day for day in visits if day < start]
            # rules.due_date, inlined: one interval after the reference, kept inside the period
            due = min(max(rules.one_interval_after(earlier[-1] if earlier else last_before, kind), start), end)
            if not first <= due <= last or (person.leaves is not None and person.leaves <= due):
                continue
            in_period = next((day for day in visits if start <= day <= end), None)
            found.append(Obligation(person, kind, start, end, rules.outcome(due, end, in_period, today)))
    by_id = {person.resident_id: person for person in every}
    for resident_id, change_kind, recorded_at in changes:
        person = by_id.get(resident_id)
        due_at = rules.major_change_due(recorded_at)
        if person is None or not first <= due_at.date() <= last:
            continue
        start = recorded_at.date()
        _, end = rules.period_of(due_at.date(), kind_of(person))
        visited = next((day for day in within.get(resident_id, []) if start <= day <= end), None)
        found.append(Obligation(person, "major", start, end, rules.outcome(due_at.date(), end, visited, today),
                                change=change_kind))
    return found, people, set(before) | {resident_id for resident_id, days in within.items() if days}


def _community_of(session: Session, actor: Actor) -> dict[int, int]:
    """Grid -> community, for the actor's grids (a 街道's view spans communities)."""
    return dict(session.execute(select(Grid.id, Grid.community_id)
                                .where(Grid.id.in_(sorted(actor.grid_ids) or [-1]))).all())


def _major_changes(session: Session, actor: Actor, grid_ids: frozenset[int] | None, first: date, last: date
                   ) -> list[tuple[int, str, datetime]]:
    grids = sorted(actor.grid_ids if grid_ids is None else actor.grid_ids & grid_ids)
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(MajorChange.resident_id, MajorChange.kind, MajorChange.recorded_at)
        .join(Resident, Resident.id == MajorChange.resident_id)
        .where(Resident.grid_id.in_(grids or [-1]), Resident.deleted_at.is_(None),
               MajorChange.recorded_at >= datetime.combine(first, datetime.min.time()),
               MajorChange.recorded_at < datetime.combine(last + timedelta(days=1), datetime.min.time())))]


@dataclass(frozen=True)
class RoundItem:
    obligation: Obligation
    last_visit: date | None


def my_round(session: Session, actor: Actor, *, today: date | None = None) -> list[RoundItem]:
    """Today's round: the residents of the actor's grids whose visit is due today or overdue (a
    major change's included), one line each, in walking order (小区, 楼栋, 单元, 门牌)."""
    require(actor, "visit.record")
    today = today or clock.now().date()
    kinds = set(plans.frequencies(session, actor.community_id).values()) | {"month"}
    since = min(rules.period_of(today, kind)[0] for kind in kinds)
    owed = [item for item in obligations(session, actor, since, today, today)
            if item.outcome.status in ("due", "overdue") and item.start <= today]
    owed.sort(key=lambda item: (walking_order(item.resident), item.kind != "major", item.outcome.due))
    last = _last_visits(session, [item.resident.resident_id for item in owed])
    seen: set[int] = set()
    found = []
    for item in owed:  # one line per resident: a major change first, else the longest overdue
        if item.resident.resident_id not in seen:
            seen.add(item.resident.resident_id)
            found.append(RoundItem(item, last.get(item.resident.resident_id)))
    return found


def walking_order(person: Planned) -> tuple[Any, ...]:
    """小区, 楼栋, 单元, 门牌 with numbers compared as numbers (2号楼 before 10号楼)."""
    return (*(tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))
              for text in person.address_key), person.name)


def _last_visits(session: Session, resident_ids: list[int]) -> dict[int, date]:
    """The last visit of each resident on a round (a few dozen: one query)."""
    return dict(session.execute(select(Visit.resident_id, func.max(Visit.visited_on))
                                .where(Visit.resident_id.in_(resident_ids or [-1]), Visit.deleted_at.is_(None))
                                .group_by(Visit.resident_id)).all())


FIGURES = ("due", "on_time", "late", "missed", "open", "never_visited")


def on_time_share(figures: dict[str, int]) -> float | None:
    """On time among the visits whose outcome is known (on time, late or missed); a period still
    running without a visit is not counted either way."""
    known = figures["on_time"] + figures["late"] + figures["missed"]
    return round(figures["on_time"] / known, 4) if known else None


@dataclass
class CoverageRow:
    label: str
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))


def _count(figures: dict[str, int], item: Obligation) -> None:
    figures["due"] += 1
    figures["open" if item.outcome.status in ("due", "overdue") else item.outcome.status] += 1


def figures_by_community(session: Session, actor: Actor, month: date, *, today: date | None = None
                         ) -> dict[int, dict[str, int]]:
    """Community -> the month's figures (never_visited left at 0), every community in one pass:
    the 街道's overview."""
    require(actor, "visit.coverage")
    today = today or clock.now().date()
    first, last = rules.period_of(month, "month")
    community_of = _community_of(session, actor)
    found: dict[int, dict[str, int]] = {}
    for item in obligations(session, actor, first, last, today):
        _count(found.setdefault(community_of[item.resident.grid_id], dict.fromkeys(FIGURES, 0)), item)
    return found


def coverage(session: Session, actor: Actor, month: date, *, today: date | None = None) -> dict[str, Any]:
    """A month's visits due (by due date), on time, late, missed, still open, and the planned
    residents never visited, per grid and per worker (a worker answers for their grids)."""
    require(actor, "visit.coverage")
    today = today or clock.now().date()
    first, last = rules.period_of(month, "month")
    owed, people, ever = _owed(session, actor, first, last, today, None)
    as_of = min(today, last)
    # Still here and never visited: who moved out or died is no one to go and see.
    never = {person.resident_id: person for person in people
             if person.resident_id not in ever and (person.leaves is None or person.leaves > as_of)}
    grids = dict(session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(sorted(actor.grid_ids) or [-1]))
                                 .order_by(Grid.id)).all())
    workers: dict[int, tuple[str, set[int]]] = {}
    for user_id, name, grid_id in session.execute(
            select(User.id, User.display_name, user_grids.c.grid_id).join(user_grids, user_grids.c.user_id == User.id)
            .where(user_grids.c.grid_id.in_(list(grids) or [-1]), User.active.is_(True), User.role == "worker")
            .order_by(User.display_name)):
        workers.setdefault(user_id, (name, set()))[1].add(grid_id)
    by_grid = {grid_id: CoverageRow(name) for grid_id, name in grids.items()}
    for item in owed:
        _count(by_grid[item.resident.grid_id].figures, item)
    for person in never.values():
        by_grid[person.grid_id].figures["never_visited"] += 1
    by_worker = []
    for name, grid_set in workers.values():
        row = CoverageRow(name)
        for grid_id in grid_set:
            for figure, value in by_grid[grid_id].figures.items():
                row.figures[figure] += value
        by_worker.append(row)
    total = CoverageRow("")
    for row in by_grid.values():
        for figure, value in row.figures.items():
            total.figures[figure] += value
    return {"grids": list(by_grid.values()), "workers": by_worker, "total": total, "obligations": owed,
            "never_visited": sorted(never.values(), key=lambda p: (p.grid_id, p.address_key, p.name))}


def timeline(session: Session, actor: Actor, resident_id: int) -> list[dict[str, Any]]:
    """A resident's whole picture, newest first: the visits to them, major changes recorded, and
    the mediation cases they are a party to as far as the actor may see them. Health findings only
    for those who may see sensitive data. Ratings are anonymous and never linked to a resident."""
    from core.base.permissions import can
    from core.mediation import early_warning

    resident = load_visible(session, actor, "visit.view", Resident, resident_id)
    sensitive = can(actor, "resident.sensitive", resident)
    names = dict(session.execute(select(User.id, User.display_name)).all())
    found: list[dict[str, Any]] = []
    for visit in session.scalars(select(Visit).where(Visit.resident_id == resident_id, Visit.deleted_at.is_(None))):
        found.append({"day": visit.visited_on, "kind": "visit", "method": visit.method, "by": names.get(visit.visitor_id, ""),
                      "health": visit.health if sensitive else "", "living": visit.living,
                      "hazards": [code for code in visit.hazards.split(",") if code],
                      "needs": [code for code in visit.needs.split(",") if code], "notes": visit.notes,
                      "follow_up": visit.follow_up, "referred_to": visit.referred_to, "case_id": visit.case_id})
    for change in session.scalars(select(MajorChange).where(MajorChange.resident_id == resident_id)):
        found.append({"day": change.occurred_on, "kind": "major_change", "change": change.kind, "notes": change.note,
                      "by": names.get(change.recorded_by, "")})
    if can(actor, "mediation.view"):
        for case in early_warning.cases_of_resident(session, actor, resident_id):
            found.append({"day": case["intake_date"], "kind": "case", **case})
    found.sort(key=lambda item: item["day"], reverse=True)
    return found
