"""The forms of a case on its screen: ending it (with its reason, then a confirmation naming the
case), the agreement, the follow-up visit, 司法确认, a session and an extension. Each writes
through core.mediation and shows a refusal beside its field."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from core.base.permissions import Actor
from core.mediation import agreements, early_warning, judicial_office
from core.mediation import service as mediations
from ui.forms import DATE_FORMAT, FieldErrors, save_then_rerun
from ui.i18n import t, translated_choice
from ui.markdown import plain

NOTICE = "cases_notice"
CASE_FROM_VISIT = "case_new_from_visit"  # the care visit (core.visits) on which a new case was found
# Actions that end a case without an agreement, or reopen it: asked for their reason, then confirmed.
REASONED = ("fail", "refer", "withdraw", "reopen")


def _pending_key(case: dict[str, Any]) -> str:
    return f"case_pending_{case['id']}"


def action_buttons(engine: Engine, me: Actor, case: dict[str, Any]) -> None:
    """One button per action the state allows (agreement and follow-up have their forms below). An
    action that ends the case without agreement, or reopens it, opens its panel instead."""
    simple = [a for a in case["actions"] if a not in ("agree", "follow_up")]
    if not simple:
        return
    errors = FieldErrors()
    for column, action in zip(st.columns(len(simple)), simple, strict=True):
        if column.button(t(f"case_action.{action}"), key=f"case_{action}_{case['id']}"):
            if action in REASONED:
                st.session_state[_pending_key(case)] = action  # a flag, not the click: the panel keeps its clicks
            else:
                save_then_rerun(engine, errors, lambda session, action=action: mediations.transition(
                    session, me, case["id"], case["version"], action), NOTICE,
                    t("cases.done", action=t(f"case_action.{action}")))
    errors.slot("state")
    pending = st.session_state.get(_pending_key(case))
    if pending in REASONED and pending in case["actions"]:
        _ending_panel(engine, me, case, pending)


def _ending_panel(engine: Engine, me: Actor, case: dict[str, Any], action: str) -> None:
    """What the action asks for, then one button that names the case it ends."""
    errors = FieldErrors()
    with st.container(border=True, key=f"ending_{case['id']}"):
        st.markdown(f"**{t(f'case_action.{action}')}** · {case['number']}")
        referred_to = ""
        if action == "refer":
            referred_to = st.text_input(t("field.referred_to"), max_chars=100, placeholder=t("cases.refer_hint"),
                                        key=f"ending_to_{case['id']}")
            errors.slot("referred_to")
        note = st.text_area(t("field.note"), max_chars=500, key=f"ending_note_{case['id']}_{action}",
                            placeholder=t("cases.reason"))
        errors.slot("note")
        routes = False
        if action == "fail":
            routes = st.checkbox(t("cases.routes_explained"), key=f"ending_routes_{case['id']}")
            errors.slot("routes_explained")
        confirm, cancel = st.columns([3, 1])
        if confirm.button(t("cases.confirm_action", action=t(f"case_action.{action}"), number=case["number"]),
                          type="primary", key=f"ending_confirm_{case['id']}"):
            st.session_state.pop(_pending_key(case), None)
            save_then_rerun(engine, errors, lambda session: mediations.transition(
                session, me, case["id"], case["version"], action, note, routes_explained=routes,
                referred_to=referred_to), NOTICE, t("cases.done", action=t(f"case_action.{action}")))
            st.session_state[_pending_key(case)] = action  # refused: the panel stays open with its reasons
        if cancel.button(t("common.cancel"), key=f"ending_cancel_{case['id']}"):
            st.session_state.pop(_pending_key(case), None)
            st.rerun()


def agreement_form(engine: Engine, me: Actor, case: dict[str, Any]) -> None:
    """人民调解法 art. 28-29: written (the law's contents required) or oral."""
    errors = FieldErrors()
    with st.expander(t("case_action.agree"), icon=":material/handshake:"):
        with st.form(f"agree_{case['id']}", enter_to_submit=False):
            left, right = st.columns(2)
            agreed_on = left.date_input(t("field.agreed_on"), format=DATE_FORMAT, value=date.today(),
                                        max_value=date.today(), key=f"agree_on_{case['id']}")
            errors.slot("agreed_on")
            written = right.radio(t("cases.form"), [True, False], horizontal=True,
                                  format_func=lambda w: t("cases.written") if w else t("cases.oral"),
                                  key=translated_choice(f"agree_written_{case['id']}"))
            declined = right.checkbox(t("cases.declined_written"), key=f"agree_declined_{case['id']}",
                                      help=t("cases.declined_written_help"))
            errors.slot("written")
            responsibilities = st.text_area(t("field.responsibilities"), max_chars=2000,
                                            placeholder=t("cases.responsibilities_hint"),
                                            key=f"agree_resp_{case['id']}")
            errors.slot("responsibilities")
            terms = st.text_area(t("field.terms"), max_chars=4000, key=f"agree_terms_{case['id']}")
            errors.slot("terms")
            left, right = st.columns(2)
            amount = left.text_input(t("field.amount"), value="0", max_chars=14, key=f"agree_amount_{case['id']}")
            errors.slot("amount")
            deadline = right.date_input(t("field.performance_deadline"), format=DATE_FORMAT, value=None,
                                        key=f"agree_deadline_{case['id']}")
            errors.slot("performance_deadline")
            manner = left.text_input(t("field.performance_manner"), max_chars=200, key=f"agree_manner_{case['id']}")
            errors.slot("performance_manner")
            place = right.text_input(t("field.performance_place"), max_chars=200, key=f"agree_place_{case['id']}")
            errors.slot("performance_place")
            st.caption(t("cases.written_needs"))
            if st.form_submit_button(t("case_action.agree"), type="primary"):
                save_then_rerun(engine, errors, lambda session: agreements.record_agreement(
                    session, me, case["id"], case["version"], agreements.AgreementInput(
                        agreed_on=agreed_on, written=written, declined_written=declined,
                        responsibilities=responsibilities, terms=terms, amount=amount, performance_deadline=deadline,
                        performance_manner=manner, performance_place=place)),
                    NOTICE, t("cases.done", action=t("case_action.agree")))


def follow_up_form(engine: Engine, me: Actor, case: dict[str, Any]) -> None:
    errors = FieldErrors()
    with st.expander(t("case_action.follow_up"), icon=":material/home_pin:"):
        with st.form(f"follow_up_{case['id']}", enter_to_submit=False):
            visited_on = st.date_input(t("field.visited_on"), format=DATE_FORMAT, value=date.today(),
                                       max_value=date.today(), key=f"follow_up_on_{case['id']}")
            errors.slot("visited_on")
            performed = st.radio(t("field.performed"), agreements.PERFORMED, horizontal=True,
                                 format_func=lambda p: t(f"performed.{p}"),
                                 key=translated_choice(f"follow_up_performed_{case['id']}"))
            advised = st.checkbox(t("cases.advised_court"), key=f"follow_up_advised_{case['id']}")
            score = st.select_slider(t("field.satisfaction"), options=[1, 2, 3, 4, 5], value=4,
                                     key=f"follow_up_score_{case['id']}")
            visit_note = st.text_area(t("field.note"), max_chars=1000, key=f"follow_up_note_{case['id']}")
            if st.form_submit_button(t("case_action.follow_up"), type="primary"):
                save_then_rerun(engine, errors, lambda session: agreements.record_follow_up(
                    session, me, case["id"], case["version"], agreements.FollowUpInput(
                        visited_on=visited_on, performed=performed, satisfaction=score, note=visit_note,
                        advised_court=advised)), NOTICE, t("cases.done", action=t("case_action.follow_up")))


def judicial_form(engine: Engine, me: Actor, case: dict[str, Any], limits: mediations.Limits) -> None:
    """人民调解法 art. 33: the joint application within 30 days, and the court's ruling."""
    agreement = case["agreement"]
    errors = FieldErrors()
    with st.expander(t("cases.judicial"), icon=":material/account_balance:"):
        with st.form(f"judicial_{case['id']}", enter_to_submit=False):
            left, right = st.columns(2)
            applied_on = left.date_input(t("field.judicial_applied_on"), format=DATE_FORMAT,
                                         value=agreement["judicial_applied_on"], max_value=date.today(),
                                         min_value=agreement["agreed_on"], key=f"judicial_on_{case['id']}")
            errors.slot("judicial_applied_on")
            court = right.text_input(t("field.judicial_court"), value=agreement["judicial_court"], max_chars=100,
                                     key=f"judicial_court_{case['id']}")
            errors.slot("judicial_court")
            result = left.selectbox(t("field.judicial_result"), ["", *agreements.JUDICIAL_RESULTS],
                                    index=(["", *agreements.JUDICIAL_RESULTS].index(agreement["judicial_result"])),
                                    format_func=lambda r: t(f"judicial_result.{r or 'pending'}"),
                                    key=translated_choice(f"judicial_result_{case['id']}"))
            errors.slot("judicial_result")
            decided_on = right.date_input(t("field.judicial_decided_on"), format=DATE_FORMAT,
                                          value=agreement["judicial_decided_on"], max_value=date.today(),
                                          key=f"judicial_decided_{case['id']}")
            errors.slot("judicial_decided_on")
            errors.slot("judicial")
            if st.form_submit_button(t("common.save")):
                save_then_rerun(engine, errors, lambda session: agreements.record_judicial_confirmation(
                    session, me, case["id"], agreements.JudicialInput(
                        applied_on=applied_on, court=court, result=result, decided_on=decided_on), limits=limits),
                    NOTICE, t("cases.judicial_saved"))


def session_form(engine: Engine, me: Actor, case: dict[str, Any]) -> None:
    errors = FieldErrors()
    with st.expander(t("cases.log_session"), icon=":material/forum:"):
        with st.form(f"session_{case['id']}", clear_on_submit=True, enter_to_submit=False):
            held_on = st.date_input(t("field.held_on"), format=DATE_FORMAT, value=date.today(), max_value=date.today(),
                                    key=f"session_held_{case['id']}")
            errors.slot("held_on")
            place = st.text_input(t("cases.place"), max_chars=100, key=f"session_place_{case['id']}")
            present = st.text_input(t("cases.present"), max_chars=200, key=f"session_present_{case['id']}")
            summary = st.text_area(t("field.summary"), max_chars=4000, key=f"session_summary_{case['id']}")
            errors.slot("summary")
            if st.form_submit_button(t("common.save")):
                save_then_rerun(engine, errors, lambda session: mediations.log_session(
                    session, me, case["id"], held_on=held_on, present=present, summary=summary, place=place),
                    NOTICE, t("cases.session_logged"))


def extension_form(engine: Engine, me: Actor, case: dict[str, Any]) -> None:
    errors = FieldErrors()
    with st.expander(t("cases.extend"), icon=":material/event_upcoming:"):
        with st.form(f"extend_{case['id']}", enter_to_submit=False):
            new_due = st.date_input(t("field.due_date"), format=DATE_FORMAT, value=None, key=f"extend_due_{case['id']}")
            errors.slot("due_date")
            reason = st.text_input(t("field.note"), max_chars=400, placeholder=t("cases.extend_hint"),
                                   key=f"extend_note_{case['id']}")
            errors.slot("note")
            if st.form_submit_button(t("cases.extend")):
                save_then_rerun(engine, errors, lambda session: mediations.extend(
                    session, me, case["id"], case["version"], new_due=new_due, note=reason),
                    NOTICE, t("cases.extended_done"))


def party_line(party: dict[str, Any]) -> str:
    """One party as the case shows it: side, name (an organisation with who signs for it), the
    agent or guardian, the phone masked."""
    text = f"{t('side.' + party['side'])} {plain(party['name'])}"
    if party["kind"] == "organisation" and party["representative"]:
        text += f"（{t('representative_role.' + (party['representative_role'] or 'legal'))} "
        text += f"{plain(party['representative'])}）"
    if party["agent_name"]:
        text += f"（{t('agent_kind.' + party['agent_kind'])} {plain(party['agent_name'])}）"
    return text + (f" {plain(party['phone'])}" if party["phone"] else "")


def prevention_form(engine: Engine, me: Actor, case: dict[str, Any], recorded: list[dict[str, Any]]) -> None:
    """人民调解法 art. 25: an escalation the mediation prevented, with the persons concerned."""
    errors = FieldErrors()
    with st.expander(t("cases.prevention"), icon=":material/shield:"):
        for row in recorded:
            st.write(f"**{t('prevention.' + row['kind'])}** · {t('field.persons')} {row['persons']} · "
                     f"{plain(row['note'])}")
        if not recorded:
            st.caption(t("cases.prevention_none"))
        with st.form(f"prevention_{case['id']}", enter_to_submit=False, clear_on_submit=True):
            left, right = st.columns([3, 1])
            kind = left.selectbox(t("field.prevention"), judicial_office.PREVENTIONS,
                                  format_func=lambda k: t(f"prevention.{k}"),
                                  key=translated_choice(f"prevention_kind_{case['id']}"))
            errors.slot("prevention")
            persons = right.number_input(t("field.persons"), min_value=1, max_value=10_000, value=1, step=1,
                                         key=f"prevention_persons_{case['id']}")
            errors.slot("persons")
            note = st.text_area(t("field.note"), max_chars=1000, key=f"prevention_note_{case['id']}")
            errors.slot("note")
            if st.form_submit_button(t("common.save")):
                save_then_rerun(engine, errors, lambda session: judicial_office.record_prevention(
                    session, me, case["id"], judicial_office.PreventionInput(kind, persons, note)),
                    NOTICE, t("cases.prevention_saved"))


def repeat_warning(warning: dict[str, Any] | None) -> None:
    """人民调解法 art. 25: earlier disputes of these parties or addresses — those this user may see
    by number, the others only counted."""
    if not warning:
        return
    text = t("cases.repeat_warning", count=warning["count"])
    if warning["visible"]:
        text += t("cases.repeat_visible", cases=t("common.list_separator").join(
            f"{c['number']}（{c['type']}，{t('case_state.' + c['state'])}）" for c in warning["visible"]))
    if warning["hidden"]:
        text += t("cases.repeat_hidden", count=warning["hidden"])
    st.warning(text, icon=":material/warning:")


def risk_form(engine: Engine, me: Actor, case: dict[str, Any]) -> None:
    """激化风险: the level and why; high needs to whom it was reported and when (法 art. 25)."""
    errors = FieldErrors()
    with st.expander(t("cases.risk", level=t(f"risk.{case['risk_level']}")), icon=":material/crisis_alert:"):
        with st.form(f"risk_{case['id']}", enter_to_submit=False):
            level = st.radio(t("field.risk_level"), ["low", "medium", "high"], horizontal=True,
                             index=["low", "medium", "high"].index(case["risk_level"]),
                             format_func=lambda v: t(f"risk.{v}"), key=translated_choice(f"risk_level_{case['id']}"))
            reason = st.text_area(t("field.risk_reason"), value=case["risk_reason"], max_chars=1000,
                                  key=f"risk_reason_{case['id']}")
            errors.slot("risk_reason")
            left, right = st.columns(2)
            reported_to = left.text_input(t("field.risk_reported_to"), value=case["risk_reported_to"], max_chars=100,
                                          placeholder=t("cases.risk_reported_hint"), key=f"risk_to_{case['id']}")
            errors.slot("risk_reported_to")
            reported_on = right.date_input(t("field.risk_reported_on"), value=case["risk_reported_on"],
                                           format=DATE_FORMAT, max_value=date.today(), key=f"risk_on_{case['id']}")
            errors.slot("risk_reported_on")
            st.caption(t("cases.risk_high_needs"))
            if st.form_submit_button(t("common.save")):
                save_then_rerun(engine, errors, lambda session: early_warning.set_risk(
                    session, me, case["id"], case["version"], level=level, reason=reason, reported_to=reported_to,
                    reported_on=reported_on), NOTICE, t("cases.risk_saved"))
