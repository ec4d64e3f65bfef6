"""Communities and grids (admin): list, add, rename."""

import pandas as pd
import streamlit as st

from core.base.errors import LinliError, StaleEdit
from core.base.permissions import sees_all_grids
from core.office import communities
from db.engine import read_session, write_session
from ui.forms import FieldErrors, save_then_rerun, show_notice
from ui.i18n import t
from ui.markdown import plain
from ui.session import actor, db

me = actor()
engine = db()
st.title(t("communities.title"))

with read_session(engine) as session:
    all_communities = communities.list_communities(session, me)

show_notice("communities_notice")

if all_communities:
    st.dataframe(
        pd.DataFrame(
            [
                {t("field.community"): c.name, t("field.name"): g.name, t("field.description"): g.description}
                for c in all_communities
                for g in (c.grids or [None])
                if g is not None
            ]
            or [{t("field.community"): c.name} for c in all_communities]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(t("communities.none"))

# New communities are the installation administrator's; a community's admin adds grids to their own.
adds_communities = sees_all_grids(me)
tabs = st.tabs(([t("communities.add")] if adds_communities else []) + [t("grids.add"), t("communities.rename")])
add_grid, rename = tabs[-2], tabs[-1]

if adds_communities:
    with tabs[0]:
        errors = FieldErrors()
        with st.form("new_community", clear_on_submit=False):
            name = st.text_input(t("field.name"), max_chars=communities.NAME_MAX, key="community_name")
            errors.slot("name")
            address = st.text_input(t("field.address"), max_chars=communities.TEXT_MAX, key="community_address")
            errors.slot("address")
            if st.form_submit_button(t("communities.add"), type="primary"):
                save_then_rerun(engine, errors,
                                lambda session: communities.create_community(session, me, name=name, address=address),
                                "communities_notice", lambda created: t("communities.created", name=plain(created.name)))

with add_grid:
    if not all_communities:
        st.info(t("communities.none"))
    else:
        names = {c.id: c.name for c in all_communities}
        errors = FieldErrors()
        with st.form("new_grid"):
            community_id = st.selectbox(t("field.community"), list(names), format_func=names.get, key="grid_community")
            errors.slot("community")
            grid_name = st.text_input(t("field.name"), max_chars=communities.NAME_MAX, key="grid_name")
            errors.slot("name")
            description = st.text_input(t("field.description"), max_chars=communities.TEXT_MAX, key="grid_description")
            errors.slot("description")
            if st.form_submit_button(t("grids.add"), type="primary"):
                save_then_rerun(engine, errors, lambda session: communities.create_grid(
                    session, me, community_id=community_id, name=grid_name, description=description),
                    "communities_notice", lambda grid: t("grids.created", name=plain(grid.name)))

with rename:
    targets = {("community", c.id): (c, c.name) for c in all_communities}
    targets.update({("grid", g.id): (g, f"{c.name} / {g.name}") for c in all_communities for g in c.grids})
    if not targets:
        st.info(t("communities.none"))
    else:
        key = st.selectbox(t("communities.pick"), list(targets), format_func=lambda k: targets[k][1], key="rename_pick")
        row, _label = targets[key]
        errors = FieldErrors()
        version_key = f"rename_version_{key[0]}_{key[1]}"
        st.session_state.setdefault(version_key, row.version)
        with st.form("rename_form"):
            new_name = st.text_input(t("field.name"), value=row.name, max_chars=communities.NAME_MAX)
            errors.slot("name")
            other_label = "field.address" if key[0] == "community" else "field.description"
            other = st.text_input(t(other_label), value=row.address if key[0] == "community" else row.description,
                                  max_chars=communities.TEXT_MAX)
            errors.slot("address" if key[0] == "community" else "description")
            if st.form_submit_button(t("common.save"), type="primary"):
                try:
                    with write_session(engine) as session:
                        if key[0] == "community":
                            saved = communities.update_community(session, me, row.id, st.session_state[version_key],
                                                                 name=new_name, address=other)
                        else:
                            saved = communities.update_grid(session, me, row.id, st.session_state[version_key],
                                                            name=new_name, description=other)
                    st.session_state[version_key] = saved.version
                    st.session_state["communities_notice"] = t("communities.saved", name=plain(saved.name))
                    st.rerun()
                except StaleEdit as exc:
                    del st.session_state[version_key]  # the next edit starts from the other person's save
                    errors.show(exc)
                except LinliError as exc:
                    errors.show(exc)
