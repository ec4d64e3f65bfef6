"""Register a resident (新增居民): birth date, sex and age come from the ID number; a likely
duplicate (same name and birth date) is shown before anything is created."""

import streamlit as st

from core import residents
from core.errors import LinliError
from core.permissions import can
from core.residents import ResidentForm
from db.engine import read_session, write_session
from ui.forms import FieldErrors, show_notice
from ui.i18n import t
from ui.markdown import plain
from ui.residents_form import resident_fields
from ui.session import actor, db, vault

me = actor()
engine, keys = db(), vault()
st.title(t("resident_new.title"))

with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
if not grids:
    st.info(t("resident_new.no_grids"))
    st.stop()

visible_tags = [tag for tag in residents.TAGS if not residents.TAGS[tag] or can(me, "resident.sensitive")]
show_notice("resident_new_notice")

errors = FieldErrors()
form = resident_fields(ResidentForm(), grids, visible_tags, errors, key="new_resident")
duplicates = st.session_state.get("resident_new_duplicates")
confirm = False
if duplicates:
    st.warning(t("error.resident.possible_duplicate", count=len(duplicates)))
    for match in duplicates:
        st.write(f"· {plain(match['name'])} · {match['birth_date']} · {plain(match['grid'])} · "
                 f"{plain(match['id_masked'] or '—')}")
    confirm = st.checkbox(t("resident_new.confirm_not_duplicate"), key="resident_new_confirm")

if st.button(t("resident_new.submit"), type="primary", key="resident_new_submit"):
    try:
        with write_session(engine) as session:
            created = residents.create(session, me, keys, form, confirm_duplicate=confirm)
        st.session_state.pop("resident_new_duplicates", None)
        for key in [k for k in st.session_state if str(k).startswith("new_resident_")]:
            del st.session_state[key]
        st.session_state["resident_new_notice"] = t("resident_new.created", name=plain(created.name))
        st.rerun()
    except residents.PossibleDuplicate as warning:
        st.session_state["resident_new_duplicates"] = warning.matches
        st.rerun()
    except LinliError as exc:
        errors.show(exc)
