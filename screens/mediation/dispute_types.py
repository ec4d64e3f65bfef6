"""Dispute types (纠纷类型, admin): the 司法部 categories, to add to, rename or retire."""

import pandas as pd
import streamlit as st

from core.mediation import service as mediations
from db.engine import read_session
from ui.forms import FieldErrors, save_then_rerun, show_notice
from ui.i18n import translator
from ui.markdown import plain
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("dispute_types.title"))

with read_session(engine) as session:
    kinds = mediations.all_dispute_types(session, me)
show_notice("dispute_types_notice")
st.dataframe(pd.DataFrame([{t("field.name"): k.name, t("field.active"): t("common.yes") if k.active else t("common.no")}
                           for k in kinds]), hide_index=True, width="stretch")

add, change = st.tabs([t("dispute_types.add"), t("dispute_types.change")])
with add:
    errors = FieldErrors()
    with st.form("dispute_type_new", clear_on_submit=True):
        name = st.text_input(t("field.name"), max_chars=30, key="dispute_type_new_name")
        errors.slot("name")
        if st.form_submit_button(t("dispute_types.add"), type="primary"):
            save_then_rerun(engine, errors, lambda session: mediations.save_dispute_type(session, me, name=name),
                            "dispute_types_notice", t("dispute_types.saved", name=plain(name)))
with change:
    by_id = {k.id: k for k in kinds}
    chosen = st.selectbox(t("dispute_types.pick"), list(by_id), format_func=lambda i: by_id[i].name, key="type_pick")
    kind = by_id[chosen]
    errors = FieldErrors()
    with st.form(f"dispute_type_{kind.id}_v{kind.version}"):
        new_name = st.text_input(t("field.name"), value=kind.name, max_chars=30)
        errors.slot("name")
        active = st.checkbox(t("field.active"), value=kind.active)
        if st.form_submit_button(t("common.save"), type="primary"):
            # A stale save is refused like any other (StaleEdit is a LinliError); the form's key
            # carries the version, so the next run shows the other person's change.
            save_then_rerun(engine, errors, lambda session: mediations.save_dispute_type(
                session, me, name=new_name, type_id=kind.id, expected_version=kind.version, active=active),
                "dispute_types_notice", t("dispute_types.saved", name=plain(new_name)))
