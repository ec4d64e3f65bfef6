"""Hours earned elsewhere, reviewed (外部学时审核; supervisors and admins): open the certificate,
then approve the claim or refuse it with a reason. Nobody reviews their own claim."""

from pathlib import Path

import pandas as pd
import streamlit as st

from core.base.errors import LinliError
from core.training import external
from db.engine import read_session, write_session
from ui.forms import FieldErrors, show_notice
from ui.i18n import translated_choice, translator
from ui.session import actor, db, settings

t = translator()
me = actor()
engine = db()
files = Path(settings().files_dir)
st.title(t("external_review.title"))
show_notice("external_review_notice")

status = st.segmented_control(t("field.status"), external.STATUSES, default="pending",
                              format_func=lambda s: t(f"external.status.{s}"), key=translated_choice("external_status"))
with read_session(engine) as session:
    claims = external.claims_to_review(session, me, status=status or "pending")
if not claims:
    st.info(t("external_review.none"))
    st.stop()

st.dataframe(pd.DataFrame([{t("field.person_name"): c["person"], t("field.title"): c["title"],
                            t("field.organiser"): c["organiser"], t("field.category"): c["category"],
                            t("field.completed_on"): c["completed_on"], t("field.hours"): c["hours"],
                            t("external_review.decided_by"): c["decided_by"] or "", t("external.reason"): c["reason"]}
                           for c in claims]), hide_index=True, width="stretch")

by_id = {c["id"]: c for c in claims}
chosen = st.selectbox(t("external_review.pick"), list(by_id), key="external_pick",
                      format_func=lambda i: f"{by_id[i]['person']} · {by_id[i]['title']} · {by_id[i]['hours']:g}")
claim = by_id[chosen]
with read_session(engine) as session:
    certificate = external.certificate_file(session, me, chosen, files)
if certificate is None:
    st.error(t("external_review.file_missing"))
else:
    content, name, mime = certificate
    st.download_button(t("external_review.download", name=name), content, file_name=name, mime=mime,
                       on_click="ignore", icon=":material/download:", key=f"external_download_{chosen}")
    if mime.startswith("image/"):
        st.image(content, width=480)  # checked on upload: a real PNG or JPEG of bounded size

if claim["status"] == "pending":
    if claim["user_id"] == me.id:
        st.caption(t("error.external.own_claim"))
    else:
        errors = FieldErrors()
        with st.form(f"external_decide_{chosen}", enter_to_submit=False):
            reason = st.text_input(t("external.reason"), max_chars=external.REASON_MAX, key=f"external_reason_{chosen}",
                                   help=t("external_review.reason_help"))
            errors.slot("reason")
            approve_col, refuse_col = st.columns(2)
            approve = approve_col.form_submit_button(t("external_review.approve"), type="primary",
                                                     icon=":material/check:")
            refuse = refuse_col.form_submit_button(t("external_review.refuse"), icon=":material/close:")
            if approve or refuse:
                try:
                    with write_session(engine) as session:
                        external.decide(session, me, chosen, approve=approve, reason=reason,
                                        version=claim["version"])
                    st.session_state["external_review_notice"] = t(
                        "external_review.approved" if approve else "external_review.refused",
                        person=claim["person"], hours=f"{claim['hours']:g}")
                    st.rerun()
                except LinliError as exc:
                    errors.show(exc)  # a refusal beside the reason; a claim decided meanwhile above the form
