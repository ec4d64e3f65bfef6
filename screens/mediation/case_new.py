"""Register a dispute (新案件): parties picked from the registry or typed in as outside
persons, type, source, grid and the facts. Linli gives it the next number of the year."""

from datetime import date

import streamlit as st

from core.base.errors import LinliError
from core.mediation import dispute_types, early_warning
from core.mediation import service as mediations
from core.residents import service as residents
from core.visits import service as visits
from db.engine import read_session, write_session
from ui.forms import DATE_FORMAT, FieldErrors, apply_field_resets, empty_fields_next_run, show_notice
from ui.i18n import error_text, t, translated_choice
from ui.markdown import plain
from ui.mediation import forms
from ui.no_grids import stop_without_grids
from ui.residents import lookup
from ui.session import actor, db, settings, vault

me = actor()
engine, keys = db(), vault()
st.title(t("case_new.title"))
apply_field_resets()  # an empty form after a case was registered

with read_session(engine) as session:
    kinds = dispute_types.offered(session, me)
    grids = residents.grid_choices(session, me)
    people = mediations.mediators(session, me)
if not grids:
    stop_without_grids(me, "resident_new.no_grids")

if "case_new_notice" in st.session_state:  # a case was just registered: where to find it
    show_notice("case_new_notice")
    st.page_link("screens/mediation/cases.py", label=t("todo.open_cases"), icon=":material/gavel:")

PARTIES = "case_new_parties"
st.session_state.setdefault(PARTIES, [])
from_visit = st.session_state.get(forms.CASE_FROM_VISIT)
if from_visit:
    st.info(t("case_new.from_visit"), icon=":material/directions_walk:")

# --- parties -------------------------------------------------------------------------------------
st.subheader(t("field.parties"))
errors = FieldErrors()
for index, party in enumerate(st.session_state[PARTIES]):
    text, remove = st.columns([5, 1])
    text.write(f"{index + 1}. {t('side.' + party['side'])} · {plain(party['label'])}")
    if remove.button(t("case_new.remove"), key=f"case_new_remove_{index}"):
        st.session_state[PARTIES].pop(index)
        st.rerun()
errors.slot("parties")
if st.session_state[PARTIES]:  # 人民调解法 art. 25: earlier disputes of these parties or addresses
    with read_session(engine) as session:
        forms.repeat_warning(early_warning.check(session, me, [
            mediations.PartyInput(**{k: v for k, v in p.items() if k != "label"}) for p in st.session_state[PARTIES]]))

side = st.radio(t("case_new.side"), mediations.SIDES, horizontal=True, key=translated_choice("case_new_side"),
                format_func=lambda s: t(f"side.{s}"))
registry, outside, organisation = st.tabs([t("case_new.from_registry"), t("case_new.outside_person"),
                                          t("case_new.organisation")])


def agent_fields(prefix: str) -> dict[str, str]:
    """Who acts for this person, if anyone: an agent (代理人) or a guardian (监护人, e.g. of a minor)."""
    with st.expander(t("case_new.agent"), icon=":material/supervisor_account:"):
        kind = st.radio(t("field.agent_kind"), ["", "agent", "guardian"], horizontal=True,
                        format_func=lambda k: t(f"agent_kind.{k}") if k else t("common.none"),
                        key=translated_choice(f"{prefix}_agent_kind"))
        name = st.text_input(t("field.agent_name"), max_chars=50, key=f"{prefix}_agent_name")
        phone = st.text_input(t("field.agent_phone"), max_chars=20, key=f"{prefix}_agent_phone")
    return {"agent_kind": kind, "agent_name": name, "agent_phone": phone}


def add_party(party: dict, label: str) -> None:
    st.session_state[PARTIES].append({"side": side, **party, "label": label})
    st.rerun()


with registry:
    query = st.text_input(t("residents.search"), key="case_new_query", placeholder=t("residents.search_hint"))
    matches, refused = [], None
    if query:
        try:  # a full ID number is an exact lookup, noted before the search answers it
            lookup.note(me, engine, keys, query, field="query")
            with read_session(engine) as session:
                matches = residents.search(session, me, keys, residents.Filters(query=query), page_size=20).rows
        except LinliError as exc:
            refused = exc
    if refused is not None:
        st.error(error_text(refused), icon=":material/block:")
    elif matches:
        chosen = st.selectbox(t("case_new.pick_resident"), matches, key="case_new_match",
                              format_func=lambda r: f"{r['name']} · {r['age']} · {r['grid']} · {r['id_masked']}")
        acting = agent_fields("case_new_resident")
        if st.button(t("case_new.add_party"), key="case_new_add_resident"):
            add_party({"resident_id": chosen["id"], **acting}, f"{chosen['name']}（{chosen['grid']}）")
    elif query:
        st.caption(t("residents.none"))
