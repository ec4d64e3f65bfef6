"""活动类别 (admin): the shared categories every community offers, and this community's own, added
and retired here."""

import pandas as pd
import streamlit as st

from core.activities import categories
from db.engine import read_session
from ui.forms import FieldErrors, save_then_rerun, show_notice
from ui.i18n import translator
from ui.markdown import plain
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("nav.activity_categories"))
st.caption(t("activity_categories.caption"))
show_notice("activity_categories_notice")
with read_session(engine) as session:
    listed = categories.listing(session, me)

st.dataframe(pd.DataFrame([{
    t("field.category_name"): row["name"],
    t("activity_categories.kind"): t("activity_categories.own") if row["own"] else t("activity_categories.shared"),
    t("field.outreach"): t("common.yes") if row["outreach"] else t("common.no"),
    t("activity_categories.active"): t("common.yes") if row["active"] else t("common.no")} for row in listed]),
    hide_index=True, width="stretch")

errors = FieldErrors()
with st.form("activity_category_new"):
    name = st.text_input(t("field.category_name"), max_chars=categories.NAME_MAX, key="activity_category_name")
    errors.slot("category_name")
    outreach = st.checkbox(t("field.outreach"), key="activity_category_outreach")
    if st.form_submit_button(t("activity_categories.add"), type="primary"):
        save_then_rerun(engine, errors, lambda session: categories.add(session, me, name, outreach=outreach),
                        "activity_categories_notice", t("activity_categories.added", name=plain(name.strip())))

for row in [row for row in listed if row["own"]]:
    left, right = st.columns([3, 1])
    left.write(f"{plain(row['name'])}{'' if row['active'] else ' · ' + t('activity_categories.retire')}")
    label = t("activity_categories.retire") if row["active"] else t("activity_categories.restore")
    if right.button(label, key=f"activity_category_toggle_{row['id']}"):
        save_then_rerun(engine, errors, lambda session, row=row: categories.set_active(session, me, row["id"],
                                                                                        not row["active"]),
                        "activity_categories_notice", label)
