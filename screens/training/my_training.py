"""My training (我的培训): courses attended, hours this year and in my period, my quota,
certificates, and hours earned elsewhere — claimed here with their certificate file."""

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from core.base import stored_files
from core.training import categories, external
from core.training import service as training
from db.engine import read_session
from ui.forms import DATE_FORMAT, FieldErrors, apply_field_resets, empty_fields_next_run, save_then_rerun, show_notice
from ui.i18n import translator
from ui.session import actor, db, settings
from ui.uploader import file_picker

t = translator()
me = actor()
engine = db()
files = Path(settings().files_dir)
st.title(t("my_training.title"))
with read_session(engine) as session:
    record = training.my_record(session, me)
    claims = external.my_claims(session, me)
    kinds = {c["id"]: c["name"] for c in categories.list_categories(session, active_only=True)}
show_notice("my_training_notice")
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

st.subheader(t("external.title"))
st.caption(t("external.help"))
if claims:
    st.dataframe(pd.DataFrame([{t("field.title"): c["title"], t("field.organiser"): c["organiser"],
                                t("field.category"): c["category"], t("field.completed_on"): c["completed_on"],
                                t("field.hours"): c["hours"], t("field.status"): t(f"external.status.{c['status']}"),
                                t("external.reason"): c["reason"]} for c in claims]),
                 hide_index=True, width="stretch")
apply_field_resets()  # an empty claim form after a claim was sent
# The uploader cannot be emptied through its value: a new key after each claim gives a new one.
upload_key = f"external_file_{st.session_state.get('external_claims_sent', 0)}"
with st.expander(t("external.new"), icon=":material/upload_file:", expanded=not claims):
    errors = FieldErrors()
    with st.form("external_new", enter_to_submit=False):  # kept on a refusal, emptied once sent
        title = st.text_input(t("field.title"), max_chars=100, key="external_title")
        errors.slot("title")
        organiser = st.text_input(t("field.organiser"), max_chars=100, key="external_organiser")
        errors.slot("organiser")
        category = st.selectbox(t("field.category"), list(kinds), index=None, placeholder=t("common.choose"),
                                format_func=kinds.get, key="external_category")
        errors.slot("category")
        day_col, hours_col = st.columns(2)
        completed = day_col.date_input(t("field.completed_on"), format=DATE_FORMAT, value=None,
                                       min_value=external.EARLIEST, max_value=date.today(), key="external_completed")
        hours = hours_col.text_input(t("field.hours"), key="external_hours")
        errors.slot("completed_on")
        errors.slot("hours")
        upload = file_picker(t("field.file"), stored_files.EXTENSIONS, key=upload_key)
        st.caption(t("external.file_rule", mb=stored_files.MAX_BYTES // (1024 * 1024)))
        errors.slot("file")
        if st.form_submit_button(t("external.submit"), type="primary"):
            data = external.ClaimInput(title=title, organiser=organiser, category_id=category, completed_on=completed,
                                       hours=hours, file_name=upload.name if upload else "",
                                       content=upload.getvalue() if upload else b"")

            def sent(claim: object) -> str:
                empty_fields_next_run({"external_title": "", "external_organiser": "", "external_category": None,
                                       "external_completed": None, "external_hours": ""})
                st.session_state["external_claims_sent"] = st.session_state.get("external_claims_sent", 0) + 1
                return t("external.submitted")

            save_then_rerun(engine, errors, lambda session: external.submit_claim(session, me, data, files),
                            "my_training_notice", sent)
