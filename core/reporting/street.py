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

The figures are the community's own figures, by the same definitions: each is computed by the
function that computes it for that community's supervisor, on a view of the community
(_community_view) that never leaves this module and is given only to functions that return
counts and rates. Nothing here returns a resident, a party, a rating's comment or a case.

Combined: counts are sums over the communities (their grids are disjoint); a rate is worked out
again from its parts (settled over concluded; quotas on pace over quotas; satisfaction over all
the ratings), never averaged from the communities' rates. Satisfaction keeps its suppression
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
from core.base.permissions import Actor, require
from core.mediation import service as mediations
from core.mediation import statistics as mediation_statistics
from core.reporting import reports
from core.residents import service as residents
from core.satisfaction import service as satisfaction
from core.satisfaction.disclosure import protect
from core.training import service as training
from db.models import Community, Grid

# The figures of a column, in the order the screen lists them.
ROWS = ("residents", *(f"tag.{tag}" for tag, sensitive in residents.TAGS.items() if not sensitive),
        "cases_open", "cases_overdue", "received", "concluded", "success_rate", "training_on_pace",
        "satisfaction_count", "satisfaction_mean", "satisfaction_csat")
PERCENT_ROWS = frozenset({"success_rate", "training_on_pace", "satisfaction_csat"})


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


def _community_view(actor: Actor, community_id: int | None, grid_ids: frozenset[int]) -> Actor:
    """The community as its supervisor's figures see it. Handed only to the aggregate functions
    below; the 街道干部 themselves can open no resident, case or rating."""
    return Actor(id=actor.id, username=actor.username, role="supervisor", display_name=actor.display_name,
                 community_id=community_id, grid_ids=grid_ids, language=actor.language)


def overview(session: Session, actor: Actor, today: date | None = None) -> list[Column]:
    require(actor, "street.view")
    today = today or clock.now().date()
    month = today.replace(day=1)
    columns: list[Column] = []
    parts: dict[str, list[Any]] = {"settled": [], "concluded": [], "on_pace": [], "quotas": []}
    communities = _communities(session)
    for community_id, name, grid_ids in communities:
        view = _community_view(actor, community_id, grid_ids)
        column = Column(community_id, name)
        column.figures.update(_residents_and_cases(session, view, today))
        stats = mediation_statistics.monthly_statistics(session, view, month, month)[0]
        column.figures |= {"received": stats["received"], "concluded": stats["concluded"],
                           "success_rate": stats["success_rate"]}
        standing = training.compliance(session, view, today=today)
        on_pace = reports.on_pace(standing)
        column.figures["training_on_pace"] = round(on_pace / len(standing), 4) if standing else None
        parts["settled"].append(stats["settled"])
        parts["concluded"].append(stats["concluded"])
        parts["on_pace"].append(on_pace)
        parts["quotas"].append(len(standing))
        columns.append(column)
    combined = Column(None, "")
    for key in ROWS:
        if key not in PERCENT_ROWS and not key.startswith("satisfaction"):
            combined.figures[key] = sum(column.figures[key] for column in columns)
    concluded, quotas = sum(parts["concluded"]), sum(parts["quotas"])
    combined.figures["success_rate"] = round(sum(parts["settled"]) / concluded, 4) if concluded else None
    combined.figures["training_on_pace"] = round(sum(parts["on_pace"]) / quotas, 4) if quotas else None
    _satisfaction(session, actor, communities, columns, combined, month, today)
    return [*columns, combined]


def _residents_and_cases(session: Session, view: Actor, today: date) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for tag in [None, *(key.removeprefix("tag.") for key in ROWS if key.startswith("tag."))]:
        figures["residents" if tag is None else f"tag.{tag}"] = residents.count(
            session, view, None,  # type: ignore[arg-type]  # no text search: no vault
            residents.Filters(tag=tag or "", status="active"), today=today)
    figures["cases_open"] = sum(mediations.count_cases(session, view, mediations.CaseFilters(state=state), today=today)
                                for state in mediations.OPEN_STATES)
    figures["cases_overdue"] = mediations.count_cases(session, view, mediations.CaseFilters(overdue=True), today=today)
    return figures


def _satisfaction(session: Session, actor: Actor, communities: list[tuple[int, str, frozenset[int]]],
                  columns: list[Column], combined: Column, first: date, today: date) -> None:
    """Month to date per community and combined; suppression holds across the communities."""
    cells = {community_id: satisfaction.days_overview(session, _community_view(actor, community_id, grid_ids),
                                                      first, today)
             for community_id, _name, grid_ids in communities}
    every_grid = frozenset().union(*(grid_ids for _id, _name, grid_ids in communities))
    total = satisfaction.days_overview(session, _community_view(actor, None, every_grid), first, today)
    protect(cells, [list(cells)])
    for column, figures in [*((column, cells[column.community_id]) for column in columns), (combined, total)]:
        column.figures |= {"satisfaction_count": figures["count"], "satisfaction_mean": figures["mean"],
                           "satisfaction_csat": figures["csat"]}
        column.satisfaction_hidden = "too_few" if figures["too_few"] else "protected" if figures["protected"] else ""


def community_workbook(session: Session, actor: Actor, community_id: int, month: date, *,
                       language: str | None = None) -> bytes:
    """One community's monthly workbook, as its supervisor downloads it."""
    require(actor, "street.view")
    found = next((grid_ids for found_id, _name, grid_ids in _communities(session) if found_id == community_id), None)
    if found is None:
        raise NotFound(object="community", id=community_id)
    return reports.monthly_workbook(session, _community_view(actor, community_id, found), month, language=language)
