"""Training settings (培训设置): certificates (trainers, admins); qualifications, quota targets and
course categories — what each counts toward (admins only)."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base.permissions import can
from core.training import categories
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
    targets = training.quotas(session, me.community_id)
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
                                t("field.hours"): q.hours, t("field.first_year"): q.first_year or "—"}
                               for lv, q in targets.items()]),
                 hide_index=True, width="stretch")
    with read_session(engine) as session:
        changeable = training.changeable_levels(session, me)
    if changeable != training.LEVELS:  # several communities: the 社工 quotas are everyone's
        st.caption(t("training_settings.local_only"))
    if targets["none"].own:
        st.caption(t("training_settings.own_local"))
    errors = FieldErrors()
    which = st.selectbox(t("field.level"), changeable, format_func=lambda v: t(f"level.{v}"),
                         key=translated_choice("quota_level"))
    with st.form(f"quota_{which}"):  # keyed by level, like the qualification form
        years = st.number_input(t("field.period_years"), min_value=1, max_value=10, value=targets[which].period_years)
        errors.slot("period_years")
        hours = st.text_input(t("field.hours"), value=f"{targets[which].hours:g}")
        errors.slot("hours")
        first_year = None
        if which == "none":  # the office's own quota: its periods count from 1 January of this year
            first_year = st.number_input(t("field.first_year"), min_value=2000, max_value=2100,
                                         value=targets[which].first_year or date.today().year,
                                         help=t("training_settings.first_year_help"))
            errors.slot("first_year")
        if st.form_submit_button(t("common.save")):
            save_then_rerun(engine, errors, lambda session: training.set_quota(
                session, me, which, period_years=years, hours=hours, first_year=first_year),
                "training_settings_notice", t("training_settings.saved"))

    st.subheader(t("training_settings.categories"))
    st.caption(t("training_settings.categories_help"))
    with read_session(engine) as session:
        kinds = {c["id"]: c for c in categories.list_categories(session)}
    st.dataframe(pd.DataFrame([{t("field.name"): c["name"], t("compliance.kind.social_work"): c["counts_social_work"],
                                t("compliance.kind.local"): c["counts_local"], t("training_settings.active"): c["active"]}
                               for c in kinds.values()]), hide_index=True, width="stretch")
    errors = FieldErrors()
    NEW = 0  # a selectbox shows None as an empty placeholder
    chosen = st.selectbox(t("training_settings.category"), [NEW, *kinds], key=translated_choice("category_pick"),
                          format_func=lambda c: t("training_settings.new_category") if c == NEW else kinds[c]["name"])
    current = kinds.get(chosen, {"name": "", "counts_social_work": False, "counts_local": False, "active": True})
    with st.form(f"category_{chosen}", enter_to_submit=False):  # keyed by category: opens on it as it stands
        name = st.text_input(t("field.name"), value=current["name"], max_chars=categories.NAME_MAX,
                             key=f"category_name_{chosen}")
        errors.slot("name")
        social = st.checkbox(t("training_settings.counts_social_work"), value=current["counts_social_work"],
                             key=f"category_social_{chosen}")
        local = st.checkbox(t("training_settings.counts_local"), value=current["counts_local"],
                            key=f"category_local_{chosen}")
        active = st.checkbox(t("training_settings.active"), value=current["active"], disabled=chosen == NEW)
        if st.form_submit_button(t("common.save")):
            data = categories.CategoryInput(name=name, counts_social_work=social, counts_local=local, active=active)
            save_then_rerun(engine, errors, (lambda session: categories.add_category(session, me, data)) if chosen == NEW
                            else (lambda session: categories.change_category(session, me, chosen, data)),
                            "training_settings_notice", t("training_settings.saved"))
