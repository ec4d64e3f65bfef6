"""The table of refused lines shown after checking an uploaded file, and its CSV download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.base import spreadsheets
from ui.i18n import t

SHOWN = 500  # the download has every line; the screen shows the first ones


def show_problems(report: spreadsheets.Report, *, file_name: str, key: str) -> None:
    st.subheader(t("import.problems"))
    st.dataframe(pd.DataFrame([{t("import.col.line"): p.line, t("field.field"): t(f"field.{p.field}"),
                                t("import.col.reason"): t(p.key, **p.params)} for p in report.problems[:SHOWN]]),
                 hide_index=True, width="stretch")
    st.download_button(t("import.download_report"), spreadsheets.report_csv(report, t), file_name=file_name,
                       mime="text/csv", key=key, on_click="ignore", icon=":material/download:")
