"""Mediation cases (调解案件): the list with filters and a search by case number or party name, and
the chosen case — facts, parties, its agreements, time limits, timeline — with only the actions its
state allows. A search that finds one case opens it (a to-do row opens its case so)."""

import pandas as pd
import streamlit as st

from core.base.permissions import can, sees_whole_community
from core.mediation import agreement_doc, agreements, case_file, dispute_types, judicial_office
from core.mediation import service as mediations
from core.residents import service as residents
from db.engine import read_session, write_session
from ui.forms import DATE_FORMAT, show_notice
from ui.i18n import ANY, translated_choice, translator, unless_any
from ui.markdown import plain
from ui.mediation import forms
from ui.session import actor, db, settings, vault
from ui.table import PAGE_SIZE, page_picker

t = translator()
me = actor()
engine, keys = db(), vault()
st.title(t("cases.title"))

with read_session(engine) as session:
    kinds = dispute_types.offered(session, me)
    people = mediations.mediators(session, me)

# --- filters -------------------------------------------------------------------------------------
with read_session(engine) as session:
    grids = residents.grid_choices(session, me)
# Two rows of four: seven filters in one row were cut off at a 1280-pixel screen ("只…").
opened = st.session_state.pop("cases_open", None)  # a to-do row's case: found by its number
if opened:
    st.session_state["cases_text"] = opened
text = st.text_input(t("cases.search"), key="cases_text", max_chars=50, placeholder=t("cases.search_hint"))
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
                                 overdue=overdue, text=text)

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
    if chosen_id is None and text and len(found.rows) == 1:
        chosen_id = found.rows[0]["id"]

if chosen_id is None:
    st.stop()

# --- the chosen case -----------------------------------------------------------------------------
limits_set = mediations.Limits.from_settings(settings())
with read_session(engine) as session:
    case = mediations.case_detail(session, me, chosen_id, limits=limits_set)
limits = case["deadlines"]
st.divider()
st.subheader(f"{case['number']} · {plain(case['type'])} · {t('case_state.' + case['state'])}")
colon = t("common.colon")
left, right = st.columns(2)
left.write(f"**{t('field.intake_date')}**{colon}{case['intake_date']}　**{t('field.source')}**{colon}{t('source.' + case['source'])}")
left.write(f"**{t('field.grid')}**{colon}{plain(case['grid'])}　**{t('field.mediator')}**{colon}{plain(case['mediator'])}")
left.write(f"**{t('field.parties')}**{colon}" + "；".join(forms.party_line(p) for p in case["parties"]))
if limits.due_date:
    (right.error if limits.overdue else right.info)(
        t("cases.due", date=limits.due_date) + (t("cases.extended") if case["extended"] else ""))
if limits.judicial_confirmation_until:
    right.info(t("cases.judicial_window", date=limits.judicial_confirmation_until))
if limits.follow_up_due:
    (right.warning if limits.follow_up_overdue else right.info)(t("cases.follow_up_due", date=limits.follow_up_due))
if case["state"] == "followed_up" and case["last_visit_performed"] in ("partly", "no"):
    right.warning(t("cases.not_performed_next", performed=t("performed." + case["last_visit_performed"])))
if case["risk_level"] == "high":
    right.error(t("cases.risk_high_banner", reason=plain(case["risk_reason"]), to=plain(case["risk_reported_to"]),
                  on=case["risk_reported_on"]), icon=":material/crisis_alert:")
forms.repeat_warning(case["repeat_warning"])
st.write(f"**{t('field.facts')}**{colon}{plain(case['facts'])}")


def agreement_lines(agreement: dict) -> None:
    kind = t("cases.written") if agreement["written"] else t("cases.oral")
    if agreement["declined_written"]:
        kind += t("cases.declined_written_short")
    again = t("cases.round", round=agreement["round"]) if agreement["round"] > 1 else ""
    st.write(f"**{t('field.terms')}**（{kind}，{agreement['agreed_on']}{again}）{colon}{plain(agreement['terms'])}")
    if agreement["responsibilities"]:
        st.write(f"**{t('field.responsibilities')}**{colon}{plain(agreement['responsibilities'])}")
    if agreement["judicial_applied_on"]:
        result = t(f"judicial_result.{agreement['judicial_result'] or 'pending'}")
        st.write(f"**{t('cases.judicial')}**{colon}{agreement['judicial_applied_on']} · "
                 f"{plain(agreement['judicial_court'])} · {result}")


