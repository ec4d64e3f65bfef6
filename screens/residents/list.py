"""Residents (居民): search and filter, 50 to a page; the chosen resident's details,
household, edit, status, reveal and history; export of the filtered list.

The widgets live in ui.residents.list and ui.residents.detail (see there why)."""

import streamlit as st

from core.base.errors import LinliError
from core.residents import service as residents
from db.engine import read_session
from ui.i18n import error_text, language, translator
from ui.residents import lookup
from ui.residents.detail import note_open_resident, resident_panel
from ui.residents.list import counted, export_panel, filter_bar, residents_table
from ui.session import actor, db, vault
from ui.table import PAGE_SIZE, page_picker

t = translator()  # labels in this run's language, read once: tables ask for hundreds
me = actor()
engine, keys = db(), vault()
st.title(t("residents.title"))

with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
filters = filter_bar(t, grids, residents.filter_tags(me))
try:  # a full ID number is an exact lookup, noted before the search below answers it
    lookup.note(me, engine, keys, filters.query, field="query")
except LinliError as refused:
    st.error(error_text(refused), icon=":material/block:")
    st.stop()
with read_session(engine) as session:  # one snapshot for the page (the count is kept)
    total = counted(session, me, engine, keys, filters)
    page = page_picker(total, key="residents_page")
    found = residents.search(session, me, keys, filters, page=page, page_size=PAGE_SIZE, total=total)

if found.rows:
    chosen_id = residents_table(t, found.rows)
else:
    st.info(t("residents.none"))
    chosen_id = None
export_panel(t, me, engine, keys, filters, total, language())
opened = note_open_resident(chosen_id)
if chosen_id is not None:
    resident_panel(t, me, engine, keys, chosen_id, grids, residents.visible_tags(me), opened=opened)
