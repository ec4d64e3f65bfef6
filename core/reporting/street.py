"""The 街道's figures: each community's side by side, and all of them combined.

    overview(session, actor, today) -> list[Column]
        permission "street.view" (街道干部). One column per community of the installation (in
        the order they were created), then the combined column (community None). Each holds the figures of ROWS:
        active residents and those of each non-sensitive special group; open and overdue
        mediation cases; this month's cases received and concluded, and the success rate
        (settled of concluded); quotas on pace of all quotas (training); satisfaction from the
        1st of the month to today: count, mean and CSAT.

    community_workbook(session, actor, community_id, month, language) -> bytes
        the monthly workbook of one community, exactly as its supervisor downloads it.

The figures are the community's own figures, by the same definitions: each service counts every
community at once with the conditions it uses for one community's supervisor, grouped by
community (residents.count_by_community and count_by_community_and_tag,
mediations.count_cases_by_community, mediation statistics.month_by_community,
training.standings_by_community, satisfaction.days_by_community), so the cost grows with the
data, not with the number of communities. Those services are given a view of
the communities (core.base.permissions.community_view) that never leaves this module; nothing here returns a resident,
a party, a rating's comment or a case.

Combined: counts are sums over the communities (their grids are disjoint); a rate is worked out
again from its parts (settled over concluded; quotas on pace over quotas; visits on time over
visits whose outcome is known; satisfaction over all the ratings), never averaged from the
communities' rates. Satisfaction keeps its suppression
across communities: a community with fewer than MIN_GROUP ratings shows its count only, and the
communities are one line whose total is shown, so if exactly one were hidden the next smallest
is hidden too (core.satisfaction.disclosure.protect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.base import clock
from core.base.errors import NotFound
from core.base.permissions import Actor, community_view, require
from core.mediation import service as mediations
from core.mediation import statistics as mediation_statistics
from core.reporting import reports
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from core.satisfaction.disclosure import group_figures, protect
from core.training import service as training
from core.visits import service as visits
from db.models import Community, Grid

# The figures of a column, in the order the screen lists them.
ROWS = ("residents", *(f"tag.{tag}" for tag, sensitive in residents.TAGS.items() if not sensitive),
        "cases_open", "cases_overdue", "received", "concluded", "success_rate", "training_on_pace",
        "visits_due", "visits_on_time", "satisfaction_count", "satisfaction_mean", "satisfaction_csat")
PERCENT_ROWS = frozenset({"success_rate", "training_on_pace", "visits_on_time", "satisfaction_csat"})


@dataclass
class Column:
    community_id: int | None  # None: every community combined
    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    # Satisfaction hidden: "too_few" (under MIN_GROUP ratings) or "protected" (complementary).
    satisfaction_hidden: str = ""


def _communities(session: Session) -> list[tuple[int, str, frozenset[int]]]:
    grids: dict[int, set[int]] = {}
    for community_id, grid_id in session.execute(select(Grid.community_id, Grid.id)):
        grids.setdefault(community_id, set()).add(grid_id)
    return [(community_id, name, frozenset(grids.get(community_id, ())))
            for community_id, name in session.execute(select(Community.id, Community.name).order_by(Community.id))]


def _district(actor: Actor, communities: list[tuple[int, str, frozenset[int]]]) -> Actor:
    """Every community's grids in one view (community None), for the grouped and combined figures."""
    return community_view(actor, None, frozenset().union(*(grids for _id, _name, grids in communities)))


