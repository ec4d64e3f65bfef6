"""My training (我的培训): courses attended, hours this year and in my period, my quota, certificates."""

import pandas as pd
import streamlit as st

from core.training import service as training
from db.engine import read_session
from ui.i18n import translator
from ui.session import actor, db

t = translator()
me = actor()
st.title(t("my_training.title"))
with read_session(db()) as session:
    record = training.my_record(session, me)
this_year, *_ = st.columns(3)
this_year.metric(t("my_training.this_year"), f"{record['this_year']:g}")
for standing in record["standings"]:  # a 社工 has two: the continuing-education quota and the office's
    period, quota, pace = st.columns(3)
    period.metric(t(f"my_training.period.{standing['quota_kind']}", start=standing["period_start"],
                    end=standing["period_end"]), f"{standing['hours']:g}")
    # Under the quota: what is still to do, in words ("↓ -39" read as a loss, not as hours to go).
    quota.metric(t("my_training.quota", level=t(f"compliance.kind.{standing['quota_kind']}")), f"{standing['quota']:g}",
                 delta=t("my_training.to_go", hours=f"{standing['shortfall']:g}") if standing["shortfall"]
                 else t("my_training.met"),
                 delta_color="inverse" if standing["shortfall"] else "normal", delta_arrow="off")
    pace.metric(t("compliance.status"), t(f"compliance.pace.{standing['status']}"),
                help=t("my_training.expected", hours=f"{standing['expected']:g}"))
if not record["standings"]:
    st.caption(t("my_training.no_quota"))
if record["missed"]:
    st.warning(t("my_training.missed", courses="；".join(f"{m['starts_at']:%Y-%m-%d} {m['title']}"
                                                        for m in record["missed"])))
if record["courses"]:
    st.dataframe(pd.DataFrame([{t("field.title"): c["title"], t("field.topic"): c["topic"],
                                t("courses.day"): f"{c['starts_at']:%Y-%m-%d %H:%M}", t("courses.status"): t(f"attendance.{c['status']}"),
                                t("field.hours"): c["hours"]} for c in record["courses"]]),
                 hide_index=True, width="stretch")
else:
    st.info(t("my_training.none"))
st.subheader(t("my_training.certificates"))
if record["certificates"]:
    st.dataframe(pd.DataFrame([{t("field.name"): c["name"], t("my_training.number"): c["number"],
                                t("my_training.expires"): c["expires_on"] or "—"} for c in record["certificates"]]),
                 hide_index=True, width="stretch")
else:
    st.caption(t("my_training.no_certificates"))
