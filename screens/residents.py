"""Residents (居民): search and filter, 50 to a page; the chosen resident's details,
household, edit, status, reveal and history; export of the filtered list."""

from datetime import date

import pandas as pd
import streamlit as st

from core import residents
from core.errors import LinliError, StaleEdit
from core.permissions import can
from db.engine import read_session, write_session
from ui.forms import FieldErrors
from ui.i18n import error_text, language, translator
from ui.residents_form import resident_fields
from ui.session import actor, db, vault
from ui.table import PAGE_SIZE, page_picker

t = translator()  # labels in this run's language, read once: tables ask for hundreds
me = actor()
engine, keys = db(), vault()
st.title(t("residents.title"))

with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
visible_tags = [tag for tag in residents.TAGS if not residents.TAGS[tag] or can(me, "resident.sensitive")]

# --- filters -------------------------------------------------------------------------------------
query = st.text_input(t("residents.search"), key="residents_query", placeholder=t("residents.search_hint"),
                      max_chars=50)
grid_col, tag_col, status_col, min_col, max_col = st.columns([2, 2, 1, 1, 1])
grid_id = grid_col.selectbox(t("field.grid"), [None, *grids], key="residents_grid",
                             format_func=lambda g: t("common.all") if g is None else grids[g])
tag = tag_col.selectbox(t("field.tags"), ["", *visible_tags], key="residents_tag",
                        format_func=lambda v: t("common.all") if not v else t(f"tag.{v}"))
status = status_col.selectbox(t("field.status"), ["", *residents.STATUSES], key="residents_status",
                              format_func=lambda v: t("common.all") if not v else t(f"status.{v}"))
age_min = min_col.number_input(t("residents.age_min"), min_value=0, max_value=130, value=None, step=1,
                               key="residents_age_min")
age_max = max_col.number_input(t("residents.age_max"), min_value=0, max_value=130, value=None, step=1,
                               key="residents_age_max")
filters = residents.Filters(query=query, grid_id=grid_id, tag=tag, status=status,
                            age_min=int(age_min) if age_min is not None else None,
                            age_max=int(age_max) if age_max is not None else None)

# --- the page of residents -----------------------------------------------------------------------
with read_session(engine) as session:
    total = residents.count(session, me, keys, filters)
    page = page_picker(total, key="residents_page")
    found = residents.search(session, me, keys, filters, page=page, page_size=PAGE_SIZE, total=total)

if not found.rows:
    st.info(t("residents.none"))
    chosen_id = None
else:
    table = pd.DataFrame([
        {
            t("field.person_name"): row["name"], t("field.sex"): t(f"sex.{row['sex']}"), t("field.age"): row["age"],
            t("field.id_number"): row["id_masked"], t("field.phone"): row["phone_masked"],
            t("field.grid"): row["grid"], t("field.address"): row["address"] or "",
            t("field.tags"): "、".join(t(f"tag.{tag}") for tag in row["tags"]),
            t("field.status"): t(f"status.{row['status']}"),
        }
        for row in found.rows
    ])
    st.caption(t("residents.pick_hint"))
    selection = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun",
                             selection_mode="single-row", key="residents_table")
    picked = selection.selection.rows if selection else []
    chosen_id = found.rows[picked[0]]["id"] if picked else None

# --- export --------------------------------------------------------------------------------------
with st.expander(t("residents.export"), icon=":material/download:"):
    fmt = st.radio(t("residents.export_format"), ["xlsx", "csv"], horizontal=True, key="export_format")
    full = can(me, "resident.export_full") and st.checkbox(t("residents.export_full"), key="export_full")
    st.caption(t("residents.export_masked_hint") if not full else t("residents.export_full_hint"))
    if st.button(t("residents.export_prepare"), key="export_prepare"):
        with write_session(engine) as session:
            data = residents.export_file(session, me, keys, filters, fmt, language(), full=full)
        st.download_button(t("residents.export_download", count=total), data, file_name=f"residents-{date.today()}.{fmt}",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
                           else "text/csv", key="export_download", on_click="ignore")

