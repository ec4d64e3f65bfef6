"""Mediation cases (调解案件): the list with filters, and the chosen case — facts, parties,
time limits, timeline — with only the actions its state allows."""

from datetime import date

import pandas as pd
import streamlit as st

from core.base.errors import LinliError, StaleEdit
from core.base.permissions import sees_all_grids
from core.mediation import agreement_doc
from core.mediation import service as mediations
from core.residents import service as residents
from db.engine import read_session, write_session
from ui.forms import DATE_FORMAT, show_notice
from ui.i18n import ANY, error_text, translated_choice, translator, unless_any
from ui.markdown import plain
from ui.session import actor, db, settings
from ui.table import PAGE_SIZE, page_picker

t = translator()
me = actor()
engine = db()
st.title(t("cases.title"))

with read_session(engine) as session:
    kinds = mediations.dispute_types(session)
    people = mediations.mediators(session, me)

# --- filters -------------------------------------------------------------------------------------
with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
# Two rows of four: seven filters in one row were cut off at a 1280-pixel screen ("只…").
state_col, type_col, grid_col, mediator_col = st.columns(4)
from_col, to_col, overdue_col, _ = st.columns(4, vertical_alignment="bottom")
state = state_col.selectbox(t("field.state"), ["", *mediations.STATES], key=translated_choice("cases_state"),
                            format_func=lambda s: t("common.all") if not s else t(f"case_state.{s}"))
type_id = type_col.selectbox(t("field.type"), [ANY, *kinds], key=translated_choice("cases_type"),
                             format_func=lambda k: t("common.all") if k == ANY else kinds[k])
grid_id = grid_col.selectbox(t("field.grid"), [ANY, *grids], key=translated_choice("cases_grid"),
                             format_func=lambda g: t("common.all") if g == ANY else grids[g])
mediator_id = mediator_col.selectbox(t("field.mediator"), [ANY, *people], key=translated_choice("cases_mediator"),
                                     format_func=lambda m: t("common.all") if m == ANY else people[m])
date_from = from_col.date_input(t("audit.from"), format=DATE_FORMAT, value=None, key="cases_from")
date_to = to_col.date_input(t("audit.to"), format=DATE_FORMAT, value=None, key="cases_to")
overdue = overdue_col.checkbox(t("cases.overdue_only"), key="cases_overdue")
filters = mediations.CaseFilters(state=state, type_id=unless_any(type_id), grid_id=unless_any(grid_id),
                                 mediator_id=unless_any(mediator_id), date_from=date_from, date_to=date_to,
                                 overdue=overdue)

with read_session(engine) as session:
    total = mediations.count_cases(session, me, filters)
    page = page_picker(total, key="cases_page")
    found = mediations.list_cases(session, me, filters, page=page, page_size=PAGE_SIZE, total=total)

chosen_id = None
if not found.rows:
    st.info(t("cases.none"))
else:
    table = pd.DataFrame([{
        t("field.number"): row["number"], t("field.intake_date"): row["intake_date"], t("field.type"): row["type"],
        t("field.grid"): row["grid"], t("field.mediator"): row["mediator"],
        t("field.state"): t(f"case_state.{row['state']}"),
        t("field.due_date"): f"{row['due_date']}{' ⚠ ' + t('cases.overdue') if row['overdue'] else ''}",
    } for row in found.rows])
    st.caption(t("residents.pick_hint"))
    selection = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                             key="cases_table")
    picked = selection.selection.rows if selection else []
    chosen_id = found.rows[picked[0]]["id"] if picked else None

if chosen_id is None:
    st.stop()

# --- the chosen case -----------------------------------------------------------------------------
with read_session(engine) as session:
    case = mediations.case_detail(session, me, chosen_id, limits=mediations.Limits.from_settings(settings()))
