"""Mediation statistics: one definition of each figure, counted from dated events so that a
month's figures stay as they were on its last day.

- received: cases taken in (受理) in the month, by intake date.
- agreements: agreements reached in the month (调解成功件数); a case settled again after it was
  reopened counts again, and `re_mediations` says how many of them were such a round 2+ (再次调解).
- concluded: different cases that reached an agreement or failed (调解不成) in the month. A case
  withdrawn (撤回) or referred (转介) is not concluded by mediation and is in neither count.
- settled: of those, the cases whose last conclusion in the month was an agreement. A case that
  failed last is never counted as settled (settled, reopened and failed within the month: failed;
  failed, reopened and settled: settled), and each case counts once.
- success_rate = settled ÷ concluded.
- amount_agreed: for each settled case, the amount of the agreement that settled it (an
  agreement superseded within the month by a new round, or followed by a failure, is not counted).

Each figure is counted from dated events — intakes, agreements and state changes to 调解不成 — in
the month they were known: an agreement in the month it was reached, or the month it was recorded
if that was later (so a September settlement entered on 2 October counts in October, and
September's figures, complete on its last day, never change). A later reopening or a new
agreement changes later months, never one already past. Over a range,
`range_totals` counts different cases across the whole range, so that a case settled twice
(round 1 in one month, round 2 in another) is two agreements but one case settled.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from core.base.permissions import Actor, require
from core.mediation.service import add_months, scoped
from db.models import Agreement, CaseStateChange, DisputeType, Grid, MediationCase


def _months(first: date, last: date) -> list[tuple[int, int]]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_index(column: Any) -> Any:
    """year * 12 + month of a date or timestamp column, in SQL (both databases)."""
    return cast(func.extract("year", column), Integer) * 12 + cast(func.extract("month", column), Integer)


def _bounds(first_month: date, last_month: date) -> tuple[date, date, datetime, datetime]:
    start = first_month.replace(day=1)
    end = add_months(last_month.replace(day=1), 1)
    return start, end, datetime.combine(start, datetime.min.time()), datetime.combine(end, datetime.min.time())


def counted_month(day: Any, recorded_at: Any) -> Any:
    """The month a dated record is counted in: the month of its date, or the month it was recorded
    when that came later (a settlement of 30 September entered on 2 October is October's: the
    September figures were complete on 30 September and stay so). A record without a recording
    time (from before one was kept) counts by its date."""
    of_day, recorded = _month_index(day), _month_index(recorded_at)
    return case((recorded.is_not(None) & (recorded > of_day), recorded), else_=of_day)


def intake_month() -> Any:
    return counted_month(MediationCase.intake_date, MediationCase.created_at)


def _agreements(actor: Actor, first: int, last: int) -> Any:
    month = counted_month(Agreement.agreed_on, Agreement.created_at)
    return scoped(select(Agreement.case_id, MediationCase.type_id, month.label("month"), Agreement.agreed_on.label("day"),
                         Agreement.created_at.label("at"), Agreement.round, Agreement.amount_fen,
                         Agreement.superseded_at, Agreement.written, Agreement.id.label("agreement_id"))
                  .join(MediationCase, MediationCase.id == Agreement.case_id), actor
                  ).where(month >= first, month <= last)


def _failures(actor: Actor, start_at: datetime, end_at: datetime) -> Any:
    return scoped(select(CaseStateChange.case_id, MediationCase.type_id, _month_index(CaseStateChange.at).label("month"),
                         CaseStateChange.at)
                  .join(MediationCase, MediationCase.id == CaseStateChange.case_id), actor
                  ).where(CaseStateChange.to_state == "failed", CaseStateChange.at >= start_at,
                          CaseStateChange.at < end_at)


def _outcomes(agreements: Any, failures: Any, *, by_month: bool) -> Any:
    """Each case's last conclusion (per month, or over the range): settled if that was an agreement.
    A case settled, reopened and then failed in the same period is failed, never settled."""
    events = union_all(
        select(agreements.c.case_id, agreements.c.type_id, agreements.c.month, agreements.c.at,
               literal(1).label("won"), case((agreements.c.written, 1), else_=0).label("written"),
               agreements.c.amount_fen.label("amount")),
        select(failures.c.case_id, failures.c.type_id, failures.c.month, failures.c.at, literal(0).label("won"),
               literal(0).label("written"), literal(0).label("amount")),
    ).subquery()
    partition = [events.c.case_id, events.c.month] if by_month else [events.c.case_id]
    last = func.row_number().over(partition_by=partition, order_by=events.c.at.desc()).label("last")
    return select(events.c.case_id, events.c.type_id, events.c.month, events.c.won, events.c.written,
                  events.c.amount, last).subquery()


# The same definitions, for core.mediation.judicial_office's table by dispute type.
agreement_events, failure_events, outcomes, month_index, bounds = _agreements, _failures, _outcomes, _month_index, _bounds


def _key(index: int) -> tuple[int, int]:
    return (index - 1) // 12, (index - 1) % 12 + 1


def _index(day: date) -> int:
    return day.year * 12 + day.month


index_of = _index  # a day's month as year * 12 + month, as the month columns count it


def monthly_statistics(session: Session, actor: Actor, first_month: date, last_month: date) -> list[dict[str, Any]]:
    """Every month of the range (a month without cases as zeros), figures as defined above; in SQL."""
    require(actor, "mediation.statistics")
    start, end, start_at, end_at = _bounds(first_month, last_month)
    first, last = _index(start), _index(end) - 1
    intake = intake_month()
    received = {_key(int(m)): n for m, n in session.execute(
        scoped(select(intake, func.count()), actor).where(intake >= first, intake <= last).group_by(intake))}

    agreements = _agreements(actor, first, last).subquery()
    reached: dict[tuple[int, int], tuple[int, int]] = {
        _key(int(m)): (n, int(again or 0)) for m, n, again in session.execute(
            select(agreements.c.month, func.count(), func.sum(case((agreements.c.round > 1, 1), else_=0)))
            .group_by(agreements.c.month))}

    outcomes = _outcomes(agreements, _failures(actor, start_at, end_at).subquery(), by_month=True)
    # A case's last conclusion in the month decides it; the amount is that of the agreement that
    # settled it (one superseded within the month, or followed by a failure, is not counted).
    concluded = {_key(int(m)): (done, int(won or 0), int(amount or 0)) for m, done, won, amount in session.execute(
        select(outcomes.c.month, func.count(), func.sum(outcomes.c.won), func.sum(outcomes.c.won * outcomes.c.amount))
        .where(outcomes.c.last == 1).group_by(outcomes.c.month))}

    table = []
    for key in _months(start, end - timedelta(days=1)):
        count, again = reached.get(key, (0, 0))
        done, settled, amount = concluded.get(key, (0, 0, 0))
        table.append({"month": f"{key[0]}-{key[1]:02d}", "received": received.get(key, 0), "agreements": count,
                      "re_mediations": again, "settled": settled, "concluded": done, "failed": done - settled,
                      "success_rate": round(settled / done, 4) if done else None,
                      "amount_agreed": Decimal(amount) / 100})
    return table


def no_cases_month() -> dict[str, Any]:
    """month_by_community()'s figures of a community without cases that month."""
    return {"received": 0, "concluded": 0, "settled": 0, "success_rate": None}


