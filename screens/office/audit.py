"""Audit trail (admin, supervisor): who did what and when, filtered and paged in SQL."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from core.base import audit
from db.engine import read_session
from ui.forms import DATE_FORMAT
from ui.i18n import language, translated_choice, translator
from ui.session import actor, db
from ui.table import PAGE_SIZE, page_picker

t = translator()  # labels in this run's language, read once: tables ask for hundreds
lang = language()
me = actor()
st.title(t("audit.title"))

user_col, action_col, from_col, to_col = st.columns(4)
username = user_col.text_input(t("audit.user"), max_chars=64, key="audit_user")
action = action_col.selectbox(t("audit.action"), ["", *audit.ACTIONS], key=translated_choice("audit_action"),
                              format_func=lambda a: t("common.all") if not a else t(f"audit.action.{a}"))
date_from = from_col.date_input(t("audit.from"), format=DATE_FORMAT, value=date.today() - timedelta(days=30), key="audit_from")
date_to = to_col.date_input(t("audit.to"), format=DATE_FORMAT, value=date.today(), key="audit_to")

filters = audit.AuditFilter(username=username, action=action, date_from=date_from, date_to=date_to)
with read_session(db()) as session:
    page = page_picker(audit.count_events(session, me, filters), key="audit_page")
    result = audit.list_events(session, me, filters, page=page, page_size=PAGE_SIZE)

if not result.rows:
    st.info(t("audit.empty"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("audit.col.at"): row["at"],
                    t("audit.col.user"): row["user"],
                    t("audit.col.action"): t(f"audit.action.{row['action']}"),
                    t("audit.col.object"): audit.object_label(row, lang),
                    t("audit.col.before"): audit.readable(row["before"], lang, row["names"], row["object_type"]),
                    t("audit.col.after"): audit.readable(row["after"], lang, row["names"], row["object_type"]),
                }
                for row in result.rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