with outside:
    name = st.text_input(t("field.person_name"), key="case_new_outside_name", max_chars=50)
    phone = st.text_input(t("field.phone"), key="case_new_outside_phone", max_chars=20)
    with st.expander(t("case_new.more_details"), icon=":material/badge:"):
        st.caption(t("case_new.more_details_hint"))
        id_number = st.text_input(t("field.id_number"), key="case_new_outside_id", max_chars=25)
        left, right = st.columns(2)
        sex = left.selectbox(t("field.sex"), ["", "M", "F"], key=translated_choice("case_new_outside_sex"),
                             format_func=lambda v: t(f"sex.{v}") if v else t("common.none"))
        birth = right.date_input(t("field.birth_date"), value=None, format=DATE_FORMAT, min_value=date(1900, 1, 1),
                                 max_value=date.today(), key="case_new_outside_birth")
        ethnicity = left.text_input(t("field.ethnicity"), key="case_new_outside_ethnicity", max_chars=20)
        address = right.text_input(t("field.address"), key="case_new_outside_address", max_chars=200)
    acting = agent_fields("case_new_outside")
    if st.button(t("case_new.add_party"), key="case_new_add_outside"):
        add_party({"name": name, "phone": phone, "id_number": id_number, "sex": sex, "birth_date": birth,
                   "ethnicity": ethnicity, "address": address, **acting}, name or "—")
with organisation:
    org_name = st.text_input(t("field.organisation"), key="case_new_org_name", max_chars=50)
    left, right = st.columns(2)
    org_code = left.text_input(t("field.org_code"), key="case_new_org_code", max_chars=20,
                               help=t("case_new.org_code_help"))
    org_phone = right.text_input(t("field.phone"), key="case_new_org_phone", max_chars=20)
    representative = left.text_input(t("field.representative"), key="case_new_org_rep", max_chars=50)
    role = right.radio(t("case_new.representative_role"), ["legal", "principal"], horizontal=True,
                       format_func=lambda r: t(f"representative_role.{r}"), key=translated_choice("case_new_org_role"))
    if st.button(t("case_new.add_party"), key="case_new_add_organisation"):
        add_party({"kind": "organisation", "name": org_name, "org_code": org_code, "phone": org_phone,
                   "representative": representative, "representative_role": role}, org_name or "—")

# --- the case ------------------------------------------------------------------------------------
st.subheader(t("case_new.case"))
left, right = st.columns(2)
with left:
    intake = st.date_input(t("field.intake_date"), format=DATE_FORMAT, value=date.today(), max_value=date.today(), key="case_new_intake")
    errors.slot("intake_date")
    source = st.selectbox(t("field.source"), mediations.SOURCES, format_func=lambda s: t(f"source.{s}"),
                          key=translated_choice("case_new_source"))
    errors.slot("source")
    type_id = st.selectbox(t("field.type"), list(kinds), format_func=kinds.get, key="case_new_type", index=None,
                           placeholder=t("common.choose"))  # chosen, never left at the first type
    errors.slot("type")
with right:
    grid_id = st.selectbox(t("field.grid"), list(grids), format_func=grids.get, key="case_new_grid")
    errors.slot("grid")
    mediator_id = st.selectbox(t("field.mediator"), list(people), format_func=people.get, key="case_new_mediator",
                               index=list(people).index(me.id) if me.id in people else 0)
    errors.slot("mediator")
    amount = st.text_input(t("field.amount_claimed"), value="0", max_chars=14, key="case_new_amount")
    errors.slot("amount_claimed")
facts = st.text_area(t("field.facts"), max_chars=2000, key="case_new_facts")
errors.slot("facts")
for index in range(len(st.session_state[PARTIES])):
    errors.slot(f"party_{index}")

if st.button(t("case_new.submit"), type="primary", key="case_new_submit"):
    parties = [mediations.PartyInput(**{k: v for k, v in p.items() if k != "label"}) for p in st.session_state[PARTIES]]
    data = mediations.CaseInput(intake_date=intake, source=source, type_id=type_id, grid_id=grid_id,
                                mediator_id=mediator_id, facts=facts, amount_claimed=amount, parties=parties)
    try:
        with write_session(engine) as session:
            case = mediations.register(session, me, data, vault=keys, limits=mediations.Limits.from_settings(settings()))
            if from_visit:
                visits.link_case(session, me, from_visit, case.id)
        st.session_state[PARTIES] = []
        st.session_state.pop(forms.CASE_FROM_VISIT, None)
        # An empty form for the next case: facts left behind invite registering them twice.
        # The intake date goes back to today; grid, type, source and mediator are kept (often the same).
        empty_fields_next_run({"case_new_facts": "", "case_new_amount": "0", "case_new_query": "",
                               "case_new_outside_name": "", "case_new_outside_phone": "", "case_new_outside_id": "",
                               "case_new_outside_ethnicity": "", "case_new_outside_address": "",
                               "case_new_org_name": "", "case_new_org_code": "", "case_new_org_phone": "",
                               "case_new_org_rep": "", "case_new_intake": date.today()})
        st.session_state["case_new_notice"] = t("case_new.created", number=case.number)
        st.rerun()
    except LinliError as exc:
        errors.show(exc)
