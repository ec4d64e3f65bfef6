"""What a 调委会 reports to the 司法所 each month, by dispute type, and what it records for it.

The 司法所's monthly table (人民调解工作统计) counts, per dispute type: cases received, cases
settled and the success rate (as core.mediation.statistics defines them), the parties involved,
written and oral agreements, the amount involved, 司法确认 applied for and confirmed, agreements
found performed at a follow-up visit, and the escalations mediation prevented — 防止民间纠纷引起
自杀, 防止民间纠纷转化为刑事案件, 防止群体性上访, 防止群体性械斗 — each in cases and in persons. Beside
it the office reports its 排查 (dispute screenings): how many, and how many disputes they found.
人民调解法 art. 25 asks mediators to act against escalation; these counts are what that work
leaves on the record.

Every figure is counted from dated records, so a month's table, once the month is over, does not
change: agreements by the month they were reached (or recorded, when later), 司法确认 by the dates
of application and ruling, visits by their date, preventions by when they were recorded,
screenings by their day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.base import audit, clock, validation
from core.base.errors import Invalid, collect
from core.base.permissions import Actor, require, sees_all_grids
from core.base.text import clean_prose
from core.mediation import dispute_types, service, statistics
from db.models import Agreement, CaseParty, CasePrevention, DisputeScreening, DisputeType, FollowUp, Grid, MediationCase

PREVENTIONS = ("suicide", "crime", "petition", "fight")  # 自杀, 刑事案件, 群体性上访, 群体性械斗
FIGURES = ("received", "settled", "success_rate", "parties", "written", "oral", "amount", "judicial_applied",
           "judicial_confirmed", "performed", *(f"prevent_{k}_{unit}" for k in PREVENTIONS for unit in ("cases", "persons")))


@dataclass
class PreventionInput:
    kind: str = "crime"
    persons: int | str | None = None
    note: str = ""


def record_prevention(session: Session, actor: Actor, case_id: int, data: PreventionInput, *,
                      now: datetime | None = None) -> CasePrevention:
    """The case's mediation prevented this escalation (人民调解法 art. 25): how many persons were
    concerned, and what happened. Recorded again, it is corrected."""
    require(actor, "mediation.edit")
    now = now or clock.now()
    case_row = service.load_case(session, actor, "mediation.edit", case_id)
    kind, persons, note = collect([
        lambda: service.one_of(data.kind, PREVENTIONS, "prevention", "error.prevention.kind"),
        lambda: validation.whole_number(data.persons, "persons", 1, 10_000, "error.prevention.persons"),
        lambda: validation.required_text(data.note, "note", 1000),
    ])
    row = session.scalar(select(CasePrevention).where(CasePrevention.case_id == case_row.id,
                                                      CasePrevention.kind == kind))
    before = {"persons": row.persons, "note": row.note} if row else None
    if row is None:
        row = CasePrevention(case_id=case_row.id, kind=kind)
        session.add(row)
    if before is None:
        row.recorded_at = now  # the table counts it in the month first recorded, even after a correction
    else:
        row.corrected_at = now
    row.persons, row.note, row.recorded_by = persons, note, actor.id
    audit.record(session, actor, "case_prevention", object_type="case", object_id=case_row.id, before=before,
                 after={"prevention": kind, "persons": persons, "note": note}, now=now)
    return row


def preventions_of(session: Session, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    service.load_case(session, actor, "mediation.view", case_id)
    return [{"kind": p.kind, "persons": p.persons, "note": p.note, "recorded_at": p.recorded_at}
            for p in session.scalars(select(CasePrevention).where(CasePrevention.case_id == case_id)
                                     .order_by(CasePrevention.kind))]


@dataclass
class ScreeningInput:
    grid_id: int | None = None
    screened_on: date | str | None = None
    disputes: int | str | None = 0
    note: str = ""


def log_screening(session: Session, actor: Actor, data: ScreeningInput, *, now: datetime | None = None
                  ) -> DisputeScreening:
    """A 排查 of a grid's disputes on a day, by a worker of that grid (or a supervisor)."""
    require(actor, "mediation.edit")
    now = now or clock.now()
    screened_on, disputes, note = collect([
        lambda: validation.past_or_today(data.screened_on, "screened_on", now.date()),
        lambda: validation.whole_number(data.disputes, "disputes", 0, 10_000, "error.screening.disputes"),
        lambda: clean_prose(data.note)[:1000],
    ])
    if data.grid_id is None or session.get(Grid, data.grid_id) is None:
        raise Invalid("grid", "error.grid.unknown")
    if not (sees_all_grids(actor) or data.grid_id in actor.grid_ids):
        raise Invalid("grid", "error.grid.not_yours")
    row = DisputeScreening(grid_id=data.grid_id, screened_on=screened_on, disputes=disputes, note=note,
                           recorded_by=actor.id, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "screening", object_type="screening", object_id=row.id,
                 after={"grid_id": data.grid_id, "screened_on": screened_on, "disputes": disputes}, now=now)
    return row


