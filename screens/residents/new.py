"""Register a resident (新增居民): birth date, sex and age come from the ID number; a likely
duplicate (same name and birth date) is shown before anything is created."""

import streamlit as st

from core.base.errors import LinliError
from core.residents import service as residents
from core.residents.service import ResidentForm
from db.engine import read_session, write_session
from ui.forms import FieldErrors, apply_field_resets, empty_fields_next_run, show_notice
from ui.i18n import t
from ui.markdown import plain
from ui.no_grids import stop_without_grids
from ui.residents import lookup
from ui.residents.form import resident_fields
from ui.session import actor, db, vault

me = actor()
engine, keys = db(), vault()
TYPED_FIELDS = ("name", "id", "birth", "phone", "address", "relation", "ethnicity", "notes")


def who(form: ResidentForm) -> tuple[str, str, str]:
    return form.name.strip(), form.id_number.strip(), str(form.birth_date or "").strip()


st.title(t("resident_new.title"))

with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
if not grids:
    stop_without_grids(me, "resident_new.no_grids")

visible_tags = residents.visible_tags(me)
show_notice("resident_new_notice")

errors = FieldErrors()
apply_field_resets()
form = resident_fields(ResidentForm(), grids, visible_tags, errors, key="new_resident")
# The warning is about the person typed when it was given: another name, ID or birth date, or a
# form emptied by leaving the page, is another question.
warned = st.session_state.get("resident_new_duplicates")
if warned and warned[0] != who(form):
    del st.session_state["resident_new_duplicates"]
    warned = None
duplicates = warned[1] if warned else None
confirm = False
if duplicates:
    st.warning(t("error.resident.possible_duplicate", count=len(duplicates)))
    for match in duplicates:
        st.write(f"· {plain(match['name'])} · {match['birth_date']} · {plain(match['grid'])} · "
                 f"{plain(match['id_masked'] or '—')}")
    confirm = st.checkbox(t("resident_new.confirm_not_duplicate"), key="resident_new_confirm")

if st.button(t("resident_new.submit"), type="primary", key="resident_new_submit"):
    try:
        lookup.note(me, engine, keys, form.id_number, field="id_number")  # the duplicate check is an exact lookup
        with write_session(engine) as session:
            created = residents.create(session, me, keys, form, confirm_duplicate=confirm)
        st.session_state.pop("resident_new_duplicates", None)
        # An empty form for the next person; the grid is kept (often the same).
        empty_fields_next_run({f"new_resident_{field}": "" for field in TYPED_FIELDS}
                              | {"new_resident_sex": "", "new_resident_tags": []})
        st.session_state["resident_new_notice"] = t("resident_new.created", name=plain(created.name))
        st.rerun()
    except residents.PossibleDuplicate as warning:
        st.session_state["resident_new_duplicates"] = (who(form), warning.matches)
        st.rerun()
    except LinliError as exc:
        errors.show(exc)
