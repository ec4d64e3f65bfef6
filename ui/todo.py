"""A worker's to-do list as a table (我的待办 and the worker's home page)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui.i18n import translator


def todo_table(items: list[dict[str, Any]]) -> None:
    t = translator()
    st.dataframe(pd.DataFrame([{t("field.number"): item["number"], t("todo.what"): t(f"todo.kind.{item['kind']}"),
                                t("todo.by"): item["date"]} for item in items]), hide_index=True, width="stretch")