def month_by_community(session: Session, actor: Actor, month: date) -> dict[int, dict[str, Any]]:
    """monthly_statistics()'s received, concluded, settled and success rate for one month, per
    community of the actor's grids, by the same definitions, in two queries (the 街道's overview);
    a community without cases that month is left out (no_cases_month())."""
    require(actor, "mediation.statistics")
    start, end, start_at, end_at = _bounds(month, month)
    index = _index(start)
    intake = intake_month()
    figures: dict[int, dict[str, Any]] = {}

    def of(community_id: int) -> dict[str, Any]:
        return figures.setdefault(community_id, no_cases_month())

    for community_id, count in session.execute(
            scoped(select(Grid.community_id, func.count()).select_from(MediationCase)
                   .join(Grid, Grid.id == MediationCase.grid_id), actor)
            .where(intake == index).group_by(Grid.community_id)):
        of(community_id)["received"] = count
    outcomes = _outcomes(_agreements(actor, index, index).subquery(), _failures(actor, start_at, end_at).subquery(),
                         by_month=True)
    for community_id, done, won in session.execute(
            select(Grid.community_id, func.count(), func.sum(outcomes.c.won)).select_from(outcomes)
            .join(MediationCase, MediationCase.id == outcomes.c.case_id).join(Grid, Grid.id == MediationCase.grid_id)
            .where(outcomes.c.last == 1).group_by(Grid.community_id)):
        settled = int(won or 0)
        of(community_id).update(concluded=done, settled=settled, success_rate=round(settled / done, 4) if done else None)
    return figures