if case["agreement"]:
    agreement = case["agreement"]
    agreement_lines(agreement)
    if not case["agreement_in_force"]:
        st.caption(t("cases.agreement_not_in_force"))
    elif agreement["written"]:
        # Prepared on request: printing it is audited (it may hold full ID numbers).
        if st.button(t("cases.prepare_agreement"), key=f"agreement_prepare_{case['id']}", icon=":material/description:"):
            with write_session(engine) as session:
                printed = agreements.document(session, me, keys, case["id"], limits=limits_set)
            st.download_button(t("cases.print_agreement"), agreement_doc.agreement_docx(printed),
                               file_name=f"调解协议书-{case['number']}.docx", key="agreement_docx", on_click="ignore",
                               mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
if case["earlier_agreements"]:
    with st.expander(t("cases.earlier_agreements", count=len(case["earlier_agreements"])), icon=":material/history:"):
        for earlier in case["earlier_agreements"]:
            agreement_lines(earlier)
            st.caption(t("cases.superseded_on", date=f"{earlier['superseded_at']:%Y-%m-%d}"))

# The case file (卷宗, 人民调解法 art. 27): prepared on request, printing it is audited.
if st.button(t("cases.prepare_case_file"), key=f"file_prepare_{case['id']}", icon=":material/folder_open:"):
    with write_session(engine) as session:
        filed = case_file.content(session, me, keys, case["id"])
    st.download_button(t("cases.download_case_file"), case_file.case_file_docx(filed),
                       file_name=f"人民调解卷宗-{case['number']}.docx", key="case_file_docx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

show_notice(forms.NOTICE)
forms.action_buttons(engine, me, case)
if case["state"] == "in_mediation":
    forms.session_form(engine, me, case)
if "agree" in case["actions"]:
    forms.agreement_form(engine, me, case)
if "follow_up" in case["actions"]:
    forms.follow_up_form(engine, me, case)
if (case["agreement"] and case["agreement"]["written"] and case["agreement_in_force"]
        and can(me, "mediation.edit")):  # the service checks the case is theirs
    forms.judicial_form(engine, me, case, limits_set)
if case["state"] in mediations.OPEN_STATES:
    forms.extension_form(engine, me, case)
if can(me, "mediation.edit"):
    if case["state"] != "closed":
        forms.risk_form(engine, me, case)
    with read_session(engine) as session:
        prevented = judicial_office.preventions_of(session, me, case["id"])
    forms.prevention_form(engine, me, case, prevented)

st.subheader(t("cases.timeline"))
for item in case["timeline"]:
    by = f" · {plain(item['by'])}" if item["by"] else ""
    if item["kind"] == "state":
        label = t(f"case_state.{item['to']}") if item["from"] != item["to"] else t("cases.deadline_changed")
        details = item.get("details", {})
        extra = (f" · {t('field.referred_to')} {plain(details['referred_to'])}" if details.get("referred_to") else "")
        extra += f" · {t('cases.routes_told')}" if details.get("routes_explained") else ""
        st.write(f"`{item['at']:%Y-%m-%d %H:%M}` **{label}**{by} {plain(item['text'])}{extra}")
    elif item["kind"] == "session":
        st.write(f"`{item['at']:%Y-%m-%d}` **{t('cases.session')}**{by} · {plain(item['text'])}")
    else:
        advised = f" · {t('cases.advised_court_short')}" if item.get("advised_court") else ""
        st.write(f"`{item['at']:%Y-%m-%d}` **{t('case_action.follow_up')}**{by} · {t('performed.' + item['performed'])} · "
                 f"{t('field.satisfaction')} {item['satisfaction']}{advised} {plain(item['text'])}")
if not sees_whole_community(me):
    st.caption(t("cases.scope_hint"))
