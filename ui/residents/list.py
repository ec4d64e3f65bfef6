"""The residents list: its filters, the page of rows as a table, and export of the filtered list.

Kept out of the page file on purpose: Streamlit compiles a page file (with its "magic"
rewrite) on every run where the script cache is cold, as under AppTest; an imported module
is compiled once per process.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any

import pyarrow as pa
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.base import audit, clock
from core.base.crypto import Vault
from core.base.permissions import Actor, can
from core.residents import service as residents
from db.engine import read_session, write_session
from ui.i18n import ANY, translated_choice, unless_any
from ui.session import database_key

Translate = Callable[..., str]

_XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


TABLE_KEY = "residents_table_key"  # the key of the table now shown (tests pick a row through it)

def counted(session: Session, me: Actor, engine: Engine, keys: Vault, filters: residents.Filters) -> int:
    """How many residents the filters find, kept per audit high-water mark.

    Counting 100k residents was most of a rerun at that size; every resident write is audited
    in its own transaction, so the count stays true until the mark moves. The minute's limit
    bounds the one case where the mark cannot tell (on PostgreSQL, a write committing after a
    later one).
    """
    today = clock.now().date()  # age filters count from today
    scope = (me.role, me.id, tuple(sorted(me.grid_ids)))
    return _count_at(database_key(engine), audit.high_water(session), scope, dataclasses.astuple(filters), today,
                     engine, me, keys)


@st.cache_data(max_entries=256, ttl=60, show_spinner=False)
def _count_at(database: str, mark: int, scope: tuple, filters: tuple, today: date, _engine: Engine, _me: Actor,
              _keys: Vault) -> int:
    with read_session(_engine) as session:
        return residents.count(session, _me, _keys, residents.Filters(*filters), today=today)


def filter_bar(t: Translate, grids: dict[int, str], visible_tags: list[str]) -> residents.Filters:
    """Search box and filters (grid, special group, status, age range); returns what they hold."""
    everything = t("common.all")
    query = st.text_input(t("residents.search"), key="residents_query", placeholder=t("residents.search_hint"),
                          max_chars=50)
    grid_col, tag_col, status_col, min_col, max_col = st.columns([2, 2, 1, 1, 1])
    grid_id = grid_col.selectbox(t("field.grid"), [ANY, *grids], key=translated_choice("residents_grid"),
                                 format_func=lambda g: everything if g == ANY else grids[g])
    tag = tag_col.selectbox(t("field.tags"), ["", *visible_tags], key=translated_choice("residents_tag"),
                            format_func=lambda v: t(f"tag.{v}") if v else everything)
    status = status_col.selectbox(t("field.status"), ["", *residents.STATUSES],
                                  key=translated_choice("residents_status"),
                                  format_func=lambda v: t(f"status.{v}") if v else everything)
    age_min = min_col.number_input(t("residents.age_min"), min_value=0, max_value=130, value=None, step=1,
                                   key="residents_age_min")
    age_max = max_col.number_input(t("residents.age_max"), min_value=0, max_value=130, value=None, step=1,
                                   key="residents_age_max")
    if age_min is not None and age_max is not None and age_min > age_max:
        st.warning(t("residents.age_reversed", low=int(age_min), high=int(age_max)))
    return residents.Filters(query=query, grid_id=unless_any(grid_id), tag=tag, status=status,
                             age_min=int(age_min) if age_min is not None else None,
                             age_max=int(age_max) if age_max is not None else None)


def _labels(t: Translate, prefix: str, keys: Any) -> dict[str, str]:
    return {key: t(f"{prefix}.{key}") for key in keys}


def residents_table(t: Translate, rows: list[dict[str, Any]]) -> int | None:
    """The page of residents, one row each; returns the id of the row the user selected."""
    sexes = _labels(t, "sex", ("M", "F"))
    statuses = _labels(t, "status", residents.STATUSES)
    tags = _labels(t, "tag", [*residents.TAGS, residents.OLDEST_OLD])  # 高龄老人: from age
    comma = t("common.list_separator")
    # Built column by column as an Arrow table: st.dataframe sends Arrow, so a pandas frame
    # would only be one more conversion on every rerun.
    table = pa.table({
        t("field.person_name"): [row["name"] for row in rows],
        t("field.sex"): [sexes.get(row["sex"], row["sex"]) for row in rows],
        t("field.age"): pa.array([row["age"] for row in rows], pa.int64()),
        t("field.id_number"): [row["id_masked"] for row in rows],
        t("field.phone"): [row["phone_masked"] for row in rows],
        t("field.grid"): [row["grid"] for row in rows],
        t("field.address"): [row["address"] or "" for row in rows],
        t("field.tags"): [comma.join(tags[tag] for tag in row["tags"]) for row in rows],
        t("field.status"): [statuses[row["status"]] for row in rows],
    })
    st.caption(t("residents.pick_hint"))
    # A table's selection is kept by row number under its key: with one key for every page and
    # search, typing a name would open whoever is now in the row picked before. Keyed by the
    # residents it shows, another list starts with nothing picked.
    key = "residents_table_" + hashlib.blake2b(repr([row["id"] for row in rows]).encode(), digest_size=6).hexdigest()
    st.session_state[TABLE_KEY] = key
    # The address is the long one: it gets the room to be read whole at 1280 px.
    selection = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key=key,
                             column_config={t("field.address"): st.column_config.TextColumn(width="medium")})
    picked = selection.selection.rows if selection else []
    return rows[picked[0]]["id"] if picked and picked[0] < len(rows) else None


def export_panel(t: Translate, me: Actor, engine: Engine, keys: Vault, filters: residents.Filters, total: int,
                 language: str) -> None:
    """Export of the filtered list, masked unless the role may and asks for full values."""
    panel = st.expander(t("residents.export"), icon=":material/download:", key="export_open", on_change="rerun")
    if not panel.open:  # collapsed: its options need not be drawn on every rerun of the list
        return
    with panel:
        fmt = st.radio(t("residents.export_format"), ["xlsx", "csv"], horizontal=True, key="export_format",
                       help=t("residents.export_format_help"))
        full = can(me, "resident.export_full") and st.checkbox(t("residents.export_full"), key="export_full")
        st.caption(t("residents.export_masked_hint") if not full else t("residents.export_full_hint"))
        if total == 0:  # an empty file would only say so after an audited export
            st.caption(t("residents.export_nothing"))
        elif st.button(t("residents.export_prepare"), key="export_prepare"):
            with write_session(engine) as session:
                data = residents.export_file(session, me, keys, filters, fmt, language, full=full)
            st.download_button(t("residents.export_download", count=total), data,
                               file_name=f"residents-{date.today()}.{fmt}",
                               mime=_XLSX_MIME if fmt == "xlsx" else "text/csv", key="export_download",
                               on_click="ignore")
