"""A worker's to-do list as a table (我的待办 and the worker's home page): a row opens its case."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui.i18n import translator

CASES_PAGE = "screens/mediation/cases.py"


def todo_table(items: list[dict[str, Any]], *, key: str = "todo_table") -> None:
    t = translator()
    st.caption(t("todo.pick_hint"))
    selection = st.dataframe(pd.DataFrame([{t("field.number"): item["number"],
                                            t("todo.what"): t(f"todo.kind.{item['kind']}"),
                                            t("todo.by"): item["date"]} for item in items]),
                             hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=key)
    picked = selection.selection.rows if selection else []
    if picked and picked[0] < len(items):
        st.session_state["cases_open"] = items[picked[0]]["number"]  # the cases screen searches for it
        del st.session_state[key]  # coming back, the list is not still "clicked"
        st.switch_page(CASES_PAGE)
