"""绩效概览: one row per worker and a total per grid for a period of whole months, each figure
defined once here, as the page's "?" repeats it.

The period is first..last month, counted up to today while it runs (`as_of`); the previous period
is the same number of months just before it, and each row carries its change against it.

Figures of a worker (a grid's total counts the same things by the grid they happened in):

- cases_received (受理): cases the worker mediates, taken in during the period (by intake month,
  as core.mediation.statistics counts them: a late entry counts in the month it was recorded).
- cases_concluded / cases_settled (调解成功): different cases the worker mediates whose last
  conclusion in the period was an agreement or a failure / an agreement (core.mediation.statistics
  over the whole range: a case settled in two rounds is one case settled).
- days_to_settle (平均调解天数): of the cases settled, the mean number of days from intake to the
  last agreement reached in the period.
- cases_overdue (超期): cases the worker mediates whose due date (one month after intake, or the
  extension agreed; 人民调解法 and the 司法部 rules the mediation module cites) fell in the
  period, before today, while they were still open: no change to a closed state (agreed, failed,
  withdrawn, referred, closed) on or before the due date. A case counts once, in the period its
  deadline was missed.
- visits_due / visits_on_time (走访按时): visits owed whose due date fell in the period and whose
  outcome is known (on time, late, missed; one still in its period counts neither way, as
  core.visits.rules defines them), each counted for the worker who held the resident's grid on
  the due date (core.office.assignments): a worker who changed grids answers for each grid for the
  days they held it; one who joined mid-period for the days since.
- activities_organised / residents_served: activities held in the period (core.activities.figures'
  definition: started, or with someone already marked as come; not cancelled) that the worker
  organised, and the different registered residents who came to them.
- training_hours: hours credited in the period (courses that started in it, approved hours
  earned elsewhere completed in it; core.training.service), and training_pace, the worst
  standing of the worker's quotas on the period's last day (or today): met, on_track, behind.
- ratings (满意度): ratings concerning the worker that the worker did not enter (a resident's own
  or typed in by someone else), in the period's months: count, mean and CSAT (share of 4–5)
  with 95% intervals, from core.satisfaction's summary; under MIN_GROUP only the count, and the
  workers' rows are one line whose total is known, so a lone hidden row hides the next smallest
  too (core.satisfaction.disclosure).

Who sees what: the 街道 every row of the community it picks; a worker their own row, and the total of a grid they held in the period only
where at least MIN_GRID_WORKERS workers held it (else the total minus their own row would give a
colleague's away); a supervisor every row and total of the community; a trainer or admin none.
Every figure is computed for the whole community first, so a worker's own row is the very row
their supervisor sees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlalchemy.orm import Session

from core.activities import figures as activity_figures
from core.base import clock
from core.base.errors import Invalid
from core.base.permissions import Actor, can, community_view, require
from core.mediation import statistics as mediation_statistics
from core.mediation.service import OPEN_STATES, add_months, scoped
from core.office import assignments
from core.satisfaction.disclosure import group_figures, protect
from core.training import service as training
from core.visits import service as visits
from db.models import (
    Activity,
    ActivityParticipant,
    CaseStateChange,
    Community,
    Grid,
    MediationCase,
    RatingMonthSummary,
    User,
    activity_grids,
    activity_organisers,
)

MIN_GRID_WORKERS = 3
MAX_MONTHS = 36
COUNTS = ("cases_received", "cases_concluded", "cases_settled", "cases_overdue", "visits_due", "visits_on_time",
          "activities_organised", "residents_served")
FIGURES = (*COUNTS, "days_to_settle", "visits_on_time_share", "training_hours", "training_pace", "rating_count",
           "rating_mean", "rating_csat")
# What the change against the previous period is shown for: a difference of each.
CHANGES = ("cases_received", "cases_settled", "cases_overdue", "visits_on_time_share", "activities_organised",
           "residents_served", "training_hours", "rating_mean")
PACE_ORDER = {"behind": 0, "on_track": 1, "met": 2}


@dataclass(frozen=True)
class Period:
    first: date  # the first day of the first month
    last: date  # the last day of the last month

    @property
    def months(self) -> int:
        return (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1

    def previous(self) -> Period:
        first = add_months(self.first, -self.months)
        return Period(first, self.first - timedelta(days=1))


def period_of(first_month: date, last_month: date) -> Period:
    """The whole months first_month..last_month (any day of each); refused reversed or too long."""
    first = first_month.replace(day=1)
    last = add_months(last_month.replace(day=1), 1) - timedelta(days=1)
    if last < first:
        raise Invalid("last_month", "error.date_range.reversed")
    period = Period(first, last)
    if period.months > MAX_MONTHS:
        raise Invalid("last_month", "error.date_range.too_long", max=MAX_MONTHS)
    return period


@dataclass
class Row:
    """A worker's row (user_id) or a grid's total (grid_id)."""

    label: str
    user_id: int | None = None
    grid_id: int | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    change: dict[str, Any] = field(default_factory=dict)  # figure -> this period minus the previous


@dataclass
class Overview:
    period: Period
    as_of: date
    workers: list[Row]
    grids: list[Row]


def communities(session: Session, actor: Actor) -> dict[int, str]:
    """The communities whose rows this user reads: their own, or every one for the 街道."""
    require(actor, "assessment.view")
    query = select(Community.id, Community.name).order_by(Community.id)
    if actor.community_id is not None:
        query = query.where(Community.id == actor.community_id)
    return dict(session.execute(query).tuples().all())


def _community_view(session: Session, actor: Actor, community_id: int | None) -> Actor:
    """The community as its supervisor's figures see it: every grid of it. Used for the counts
    only; what is returned is filtered to what the actor may see. The 街道 (no community of its
    own) names the community it reads."""
    chosen = actor.community_id if actor.community_id is not None else community_id
    if chosen is None or chosen not in communities(session, actor):
        raise Invalid("community", "error.community.unknown")
    return community_view(actor, chosen, frozenset(session.scalars(select(Grid.id).where(Grid.community_id == chosen))))


def overview(session: Session, actor: Actor, period: Period, *, today: date | None = None,
             community_id: int | None = None) -> Overview:
    """The period's rows and grid totals this user may see, each with its change (the 街道:
    those of `community_id`)."""
    require(actor, "assessment.view")
    today = today or clock.now().date()
    view = _community_view(session, actor, community_id)
    now_found = _figures(session, view, period, today)
    before = _figures(session, view, period.previous(), today)
    workers, grids = now_found
    for rows, earlier in ((workers, before[0]), (grids, before[1])):
        by_key = {(row.user_id, row.grid_id): row for row in earlier}
        for row in rows:
            previous = by_key.get((row.user_id, row.grid_id))
            row.change = {name: _difference(row.figures.get(name), previous.figures.get(name) if previous else None)
                          for name in CHANGES}
    if not can(actor, "assessment.view_all"):  # a worker: their own row, and the totals of grids of three or more
        held = assignments.held_between(session, view.grid_ids, period.first, period.last)
        mine = {h.grid_id for h in held if h.user_id == actor.id}
        crowded = {grid_id for grid_id in mine
                   if len({h.user_id for h in held if h.grid_id == grid_id}) >= MIN_GRID_WORKERS}
        workers = [row for row in workers if row.user_id == actor.id]
        grids = [row for row in grids if row.grid_id in crowded]
    return Overview(period, min(today, period.last), workers, grids)


def _difference(now: Any, before: Any) -> Any:
    if now is None or before is None or isinstance(now, str):
        return None
    return round(now - before, 2)


def _figures(session: Session, view: Actor, period: Period, today: date) -> tuple[list[Row], list[Row]]:
    as_of = min(today, period.last)
    end = datetime.combine(period.last + timedelta(days=1), time.min)
    grid_names = dict(session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(sorted(view.grid_ids) or [-1]))
                                      .order_by(Grid.id)).tuples().all())
    held = assignments.held_between(session, grid_names, period.first, period.last)
    people = session.execute(
        select(User.id, User.display_name).where(
            User.community_id == view.community_id, User.role == "worker",
            or_(User.id.in_({h.user_id for h in held} or {-1}),
                and_(User.active.is_(True), User.created_at < end)))
        .order_by(User.display_name, User.id)).tuples().all()
    workers = {user_id: Row(name, user_id=user_id, figures=dict.fromkeys(COUNTS, 0)) for user_id, name in people}
    grids = {grid_id: Row(name, grid_id=grid_id, figures=dict.fromkeys(COUNTS, 0)) for grid_id, name in grid_names.items()}
    _cases(session, view, period, today, workers, grids)
    if period.first <= as_of:
        _visits(session, view, period, as_of, today, held, workers, grids)
    _activities(session, view, period, workers, grids)
    _training(session, period, as_of, workers)
    _ratings(session, view, period, as_of, workers, grids)
    for row in (*workers.values(), *grids.values()):
        due = row.figures["visits_due"]
        row.figures["visits_on_time_share"] = round(row.figures["visits_on_time"] / due, 4) if due else None
    return list(workers.values()), list(grids.values())


def _add(rows: dict[int, Row], key: int | None, name: str, value: int) -> None:
    if key in rows:
        rows[key].figures[name] += int(value or 0)


def _cases(session: Session, view: Actor, period: Period, today: date, workers: dict[int, Row],
           grids: dict[int, Row]) -> None:
    first, last = mediation_statistics.index_of(period.first), mediation_statistics.index_of(period.last)
    intake = mediation_statistics.intake_month()
    for mediator, grid_id, count in session.execute(
            scoped(select(MediationCase.mediator_id, MediationCase.grid_id, func.count()), view)
            .where(intake >= first, intake <= last).group_by(MediationCase.mediator_id, MediationCase.grid_id)):
        _add(workers, mediator, "cases_received", count)
        _add(grids, grid_id, "cases_received", count)
    start_at = datetime.combine(period.first, time.min)
    end_at = datetime.combine(period.last + timedelta(days=1), time.min)
    agreements = mediation_statistics.agreement_events(view, first, last).subquery()
    outcomes = mediation_statistics.outcomes(agreements, mediation_statistics.failure_events(
        view, start_at, end_at).subquery(), by_month=False)
    settled_ids = []
    for case_id, mediator, grid_id, won in session.execute(
            select(outcomes.c.case_id, MediationCase.mediator_id, MediationCase.grid_id, outcomes.c.won)
            .join(MediationCase, MediationCase.id == outcomes.c.case_id).where(outcomes.c.last == 1)):
        for rows, key in ((workers, mediator), (grids, grid_id)):
            _add(rows, key, "cases_concluded", 1)
            _add(rows, key, "cases_settled", won)
        if won:
            settled_ids.append(case_id)
    days: dict[tuple[str, int], list[int]] = defaultdict(list)
    for mediator, grid_id, intake_date, agreed_on in session.execute(
            select(MediationCase.mediator_id, MediationCase.grid_id, MediationCase.intake_date,
                   func.max(agreements.c.day))
            .join(agreements, agreements.c.case_id == MediationCase.id)
            .where(MediationCase.id.in_(settled_ids or [-1]))
            .group_by(MediationCase.id, MediationCase.mediator_id, MediationCase.grid_id, MediationCase.intake_date)):
        waited = (_as_date(agreed_on) - intake_date).days
        days[("worker", mediator)].append(waited)
        days[("grid", grid_id)].append(waited)
    for kind, rows in (("worker", workers), ("grid", grids)):
        for key, row in rows.items():
            found = days.get((kind, key))
            row.figures["days_to_settle"] = round(sum(found) / len(found), 1) if found else None
    closed_by_due = exists().where(CaseStateChange.case_id == MediationCase.id,
                                   CaseStateChange.to_state.not_in(OPEN_STATES),
                                   func.date(CaseStateChange.at) <= MediationCase.due_date)
    missed_by = min(period.last, today - timedelta(days=1))
    for mediator, grid_id, count in session.execute(
            scoped(select(MediationCase.mediator_id, MediationCase.grid_id, func.count()), view)
            .where(MediationCase.due_date >= period.first, MediationCase.due_date <= missed_by, ~closed_by_due)
            .group_by(MediationCase.mediator_id, MediationCase.grid_id)):
        _add(workers, mediator, "cases_overdue", count)
        _add(grids, grid_id, "cases_overdue", count)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _visits(session: Session, view: Actor, period: Period, as_of: date, today: date,
            held: list[assignments.Held], workers: dict[int, Row], grids: dict[int, Row]) -> None:
    holders = assignments.by_grid(held)
    for item in visits.obligations(session, view, period.first, as_of, today):
        status = item.outcome.status
        if status not in ("on_time", "late", "missed"):
            continue
        grid_id = item.resident.grid_id
        on_time = int(status == "on_time")
        _add(grids, grid_id, "visits_due", 1)
        _add(grids, grid_id, "visits_on_time", on_time)
        for user_id in assignments.holders_on(holders, grid_id, item.outcome.due):
            _add(workers, user_id, "visits_due", 1)
            _add(workers, user_id, "visits_on_time", on_time)


def _activities(session: Session, view: Actor, period: Period, workers: dict[int, Row], grids: dict[int, Row]
                ) -> None:
    held = activity_figures.held_conditions(view, period.first, period.last, clock.now())
    came = and_(ActivityParticipant.activity_id == Activity.id, ActivityParticipant.attended.is_(True),
                ActivityParticipant.resident_id.is_not(None))
    for link, rows in ((activity_organisers.c.user_id, workers), (activity_grids.c.grid_id, grids)):
        table = link.table
        for key, organised in session.execute(
                select(link, func.count(distinct(Activity.id))).select_from(Activity)
                .join(table, table.c.activity_id == Activity.id)
                .where(*held).group_by(link)):
            _add(rows, key, "activities_organised", organised)
        for key, served in session.execute(
                select(link, func.count(distinct(ActivityParticipant.resident_id))).select_from(Activity)
                .join(table, table.c.activity_id == Activity.id).join(ActivityParticipant, came)
                .where(*held).group_by(link)):
            _add(rows, key, "residents_served", served)


def _training(session: Session, period: Period, as_of: date, workers: dict[int, Row]) -> None:
    ids = list(workers)
    hours = training.hours_between(session, ids, period.first, as_of) if period.first <= as_of else {}
    pace = training.pace_on(session, ids, as_of)
    for user_id, row in workers.items():
        row.figures["training_hours"] = hours.get(user_id, 0.0)
        row.figures["training_pace"] = pace.get(user_id)


_S = RatingMonthSummary
_SCORES = (func.sum(_S.count), func.sum(_S.score_sum), func.sum(_S.count_4_5),
           func.sum(_S.count_1 + 4 * _S.count_2 + 9 * _S.count_3 + 16 * _S.count_4 + 25 * _S.count_5))


def _ratings(session: Session, view: Actor, period: Period, as_of: date, workers: dict[int, Row],
             grids: dict[int, Row]) -> None:
    conditions = [_S.month >= period.first, _S.month <= as_of, _S.independence != "self",
                  _S.grid_id.in_(sorted(view.grid_ids) or [-1])]
    for column, rows in ((_S.worker_id, workers), (_S.grid_id, grids)):
        counts = {key: scores for key, *scores in session.execute(
            select(column, *_SCORES).where(*conditions).group_by(column))}
        cells = {key: group_figures(*counts.get(key, (0, 0, 0, 0))) for key in rows}
        protect(cells, [list(cells)])  # the line's total is known: the sum of the rows
        for key, row in rows.items():
            shown = cells[key]
            row.figures.update(rating_count=shown["count"], rating_mean=shown["mean"], rating_csat=shown["csat"],
                               rating_mean_low=shown["mean_low"], rating_mean_high=shown["mean_high"],
                               rating_withheld="too_few" if shown["too_few"] else
                               "protected" if shown["protected"] else None)


