"""Dispute types (纠纷类型): the system administrator keeps the shared list (the 司法部 categories);
a community's admin adds its own types and chooses which shared ones it uses."""

import pandas as pd
import streamlit as st

from core.mediation import dispute_types
from db.engine import read_session
from ui.forms import FieldErrors, save_then_rerun, show_notice
from ui.i18n import translator
from ui.markdown import plain
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
keeps_shared_list = me.community_id is None
st.title(t("dispute_types.title"))
st.caption(t("dispute_types.caption.shared_list" if keeps_shared_list else "dispute_types.caption.community"))

with read_session(engine) as session:
    kinds = dispute_types.listing(session, me)
show_notice("dispute_types_notice")
st.dataframe(pd.DataFrame([{t("field.name"): k.name,
                            t("dispute_types.origin"): t("dispute_types.shared" if k.shared or keeps_shared_list
                                                         else "dispute_types.own"),
                            t("field.active"): t("common.yes") if k.active else t("common.no")} for k in kinds]),
             hide_index=True, width="stretch")

shared = [k for k in kinds if k.shared]
editable = [k for k in kinds if not k.shared]
tabs = st.tabs([t("dispute_types.add"), t("dispute_types.change"), *([] if keeps_shared_list
                                                                      else [t("dispute_types.shared_in_use")])])
with tabs[0]:
    errors = FieldErrors()
    with st.form("dispute_type_new", clear_on_submit=True):
        name = st.text_input(t("field.name"), max_chars=dispute_types.MAX_NAME, key="dispute_type_new_name")
        errors.slot("name")
        if st.form_submit_button(t("dispute_types.add"), type="primary"):
            save_then_rerun(engine, errors, lambda session: dispute_types.save(session, me, name=name),
                            "dispute_types_notice", t("dispute_types.saved", name=plain(name)))
with tabs[1]:
    if not editable:
        st.info(t("dispute_types.none_of_our_own"))
    else:
        by_id = {k.id: k for k in editable}
        chosen = st.selectbox(t("dispute_types.pick"), list(by_id), format_func=lambda i: by_id[i].name,
                              key="type_pick")
        kind = by_id[chosen]
        errors = FieldErrors()
        with st.form(f"dispute_type_{kind.id}_v{kind.version}"):
            new_name = st.text_input(t("field.name"), value=kind.name, max_chars=dispute_types.MAX_NAME)
            errors.slot("name")
            active = st.checkbox(t("field.active"), value=kind.active)
            if st.form_submit_button(t("common.save"), type="primary"):
                # A stale save is refused like any other (StaleEdit is a LinliError); the form's key
                # carries the version, so the next run shows the other person's change.
                save_then_rerun(engine, errors, lambda session: dispute_types.save(
                    session, me, name=new_name, type_id=kind.id, expected_version=kind.version, active=active),
                    "dispute_types_notice", t("dispute_types.saved", name=plain(new_name)))
if not keeps_shared_list:
    with tabs[2]:
        errors = FieldErrors()
        with st.form("dispute_types_shared"):
            st.caption(t("dispute_types.shared_in_use.help"))
            ticked = {k.id: st.checkbox(k.name, value=k.active, key=f"shared_type_{k.id}") for k in shared}
            errors.slot("type")
            if st.form_submit_button(t("common.save"), type="primary"):
                def offer(session):  # noqa: ANN001, ANN202
                    for type_id, offered in ticked.items():
                        dispute_types.set_offered(session, me, type_id, offered)

                save_then_rerun(engine, errors, offer, "dispute_types_notice", t("dispute_types.shared_saved"))
