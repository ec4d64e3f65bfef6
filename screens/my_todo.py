"""My to-do (我的待办): my cases that are overdue or due within a week, and agreements
awaiting their follow-up visit."""

import pandas as pd
import streamlit as st

from core import mediations
from db.engine import read_session
from ui.i18n import translator
from ui.session import actor, db, settings

t = translator()
me = actor()
st.title(t("todo.title"))

with read_session(db()) as session:
    items = mediations.my_todo(session, me, limits=mediations.Limits.from_settings(settings()))

if not items:
    st.success(t("todo.none"))
else:
    overdue = sum(1 for item in items if item["kind"] in ("overdue", "follow_up_overdue"))
    if overdue:
        st.error(t("todo.overdue_count", count=overdue))
    st.dataframe(pd.DataFrame([{t("field.number"): item["number"], t("todo.what"): t(f"todo.kind.{item['kind']}"),
                                t("todo.by"): item["date"]} for item in items]), hide_index=True, width="stretch")
    st.page_link("screens/cases.py", label=t("todo.open_cases"), icon=":material/gavel:")