limits = case["deadlines"]
st.divider()
st.subheader(f"{case['number']} · {plain(case['type'])} · {t('case_state.' + case['state'])}")
colon = t("common.colon")
left, right = st.columns(2)
left.write(f"**{t('field.intake_date')}**{colon}{case['intake_date']}　**{t('field.source')}**{colon}{t('source.' + case['source'])}")
left.write(f"**{t('field.grid')}**{colon}{plain(case['grid'])}　**{t('field.mediator')}**{colon}{plain(case['mediator'])}")
left.write(f"**{t('field.parties')}**{colon}" + "；".join(
    f"{t('side.' + p['side'])} {plain(p['name'])}{' ' + plain(p['phone']) if p['phone'] else ''}" for p in case["parties"]))
if limits.due_date:
    (right.error if limits.overdue else right.info)(
        t("cases.due", date=limits.due_date) + (t("cases.extended") if case["extended"] else ""))
if limits.judicial_confirmation_until:
    right.info(t("cases.judicial_window", date=limits.judicial_confirmation_until))
if limits.follow_up_due:
    (right.warning if limits.follow_up_overdue else right.info)(t("cases.follow_up_due", date=limits.follow_up_due))
st.write(f"**{t('field.facts')}**{colon}{plain(case['facts'])}")
if case["agreement"]:
    agreement = case["agreement"]
    st.write(f"**{t('field.terms')}**（{t('cases.written') if agreement['written'] else t('cases.oral')}，"
             f"{agreement['agreed_on']}）{colon}{plain(agreement['terms'])}")
    if agreement["written"]:
        st.download_button(t("cases.print_agreement"), agreement_doc.agreement_docx(case, t("cases.committee")),
                           file_name=f"调解协议书-{case['number']}.docx", key="agreement_docx", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


def act(action: str, note: str = "") -> None:
    try:
        with write_session(engine) as session:
            mediations.transition(session, me, case["id"], case["version"], action, note)
        st.session_state["cases_notice"] = t("cases.done", action=t(f"case_action.{action}"))
        st.rerun()
    except StaleEdit as exc:
        st.error(error_text(exc))
    except LinliError as exc:
        st.error(error_text(exc))


show_notice("cases_notice")

simple = [a for a in case["actions"] if a not in ("agree", "follow_up")]
if simple:
    note = st.text_input(t("field.note"), key=f"case_note_{case['id']}", max_chars=500)
    for column, action in zip(st.columns(len(simple)), simple, strict=True):
        if column.button(t(f"case_action.{action}"), key=f"case_{action}_{case['id']}"):
            act(action, note)

if case["state"] == "in_mediation":
    with st.expander(t("cases.log_session"), icon=":material/forum:"):
        with st.form(f"session_{case['id']}", clear_on_submit=True):
            held_on = st.date_input(t("field.held_on"), format=DATE_FORMAT, value=date.today(), max_value=date.today(),
                                    key=f"session_held_{case['id']}")
            present = st.text_input(t("cases.present"), max_chars=200, key=f"session_present_{case['id']}")
            summary = st.text_area(t("field.summary"), max_chars=4000, key=f"session_summary_{case['id']}")
            if st.form_submit_button(t("common.save")):
                try:
                    with write_session(engine) as session:
                        mediations.log_session(session, me, case["id"], held_on=held_on, present=present,
                                               summary=summary)
                    st.session_state["cases_notice"] = t("cases.session_logged")
                    st.rerun()
                except LinliError as exc:
                    st.error(error_text(exc))

if "agree" in case["actions"]:
    with st.expander(t("case_action.agree"), icon=":material/handshake:"):
        with st.form(f"agree_{case['id']}"):
            agreed_on = st.date_input(t("field.agreed_on"), format=DATE_FORMAT, value=date.today(), max_value=date.today(),
                                      key=f"agree_on_{case['id']}")
            written = st.radio(t("cases.form"), [True, False], horizontal=True,
                               format_func=lambda w: t("cases.written") if w else t("cases.oral"),
                               key=translated_choice(f"agree_written_{case['id']}"))
            terms = st.text_area(t("field.terms"), max_chars=4000, key=f"agree_terms_{case['id']}")
            amount = st.text_input(t("field.amount"), value="0", max_chars=14, key=f"agree_amount_{case['id']}")
            deadline = st.date_input(t("field.performance_deadline"), format=DATE_FORMAT, value=None,
                                     key=f"agree_deadline_{case['id']}")
            manner = st.text_input(t("cases.manner"), max_chars=200, key=f"agree_manner_{case['id']}")
            if st.form_submit_button(t("case_action.agree"), type="primary"):
                try:
                    with write_session(engine) as session:
                        mediations.record_agreement(session, me, case["id"], case["version"], mediations.AgreementInput(
                            agreed_on=agreed_on, written=written, terms=terms, amount=amount,
                            performance_deadline=deadline, performance_manner=manner))
                    st.session_state["cases_notice"] = t("cases.done", action=t("case_action.agree"))
                    st.rerun()
                except LinliError as exc:
                    st.error(error_text(exc))

if "follow_up" in case["actions"]:
    with st.expander(t("case_action.follow_up"), icon=":material/home_pin:"):
        with st.form(f"follow_up_{case['id']}"):
            visited_on = st.date_input(t("field.visited_on"), format=DATE_FORMAT, value=date.today(), max_value=date.today(),
                                       key=f"follow_up_on_{case['id']}")
            performed = st.radio(t("field.performed"), mediations.PERFORMED, horizontal=True,
                                 format_func=lambda p: t(f"performed.{p}"),
                                 key=translated_choice(f"follow_up_performed_{case['id']}"))
            score = st.select_slider(t("field.satisfaction"), options=[1, 2, 3, 4, 5], value=4,
                                     key=f"follow_up_score_{case['id']}")
            visit_note = st.text_area(t("field.note"), max_chars=1000, key=f"follow_up_note_{case['id']}")
            if st.form_submit_button(t("case_action.follow_up"), type="primary"):
                try:
                    with write_session(engine) as session:
                        mediations.record_follow_up(session, me, case["id"], case["version"], mediations.FollowUpInput(
                            visited_on=visited_on, performed=performed, satisfaction=score, note=visit_note))
                    st.session_state["cases_notice"] = t("cases.done", action=t("case_action.follow_up"))
                    st.rerun()
                except LinliError as exc:
                    st.error(error_text(exc))

if case["state"] in mediations.OPEN_STATES:
    with st.expander(t("cases.extend"), icon=":material/event_upcoming:"):
        with st.form(f"extend_{case['id']}"):
            new_due = st.date_input(t("field.due_date"), format=DATE_FORMAT, value=None, key=f"extend_due_{case['id']}")
            reason = st.text_input(t("field.note"), max_chars=400, placeholder=t("cases.extend_hint"),
                                   key=f"extend_note_{case['id']}")
            if st.form_submit_button(t("cases.extend")):
                try:
                    with write_session(engine) as session:
                        mediations.extend(session, me, case["id"], case["version"], new_due=new_due, note=reason)
                    st.session_state["cases_notice"] = t("cases.extended_done")
                    st.rerun()
                except LinliError as exc:
                    st.error(error_text(exc))

st.subheader(t("cases.timeline"))
for item in case["timeline"]:
    if item["kind"] == "state":
        label = t(f"case_state.{item['to']}") if item["from"] != item["to"] else t("cases.deadline_changed")
        st.write(f"`{item['at']:%Y-%m-%d %H:%M}` **{label}** · {plain(item['by'])} {plain(item['text'])}")
    elif item["kind"] == "session":
        st.write(f"`{item['at']:%Y-%m-%d}` **{t('cases.session')}** · {plain(item['text'])}")
    else:
        st.write(f"`{item['at']:%Y-%m-%d}` **{t('case_action.follow_up')}** · {t('performed.' + item['performed'])} · "
                 f"{t('field.satisfaction')} {item['satisfaction']} {plain(item['text'])}")
if not sees_all_grids(me):
    st.caption(t("cases.scope_hint"))
