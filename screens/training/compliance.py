"""Training compliance (培训达标, supervisors and admins): hours against quota per person, most
short first, with the period end; hours by month and topic over the last 12 months; certificates
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

headers = [t("field.person_name"), t("field.level"), t("compliance.period_end"), t("field.hours"),
           t("compliance.quota"), t("compliance.shortfall")]
rows = [[r["name"], t(f"level.{r['level']}"), r["period_end"], f"{r['hours']:g}", f"{r['quota']:g}",
         f"{r['shortfall']:g}"] for r in table]
sheet_rows = [[r["name"], t(f"level.{r['level']}"), r["period_end"], r["hours"], r["quota"], r["shortfall"]]
              for r in table]  # numbers in the download: they add up in Excel
short = sum(1 for r in table if r["shortfall"] > 0)
st.caption(t("compliance.short_count", count=short, total=len(table)))
st.dataframe(pd.DataFrame(rows, columns=headers), hide_index=True, width="stretch",
             column_config={t("field.person_name"): st.column_config.TextColumn(width="medium")})  # names in full

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
