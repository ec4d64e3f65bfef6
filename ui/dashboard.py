"""What a role's home shows of its community (key figures, setup steps, the watch list), read
together and shared by everyone who sees the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from core.base.permissions import can
from core.mediation import early_warning
from core.office import communities, setup
from core.reporting import reports
from db.engine import read_session


@dataclass(frozen=True)
class Dashboard:
    """What this role's home shows of the community, read together."""
    grid_names: list[str]
    setup_steps: list[setup.Step]
    installation: list[dict]
    figures: list[reports.KeyFigure]
    watched: list[dict]


@st.cache_data(max_entries=64, ttl=60, show_spinner=False)
def dashboard(database: str, mark: int, role: str, community: int | None, grids: tuple[int, ...], day: date,
              _engine, _actor) -> Dashboard:  # noqa: ANN001
    """Read once per community (and role and grids) as of one audit high-water mark, and kept a
    minute at most: every write Linli makes is audited, so a write anywhere (the user's own
    included) moves the mark and the next rerun reads afresh, while a rerun with nothing new
    written reads one row. Two supervisors of a community share it; two communities never do.
    The day is in the key (overdue, on pace, due are as of today)."""
    with read_session(_engine) as session:
        grid_names = [grid.name for item in communities.list_communities(session, _actor) for grid in item.grids
                      if grid.id in _actor.grid_ids]
        steps = setup.steps(session, _actor)
        return Dashboard(
            grid_names, steps,
            installation=setup.communities_overview(session, _actor) if role == "sysadmin" else [],
            figures=(reports.dashboard_figures(session, _actor, day)
                     if can(_actor, "report.monthly") and not setup.unfinished(steps) else []),
            # 人民调解法 art. 25: the supervisor sees every high-risk case
            watched=early_warning.watch_list(session, _actor) if can(_actor, "mediation.statistics") else [])
