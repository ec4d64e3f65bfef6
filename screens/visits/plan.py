"""走访计划 (supervisor): every resident Linli proposes for the plan
with the tier proposed from their groups and age; a supervisor confirms it or sets another with a
reason. Until then the proposal applies, so nobody waits for the review to be visited."""

from datetime import date

import pandas as pd
import streamlit as st

from core.visits import plans, rules
from db.engine import read_session
from ui.forms import FieldErrors, save_then_rerun, show_notice
from ui.i18n import translated_choice, translator
from ui.markdown import plain
from ui.no_grids import stop_without_grids
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("visit_plan.title"))
st.caption(t("visit_plan.caption"))
if not me.grid_ids:
    stop_without_grids(me, "resident_new.no_grids")
show_notice("visit_plan_notice")

with read_session(engine) as session:
    people = plans.planned(session, me, date.today(), include_unplanned=True)
    periods = plans.frequencies(session, me.community_id)
people = [person for person in people if person.proposed or person.tier or person.decided]


def tier_label(tier: str | None) -> str:
    return t(f"visit.tier.{tier}") if tier else t("visit.tier.none")


pending = [person for person in people if not person.decided]
only_pending = st.toggle(t("visit_plan.only_pending", count=len(pending)), value=bool(pending), key="plan_pending")
shown = pending if only_pending else people
st.dataframe(pd.DataFrame([{
    t("field.person_name"): person.name, t("field.address"): person.address, t("field.age"): person.age,
    t("visit_plan.proposed"): tier_label(person.proposed), t("visit_plan.tier"): tier_label(person.tier),
    t("visit_plan.period"): t(f"visit.period.{periods[person.tier]}") if person.tier else "",
    t("visit_plan.decided"): t("common.yes") if person.decided else t("common.no"),
    t("field.tier_reason"): person.reason} for person in shown]), hide_index=True, width="stretch")
if shown:
    by_id = {person.resident_id: person for person in shown}
    errors = FieldErrors()
    chosen = st.selectbox(t("visit_plan.pick"), list(by_id), key="plan_pick",
                          format_func=lambda i: f"{by_id[i].name} · {by_id[i].address}")
    person = by_id[chosen]
    options = [*rules.TIERS, plans.NOT_PLANNED]
    with st.form(f"plan_{person.resident_id}"):
        tier = st.radio(t("visit_plan.tier"), options, horizontal=True,
                        index=options.index(person.tier or plans.NOT_PLANNED),
                        format_func=lambda tier: tier_label(None if tier == plans.NOT_PLANNED else tier),
                        key=translated_choice(f"plan_tier_{person.resident_id}"))
        errors.slot("tier")
        reason = st.text_input(t("field.tier_reason"), max_chars=plans.REASON_MAX, help=t("visit_plan.reason_help"),
                               key=f"plan_reason_{person.resident_id}")
        errors.slot("tier_reason")
        if st.form_submit_button(t("visit_plan.save"), type="primary"):
            save_then_rerun(engine, errors, lambda session: plans.decide(session, me, person.resident_id, tier,
                                                                         reason),
                            "visit_plan_notice", t("visit_plan.saved", name=plain(person.name)))
