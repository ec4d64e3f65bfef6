"""Training compliance (培训达标, supervisors and admins): for staff who have a quota, one line per
quota (社工 continuing education, the office's own): hours against quota and against what the
share of the period elapsed asks (on track / behind / met), the previous period (met / short),
mandatory courses missed; hours by month and topic over the last 12 months; certificates
expiring within 60 days; all as .xlsx."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base import exports
from core.mediation.service import add_months
from core.training import service as training
from db.engine import read_session
from ui.charts import draw
from ui.i18n import translator
from ui.session import actor, db

t = translator()
me = actor()
st.title(t("compliance.title"))
today = date.today()
first_month = add_months(today.replace(day=1), -11)  # the last 12 months, this one included
with read_session(db()) as session:
    table = training.compliance(session, me)
    expiring = training.expiring_certificates(session, me)
    by_month = training.hours_by_month_and_topic(session, me, first_month, today)

headers = [t("field.person_name"), t("compliance.quota_kind"), t("field.level"), t("compliance.period_end"),
           t("field.hours"), t("compliance.expected"), t("compliance.quota"), t("compliance.status"),
           t("compliance.previous"), t("compliance.missed")]


def missed_text(row: dict) -> str:
    return "；".join(f"{m['starts_at']:%Y-%m-%d} {m['title']}" for m in row["missed"])


def previous_text(row: dict) -> str:
    if row["previous_status"] is None:
        return "—"
    return t(f"compliance.previous.{row['previous_status']}", end=row["previous_period_end"],
             hours=f"{row['previous_hours']:g}")


def cells(row: dict, number) -> list:  # noqa: ANN001 - how numbers are written: text on screen, numbers in Excel
    return [row["name"], t(f"compliance.kind.{row['quota_kind']}"), t(f"level.{row['level']}"), row["period_end"],
            number(row["hours"]), number(row["expected"]), number(row["quota"]), t(f"compliance.pace.{row['status']}"),
            previous_text(row), missed_text(row)]


rows = [cells(r, lambda v: f"{v:g}") for r in table]
sheet_rows = [cells(r, lambda v: v) for r in table]  # numbers in the download: they add up in Excel
behind = sum(1 for r in table if r["status"] == "behind")
st.caption(t("compliance.behind_count", count=behind, total=len(table)))
st.caption(t("compliance.pace_help"))
st.dataframe(pd.DataFrame(rows, columns=headers), hide_index=True, width="stretch",
             column_config={t("field.person_name"): st.column_config.TextColumn(width="medium"),  # names in full
                            t("compliance.missed"): st.column_config.TextColumn(width="large")})

st.subheader(t("compliance.by_month"))
draw("training_hours_by_month_and_topic", by_month, month_title=t("compliance.month"), hours_title=t("field.hours"),
     topic_title=t("field.topic"), other_label=t("compliance.other_topics"))
# The sheet has every topic in its own column (the chart folds the smaller ones into "other").
topics, month_table = training.month_topic_table(by_month)
month_headers = [t("compliance.month"), *topics, t("compliance.month_total")]

cert_headers = [t("compliance.holder"), t("field.name"), t("my_training.number"), t("my_training.expires")]
cert_rows = [[c["holder"], c["name"], c["number"], c["expires_on"]] for c in expiring]
st.subheader(t("compliance.expiring"))
if cert_rows:
    st.dataframe(pd.DataFrame(cert_rows, columns=cert_headers), hide_index=True, width="stretch")
else:
    st.caption(t("compliance.none_expiring"))
st.download_button(t("compliance.download"),
                   exports.write_workbook([(t("compliance.title"), headers, sheet_rows),
                                           (t("compliance.by_month"), month_headers, month_table),
                                           (t("compliance.expiring"), cert_headers, cert_rows)]),
                   file_name=f"training-compliance-{date.today()}.xlsx", key="compliance_download", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