def range_totals(session: Session, actor: Actor, first_month: date, last_month: date) -> dict[str, Any]:
    """The same figures over the whole range, cases counted once across it: a case settled in two
    rounds is two agreements, one case settled; its amount is that of the agreement in force at
    the range's end; its outcome is its last conclusion in the range."""
    require(actor, "mediation.statistics")
    start, end, start_at, end_at = _bounds(first_month, last_month)
    first, last = _index(start), _index(end) - 1
    intake = intake_month()
    received = session.scalar(scoped(select(func.count()), actor).where(intake >= first, intake <= last)) or 0
    agreements = _agreements(actor, first, last).subquery()
    count, again = session.execute(select(func.count(), func.sum(case((agreements.c.round > 1, 1), else_=0)))).one()
    outcomes = _outcomes(agreements, _failures(actor, start_at, end_at).subquery(), by_month=False)
    done, settled, amount = session.execute(select(func.count(), func.sum(outcomes.c.won),
                                                   func.sum(outcomes.c.won * outcomes.c.amount))
                                            .where(outcomes.c.last == 1)).one()
    settled = int(settled or 0)
    return {"received": received, "agreements": count, "re_mediations": int(again or 0), "settled": settled,
            "concluded": done, "failed": done - settled, "success_rate": round(settled / done, 4) if done else None,
            "amount_agreed": Decimal(int(amount or 0)) / 100}


def statistics_by(session: Session, actor: Actor, dimension: str, first_month: date, last_month: date
                  ) -> list[dict[str, Any]]:
    """Cases received per month and source (or type), in SQL, for the charts and the table."""
    require(actor, "mediation.statistics")
    start, end, _, _ = _bounds(first_month, last_month)
    month = _month_index(MediationCase.intake_date)
    key = MediationCase.source if dimension == "source" else DisputeType.name
    query = scoped(select(month, key, func.count()), actor)
    if dimension != "source":
        query = query.join(DisputeType, DisputeType.id == MediationCase.type_id)
    rows = session.execute(query.where(MediationCase.intake_date >= start, MediationCase.intake_date < end)
                           .group_by(month, key))
    return [{"month": "{}-{:02d}".format(*_key(int(m))), dimension: value, "cases": n} for m, value, n in rows]


def pivot(rows: list[dict[str, Any]], dimension: str, months: list[str]) -> tuple[list[str], list[list[Any]]]:
    """statistics_by rows as a table: one row per source (or type), one column per month, zeros filled."""
    values = sorted({row[dimension] for row in rows})
    counts = {(row[dimension], row["month"]): row["cases"] for row in rows}
    return values, [[value, *(counts.get((value, month), 0) for month in months),
                     sum(counts.get((value, month), 0) for month in months)] for value in values]
