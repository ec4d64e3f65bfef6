"""My to-do (我的待办): my cases that are overdue or due within a week, and agreements
awaiting their follow-up visit."""

import streamlit as st

from core.mediation import service as mediations
from db.engine import read_session
from ui.i18n import translator
from ui.session import actor, db, settings
from ui.todo import todo_table

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
    todo_table(items)
    st.page_link("screens/mediation/cases.py", label=t("todo.open_cases"), icon=":material/gavel:")