def overview(session: Session, actor: Actor, today: date | None = None) -> list[Column]:
    require(actor, "street.view")
    today = today or clock.now().date()
    month = today.replace(day=1)
    communities = _communities(session)
    # Every community at once: one grouped query per figure, however many communities there are.
    district = _district(actor, communities)
    grouped = _residents_and_cases(session, district, today)
    standings = training.standings_by_community(session, actor, today=today)
    this_month = mediation_statistics.month_by_community(session, district, month)
    care = visits.figures_by_community(session, district, month, today=today)
    columns: list[Column] = []
    parts: dict[str, list[Any]] = {"settled": [], "concluded": [], "on_pace": [], "quotas": []}
    no_visits = dict.fromkeys(visits.FIGURES, 0)
    for community_id, name, _grids in communities:
        column = Column(community_id, name, {key: counts.get(community_id, 0) for key, counts in grouped.items()})
        stats = this_month.get(community_id) or mediation_statistics.no_cases_month()
        column.figures |= {"received": stats["received"], "concluded": stats["concluded"],
                           "success_rate": stats["success_rate"]}
        standing = standings.get(community_id, [])
        paced = reports.on_pace(standing)
        column.figures["training_on_pace"] = round(paced / len(standing), 4) if standing else None
        owed = care.get(community_id, no_visits)
        column.figures |= {"visits_due": owed["due"], "visits_on_time": visits.on_time_share(owed)}
        parts["settled"].append(stats["settled"])
        parts["concluded"].append(stats["concluded"])
        parts["on_pace"].append(paced)
        parts["quotas"].append(len(standing))
        columns.append(column)
    combined = Column(None, "")
    for key in ROWS:
        if key not in PERCENT_ROWS and not key.startswith("satisfaction"):
            combined.figures[key] = sum(column.figures[key] for column in columns)
    concluded, quotas = sum(parts["concluded"]), sum(parts["quotas"])
    combined.figures["success_rate"] = round(sum(parts["settled"]) / concluded, 4) if concluded else None
    combined.figures["training_on_pace"] = round(sum(parts["on_pace"]) / quotas, 4) if quotas else None
    combined.figures["visits_on_time"] = visits.on_time_share(
        {figure: sum(owed[figure] for owed in care.values()) for figure in visits.FIGURES})
    _satisfaction(session, district, columns, combined, month, today)
    return [*columns, combined]


def _residents_and_cases(session: Session, district: Actor, today: date) -> dict[str, dict[int, int]]:
    """Figure → community → count, each figure one grouped query over every community."""
    active = residents.Filters(status="active")
    tags = [key.removeprefix("tag.") for key in ROWS if key.startswith("tag.")]
    grouped = {"residents": residents.count_by_community(session, district, active, today=today)}
    grouped |= {f"tag.{tag}": counts for tag, counts in
                residents.count_by_community_and_tag(session, district, active, tags, today=today).items()}
    open_cases: dict[int, int] = {}
    for state in mediations.OPEN_STATES:
        for community_id, count in mediations.count_cases_by_community(
                session, district, mediations.CaseFilters(state=state), today=today).items():
            open_cases[community_id] = open_cases.get(community_id, 0) + count
    grouped["cases_open"] = open_cases
    grouped["cases_overdue"] = mediations.count_cases_by_community(session, district,
                                                                  mediations.CaseFilters(overdue=True), today=today)
    return grouped


def _satisfaction(session: Session, district: Actor, columns: list[Column], combined: Column, first: date,
                  today: date) -> None:
    """Month to date per community and combined; suppression holds across the communities."""
    found = satisfaction.days_by_community(session, district, first, today)
    cells = {column.community_id: found.get(column.community_id) or group_figures(0, 0, 0, 0) for column in columns}
    total = satisfaction.days_overview(session, district, first, today)
    protect(cells, [list(cells)])
    for column, figures in [*((column, cells[column.community_id]) for column in columns), (combined, total)]:
        column.figures |= {"satisfaction_count": figures["count"], "satisfaction_mean": figures["mean"],
                           "satisfaction_csat": figures["csat"]}
        column.satisfaction_hidden = "too_few" if figures["too_few"] else "protected" if figures["protected"] else ""


def combined_workbook(session: Session, actor: Actor, month: date, *, language: str | None = None) -> bytes:
    """The monthly workbook of every community together: each figure over all their grids (rates
    from the summed parts, satisfaction hidden by the same rules over the whole), the training
    sheet with every community's staff."""
    require(actor, "street.view")
    communities = _communities(session)
    district = _district(actor, communities)

    def standings(day: date) -> list[dict[str, Any]]:
        return [row for rows in training.standings_by_community(session, actor, today=day).values() for row in rows]

    return reports.monthly_workbook(session, district, month, language=language,
                                    every_community=([name for _id, name, _grids in communities], standings))


def community_workbook(session: Session, actor: Actor, community_id: int, month: date, *,
                       language: str | None = None) -> bytes:
    """One community's monthly workbook, as its supervisor downloads it."""
    require(actor, "street.view")
    found = next((grid_ids for found_id, _name, grid_ids in _communities(session) if found_id == community_id), None)
    if found is None:
        raise NotFound(object="community", id=community_id)
    return reports.monthly_workbook(session, community_view(actor, community_id, found), month, language=language)