# --- the chosen resident -------------------------------------------------------------------------
if chosen_id is not None:
    with read_session(engine) as session:
        person = residents.detail(session, me, chosen_id)
        events = residents.history(session, me, chosen_id)
    st.divider()
    st.subheader(f"{person['name']} · {t('sex.' + person['sex'])} · {t('residents.years', age=person['age'])}")
    details, household, edit, status_tab, history = st.tabs(
        [t("residents.tab.details"), t("residents.tab.household"), t("residents.tab.edit"), t("residents.tab.status"),
         t("residents.tab.history")])

    with details:
        left, right = st.columns(2)
        left.write(f"**{t('field.id_number')}**：{person['id_masked'] or '—'}")
        left.write(f"**{t('field.birth_date')}**：{person['birth_date']}")
        left.write(f"**{t('field.phone')}**：{person['phone_masked'] or '—'}")
        left.write(f"**{t('field.ethnicity')}**：{person['ethnicity'] or '—'}")
        right.write(f"**{t('field.grid')}**：{person['grid']}")
        right.write(f"**{t('field.address')}**：{person['address'] or '—'}")
        right.write(f"**{t('field.relation')}**：{person['relation'] or '—'}")
        right.write(f"**{t('field.status')}**：{t('status.' + person['status'])} {person['status_date'] or ''}")
        st.write(f"**{t('field.tags')}**：" + ("、".join(t(f"tag.{tag}") for tag in person["tags"]) or "—"))
        if person["notes"]:
            st.write(f"**{t('field.notes')}**：{person['notes']}")
        if can(me, "resident.reveal"):
            with st.form(f"reveal_{chosen_id}", clear_on_submit=True):
                st.caption(t("residents.reveal_hint"))
                what = st.radio(t("field.field"), residents.REVEALABLE, horizontal=True,
                                format_func=lambda f: t(f"field.{f}"))
                reason = st.text_input(t("field.reason"), max_chars=200)
                if st.form_submit_button(t("residents.reveal")):
                    try:
                        with write_session(engine) as session:
                            value = residents.reveal(session, me, keys, chosen_id, what, reason)
                        st.success(t("residents.revealed", field=t(f"field.{what}"), value=value or "—"))
                    except LinliError as exc:
                        st.error(error_text(exc))

    with household:
        if person["members"]:
            st.dataframe(pd.DataFrame([{t("field.person_name"): m["name"], t("field.relation"): m["relation"],
                                        t("field.age"): m["age"], t("field.status"): t(f"status.{m['status']}")}
                                       for m in person["members"]]), hide_index=True, width="stretch")
        else:
            st.info(t("residents.no_household"))

    with edit:
        version_key = f"resident_version_{chosen_id}"
        with read_session(engine) as session:
            loaded, version = residents.edit_form(session, me, keys, chosen_id)
        st.session_state.setdefault(version_key, version)
        if st.session_state[version_key] != version:
            st.warning(t("residents.changed_elsewhere"))
        errors = FieldErrors()
        # The inputs' keys carry the version they were loaded at: after someone else's save
        # they are new inputs showing that save, never stale values a second Save would write back.
        form_key = f"edit_{chosen_id}_v{st.session_state[version_key]}"
        form = resident_fields(loaded, grids, visible_tags, errors, key=form_key)
        if st.button(t("common.save"), type="primary", key=f"save_resident_{chosen_id}"):
            try:
                with write_session(engine) as session:
                    saved = residents.update(session, me, keys, chosen_id, st.session_state[version_key],
                                             residents.keep_hidden_values(session, me, keys, chosen_id, form))
                st.session_state[version_key] = saved.version
                st.success(t("residents.saved", name=saved.name))
            except StaleEdit as exc:
                del st.session_state[version_key]  # the next run loads the other person's save
                errors.show(exc)
            except LinliError as exc:
                errors.show(exc)

    with status_tab:
        status_version_key = f"resident_status_version_{chosen_id}"
        st.session_state.setdefault(status_version_key, person["version"])  # the version this form showed
        with st.form(f"status_{chosen_id}"):
            new_status = st.selectbox(t("field.status"), residents.STATUSES, index=residents.STATUSES.index(person["status"]),
                                      format_func=lambda v: t(f"status.{v}"))
            status_date = st.date_input(t("field.status_date"), value=person["status_date"] or date.today(),
                                        max_value=date.today())
            if st.form_submit_button(t("common.save")):
                try:
                    with write_session(engine) as session:
                        saved = residents.change_status(session, me, chosen_id, st.session_state[status_version_key],
                                                        new_status, status_date)
                    st.session_state[status_version_key] = saved.version
                    st.success(t("residents.status_saved"))
                except StaleEdit as exc:
                    del st.session_state[status_version_key]
                    st.error(error_text(exc))
                except LinliError as exc:
                    st.error(error_text(exc))

    with history:
        if events:
            st.dataframe(pd.DataFrame([{t("audit.col.at"): e["at"], t("audit.col.user"): e["user"],
                                        t("audit.col.action"): t(f"audit.action.{e['action']}"),
                                        t("audit.col.before"): e["before"], t("audit.col.after"): e["after"]}
                                       for e in events]), hide_index=True, width="stretch")