def recent_screenings(session: Session, actor: Actor, *, limit: int = 30) -> list[dict[str, Any]]:
    require(actor, "mediation.view")
    query = (select(DisputeScreening.screened_on, Grid.name.label("grid"), DisputeScreening.disputes,
                    DisputeScreening.note).join(Grid, Grid.id == DisputeScreening.grid_id)
             .order_by(DisputeScreening.screened_on.desc(), DisputeScreening.id.desc()).limit(limit))
    if not sees_all_grids(actor):
        query = query.where(DisputeScreening.grid_id.in_(sorted(actor.grid_ids) or [-1]))
    return [dict(row._mapping) for row in session.execute(query)]


def table(session: Session, actor: Actor, first_month: date, last_month: date) -> dict[str, Any]:
    """The 司法所 table for the months first..last: one row per dispute type (every active type, and
    a retired one that has cases in the months) and a 合计 row, each with FIGURES; and the
    screenings (not by type). In SQL.

    Each dated record counts in the month of its date, or the month it was recorded when that was
    later (statistics.counted_month): a record entered late changes the month it was entered in,
    never one already over. Settled cases split into written and oral by the agreement that
    settled them, so written + oral = settled; the amount is that agreement's."""
    require(actor, "mediation.statistics")
    start, end, start_at, end_at = statistics.bounds(first_month, last_month)
    first, last = start.year * 12 + start.month, end.year * 12 + end.month - 1
    # Every type the community offers has a row; a retired one (or another community's, in a
    # 街道's combined table) only when it has cases in the months.
    kinds = dict(session.execute(select(DisputeType.id, DisputeType.name)
                                 .order_by(DisputeType.community_id.is_not(None), DisputeType.sort_order)).all())
    offered = set(session.scalars(select(DisputeType.id).where(dispute_types.offered_clause(actor.community_id))))
    rows: dict[Any, dict[str, Any]] = {kind: {name: 0 for name in FIGURES} for kind in kinds if kind in offered}

    def row_of(kind: Any) -> dict[str, Any]:
        return rows.setdefault(kind, {name: 0 for name in FIGURES})

    def add(figure: str, query: Any) -> None:
        for kind, value in session.execute(query):
            row_of(kind)[figure] = value or 0

    def within(month: Any) -> Any:
        return (month >= first) & (month <= last)

    intake = statistics.intake_month()
    add("received", service.scoped(select(MediationCase.type_id, func.count()), actor)
        .where(within(intake)).group_by(MediationCase.type_id))
    add("parties", service.scoped(select(MediationCase.type_id, func.count(CaseParty.id)).join(
        CaseParty, CaseParty.case_id == MediationCase.id), actor).where(within(intake)).group_by(MediationCase.type_id))

    agreements = statistics.agreement_events(actor, first, last).subquery()
    outcomes = statistics.outcomes(agreements, statistics.failure_events(actor, start_at, end_at).subquery(),
                                   by_month=False)
    for kind, done, won, written, amount in session.execute(
            select(outcomes.c.type_id, func.count(), func.sum(outcomes.c.won), func.sum(outcomes.c.written),
                   func.sum(outcomes.c.won * outcomes.c.amount))
            .where(outcomes.c.last == 1).group_by(outcomes.c.type_id)):
        row = row_of(kind)
        row["concluded"], row["settled"], row["written"] = done, int(won or 0), int(written or 0)
        row["oral"], row["amount"] = row["settled"] - row["written"], int(amount or 0)

    by_case = service.scoped(select(MediationCase.type_id, func.count(func.distinct(Agreement.case_id))).join(
        Agreement, Agreement.case_id == MediationCase.id), actor)
    applied = statistics.counted_month(Agreement.judicial_applied_on, Agreement.judicial_applied_recorded_at)
    decided = statistics.counted_month(Agreement.judicial_decided_on, Agreement.judicial_decided_recorded_at)
    add("judicial_applied", by_case.where(Agreement.judicial_applied_on.is_not(None), within(applied))
        .group_by(MediationCase.type_id))
    add("judicial_confirmed", by_case.where(Agreement.judicial_result == "confirmed", within(decided))
        .group_by(MediationCase.type_id))
    visited = statistics.counted_month(FollowUp.visited_on, FollowUp.created_at)
    add("performed", service.scoped(select(MediationCase.type_id, func.count(func.distinct(FollowUp.case_id))).join(
        FollowUp, FollowUp.case_id == MediationCase.id), actor).where(
        within(visited), FollowUp.performed == "yes").group_by(MediationCase.type_id))
    for kind_name in PREVENTIONS:  # counted by when first recorded: a correction stays in its month
        query = service.scoped(select(MediationCase.type_id, func.count(), func.sum(CasePrevention.persons)).join(
            CasePrevention, CasePrevention.case_id == MediationCase.id), actor).where(
            CasePrevention.kind == kind_name, CasePrevention.recorded_at >= start_at,
            CasePrevention.recorded_at < end_at).group_by(MediationCase.type_id)
        for kind, cases, persons in session.execute(query):
            row = row_of(kind)
            row[f"prevent_{kind_name}_cases"], row[f"prevent_{kind_name}_persons"] = cases, int(persons or 0)

    # One line per name: communities of a 街道 that each added "噪音扰民" count in one line.
    by_name: dict[str, dict[str, Any]] = {}
    for kind, row in rows.items():
        line = by_name.setdefault(kinds.get(kind, "—"), {name: 0 for name in (*FIGURES, "concluded")})
        for name, value in row.items():
            line[name] = line.get(name, 0) + value
    lines = []
    for name, row in by_name.items():
        row["success_rate"] = round(row["settled"] / row["concluded"], 4) if row["concluded"] else None
        row["amount"] = Decimal(row["amount"]) / 100
        lines.append({"type": name, **row})
    total = {name: sum((line[name] for line in lines), 0 if name != "amount" else Decimal(0))
             for name in (*FIGURES, "concluded") if name != "success_rate"}
    total["success_rate"] = round(total["settled"] / total["concluded"], 4) if total["concluded"] else None
    screened = statistics.counted_month(DisputeScreening.screened_on, DisputeScreening.created_at)
    screenings = select(func.count(), func.coalesce(func.sum(DisputeScreening.disputes), 0)).where(within(screened))
    if not sees_all_grids(actor):
        screenings = screenings.where(DisputeScreening.grid_id.in_(sorted(actor.grid_ids) or [-1]))
    times, found = session.execute(screenings).one()
    return {"rows": lines, "total": total, "screenings": int(times), "screened_disputes": int(found)}


def type_chart_rows(monthly: list[dict[str, Any]], *, top: int = 7, other: str = "其他") -> list[dict[str, Any]]:
    """statistics_by(type) rows with the `top` types by cases kept and the rest summed as `other`:
    a chart of 15 types stays readable."""
    totals: dict[str, int] = {}
    for row in monthly:
        totals[row["type"]] = totals.get(row["type"], 0) + row["cases"]
    kept = {kind for kind, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:top]}
    summed: dict[tuple[str, str], int] = {}
    for row in monthly:
        key = (row["month"], row["type"] if row["type"] in kept else other)
        summed[key] = summed.get(key, 0) + row["cases"]
    return [{"month": month, "type": kind, "cases": cases} for (month, kind), cases in sorted(summed.items())]

