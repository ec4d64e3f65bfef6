"""The activities screen's figures, kept per audit high-water mark.

Every write an activity's figures read (a plan, a sign-up, attendance, a count, a summary) is
audited, so figures computed at one mark stay true until it moves. They also depend on the time
(an activity counts as held once it has started): they are computed as of the last five-minute
mark, which is in the key. The key carries the user, the community and the grids: a worker's
figures (their grids and the activities they organise) are never handed to another user.
"""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st
from sqlalchemy import Engine

from core.activities import figures
from core.base import audit, clock
from core.base.permissions import Actor
from db.engine import read_session
from ui.session import database_key

SLOT_MINUTES = 5


def range_figures(engine: Engine, me: Actor, first: date, last: date) -> tuple[list[str], figures.Figures]:
    """(the groups the range's activities were aimed at, the range's figures)."""
    now = clock.now()
    as_of = now.replace(minute=now.minute - now.minute % SLOT_MINUTES, second=0, microsecond=0)
    with read_session(engine) as session:
        mark = audit.high_water(session)
    return _figures_at(database_key(engine), mark, me.id, me.community_id, tuple(sorted(me.grid_ids)), first, last,
                       as_of, engine, me)


@st.cache_data(max_entries=64, ttl=600, show_spinner=False)
def _figures_at(database: str, mark: int, user: int, community: int | None, grids: tuple[int, ...], first: date,
                last: date, as_of: datetime, _engine: Engine, _me: Actor) -> tuple[list[str], figures.Figures]:
    with read_session(_engine) as session:
        aimed = figures.aimed_groups(session, _me, first, last)
        return aimed, figures.figures(session, _me, first, last, now=as_of, coverage_groups=aimed)
