"""Training settings (培训设置): certificates (trainers, admins); qualifications and quota
targets (admins only)."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base.permissions import can
from core.training import service as training
from db.engine import read_session
from ui.forms import DATE_FORMAT, EARLIEST, FieldErrors, save_then_rerun, show_notice
from ui.i18n import translated_choice, translator
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("training_settings.title"))
with read_session(engine) as session:
    staff = training.staff_choices(session, me)
    targets = training.quotas(session)
show_notice("training_settings_notice")

st.subheader(t("training_settings.certificate"))
errors = FieldErrors()
with st.form("certificate_new", clear_on_submit=True):
    holder = st.selectbox(t("compliance.holder"), list(staff), format_func=staff.get, key="certificate_holder")
    name = st.text_input(t("field.name"), max_chars=100, key="certificate_name")
    errors.slot("name")
    number = st.text_input(t("my_training.number"), max_chars=50, key="certificate_number")
    issued = st.date_input(t("training_settings.issued"), format=DATE_FORMAT, value=date.today(), min_value=EARLIEST,
                           key="certificate_issued")
    errors.slot("issued_on")
    expires = st.date_input(t("my_training.expires"), format=DATE_FORMAT, value=None, min_value=EARLIEST,
                            max_value=date(2099, 12, 31), key="certificate_expires")
    errors.slot("expires_on")
    if st.form_submit_button(t("training_settings.add_certificate"), type="primary"):
        save_then_rerun(engine, errors, lambda session: training.add_certificate(
            session, me, holder, name=name, number=number, issued_on=issued, expires_on=expires),
            "training_settings_notice", t("training_settings.saved"))

if can(me, "training.targets"):
    st.subheader(t("training_settings.qualification"))
    errors = FieldErrors()
    # The person is chosen outside the form, and the form is keyed by them: it opens on their
    # record as it stands, so Save never writes one person's defaults over another's record.
    person = st.selectbox(t("field.person_name"), list(staff), format_func=staff.get, key="qualification_person")
    with read_session(engine) as session:
        level_now, registered_now = training.qualification_of(session, me, person)
    with st.form(f"qualification_{person}"):
        level = st.selectbox(t("field.level"), training.LEVELS, index=training.LEVELS.index(level_now),
                             format_func=lambda v: t(f"level.{v}"))
        registered = st.date_input(t("training_settings.registered_on"), format=DATE_FORMAT, value=registered_now or date.today(),
                                   min_value=EARLIEST, max_value=date.today())
        errors.slot("registered_on")
        if st.form_submit_button(t("common.save")):
            save_then_rerun(engine, errors, lambda session: training.set_qualification(
                session, me, person, level=level, registered_on=registered),
                "training_settings_notice", t("training_settings.saved"))

    st.subheader(t("training_settings.targets"))
    st.dataframe(pd.DataFrame([{t("field.level"): t(f"level.{lv}"), t("field.period_years"): q.period_years,
                                t("field.hours"): q.hours} for lv, q in targets.items()]),
                 hide_index=True, width="stretch")
    errors = FieldErrors()
    which = st.selectbox(t("field.level"), training.LEVELS, format_func=lambda v: t(f"level.{v}"),
                         key=translated_choice("quota_level"))
    with st.form(f"quota_{which}"):  # keyed by level, like the qualification form
        years = st.number_input(t("field.period_years"), min_value=1, max_value=10, value=targets[which].period_years)
        errors.slot("period_years")
        hours = st.text_input(t("field.hours"), value=f"{targets[which].hours:g}")
        errors.slot("hours")
        if st.form_submit_button(t("common.save")):
            save_then_rerun(engine, errors, lambda session: training.set_quota(
                session, me, which, period_years=years, hours=hours),
                "training_settings_notice", t("training_settings.saved"))
