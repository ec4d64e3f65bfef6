"""走访频次 (admin): how often each tier is visited in this community. The defaults follow the
national guideline and the provincial rules built on it (core.visits.rules)."""

import streamlit as st

from core.visits import plans, rules
from db.engine import read_session
from ui.forms import FieldErrors, save_then_rerun, show_notice
from ui.i18n import translated_choice, translator
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("visit_plan.frequencies"))
st.caption(t("visit_frequencies.caption"))
show_notice("visit_frequencies_notice")
with read_session(engine) as session:
    periods = plans.frequencies(session, me.community_id)

errors = FieldErrors()
with st.form("visit_frequencies"):
    chosen_periods = {tier: st.selectbox(t(f"visit.tier.{tier}"), rules.PERIODS, index=rules.PERIODS.index(periods[tier]),
                                         format_func=lambda p: t(f"visit.period.{p}"),
                                         key=translated_choice(f"frequency_{tier}"))
                      for tier in rules.TIERS}
    errors.slot("period")
    if st.form_submit_button(t("common.save"), type="primary"):
        def save_all(session):  # noqa: ANN001, ANN202
            for tier, period in chosen_periods.items():
                if period != periods[tier]:
                    plans.set_frequency(session, me, tier, period)

        save_then_rerun(engine, errors, save_all, "visit_frequencies_notice", t("visit_plan.frequencies_saved"))
