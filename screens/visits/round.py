"""走访 (my round, phone first): today's due and overdue residents of my grids in walking order
(小区 · 楼栋), and a visit recorded in a few taps: open a resident, (choose how,) save."""

from datetime import date
from itertools import groupby

import streamlit as st

from core.base.errors import LinliError
from core.visits import service as visits
from core.visits.plans import Planned
from db.engine import read_session, write_session
from ui.forms import DATE_FORMAT, FieldErrors, apply_field_resets, empty_fields_next_run, show_notice
from ui.i18n import translated_choice, translator
from ui.markdown import plain
from ui.mediation.forms import CASE_FROM_VISIT
from ui.no_grids import stop_without_grids
from ui.residents.phone import call_button
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
OPEN = "round_resident"  # the resident whose visit is being recorded

st.title(t("round.title"))
if not me.grid_ids:  # an empty round would read as "nothing due today"
    stop_without_grids(me, "resident_new.no_grids")
apply_field_resets()
show_notice("round_notice")
with read_session(engine) as session:
    items = visits.my_round(session, me)
by_id = {item.obligation.resident.resident_id: item for item in items}


def status_line(item: visits.RoundItem) -> str:
    owed = item.obligation
    what = (t(f"visit.change.{owed.change}") if owed.kind == "major" else t(f"visit.tier.{owed.resident.tier}"))
    state = t(f"visit.status.{owed.outcome.status}", due=f"{owed.outcome.due:%m-%d}")
    return f"{what} · {state}"


def groups_of(item: visits.RoundItem) -> str:
    person = item.obligation.resident
    tags = " ".join(t(f"tag.{tag}") for tag in sorted(person.tags))
    last = t("round.last_visit", day=f"{item.last_visit:%Y-%m-%d}") if item.last_visit else t("round.never_visited")
    return f"{person.age}{t('round.years')} · {tags} · {last}"


# The next resident's form starts empty (kept while a refused save is corrected).
EMPTY_FORM = {"visit_method": "home", "visit_day": date.today(), "visit_health": None, "visit_living": None,
              "visit_hazards": [], "visit_needs": [], "visit_notes": "", "visit_follow_up": False,
              "visit_referred": "", "visit_found_dispute": False}


def start_case(person: Planned, visit_id: int, notes: str) -> None:
    """A dispute found on the visit: the intake form, with the resident as applicant and the
    visit's notes as the facts, to be completed with the other side before it is registered."""
    st.session_state["case_new_parties"] = [{"side": "applicant", "resident_id": person.resident_id,
                                             "label": f"{person.name}（{person.address}）"}]
    st.session_state[CASE_FROM_VISIT] = visit_id
    empty_fields_next_run({"case_new_grid": person.grid_id, "case_new_source": "initiative", "case_new_facts": notes})
    st.switch_page("screens/mediation/case_new.py")


chosen = st.session_state.get(OPEN)
if chosen is not None and chosen in by_id:
    item = by_id[chosen]
    person = item.obligation.resident
    st.subheader(plain(person.name))
    st.caption(f"{plain(person.address)} · {status_line(item)}")
    if st.button(t("round.back"), icon=":material/arrow_back:", key="round_back"):
        st.session_state.pop(OPEN, None)
        st.rerun()
    errors = FieldErrors()
    with st.form("visit_new"):
        method = st.radio(t("field.visit_method"), visits.METHODS, format_func=lambda m: t(f"visit.method.{m}"),
                          key=translated_choice("visit_method"))
        errors.slot("method")
        visited_on = st.date_input(t("field.visit_day"), value=date.today(), max_value=date.today(),
                                   format=DATE_FORMAT, key="visit_day")
        errors.slot("visit_day")
        health = st.radio(t("field.health"), visits.CONDITIONS, index=None, horizontal=True,
                          format_func=lambda c: t(f"visit.condition.{c}"), key=translated_choice("visit_health"))
        living = st.radio(t("field.living"), visits.CONDITIONS, index=None, horizontal=True,
                          format_func=lambda c: t(f"visit.condition.{c}"), key=translated_choice("visit_living"))
        hazards = st.multiselect(t("field.hazards"), visits.HAZARDS, format_func=lambda h: t(f"visit.hazard.{h}"),
                                 key=translated_choice("visit_hazards"), placeholder=t("common.none"))
        needs = st.multiselect(t("field.needs"), visits.NEEDS, format_func=lambda n: t(f"visit.need.{n}"),
                               key=translated_choice("visit_needs"), placeholder=t("common.none"))
        notes = st.text_area(t("field.notes"), max_chars=visits.NOTES_MAX, key="visit_notes")
        errors.slot("notes")
        follow_up = st.checkbox(t("field.follow_up"), key="visit_follow_up")
        referred_to = st.text_input(t("field.referred_to"), max_chars=visits.REFERRED_MAX, key="visit_referred")
        errors.slot("referred_to")
        found_dispute = st.checkbox(t("round.found_dispute"), key="visit_found_dispute", help=t("round.found_dispute_help"))
        if st.form_submit_button(t("round.save"), type="primary", width="stretch"):
            data = visits.VisitInput(resident_id=person.resident_id, method=method, visited_on=visited_on,
                                     health=health or "", living=living or "", hazards=tuple(hazards),
                                     needs=tuple(needs), notes=notes, follow_up=follow_up, referred_to=referred_to)
            try:
                with write_session(engine) as session:
                    visit_id = visits.record(session, me, data).id
            except LinliError as exc:
                errors.show(exc)  # stay on the form, nothing typed is lost
            else:
                st.session_state.pop(OPEN, None)
                empty_fields_next_run(EMPTY_FORM)
                st.session_state["round_notice"] = t("round.saved", name=plain(person.name))
                if found_dispute:
                    start_case(person, visit_id, notes)
                st.rerun()
    st.stop()

if not items:
    st.success(t("round.nothing_due"))
    st.stop()
st.caption(t("round.count", count=len(items)))
for (compound, building), group in groupby(items, key=lambda item: item.obligation.resident.address_key[:2]):
    st.markdown(f"**{plain(compound or t('round.no_compound'))} {plain(building)}**")
    for item in group:
        person = item.obligation.resident
        with st.container(border=True):
            st.markdown(f"**{plain(person.name)}** · {plain(person.address)}")
            st.caption(f"{status_line(item)}  \n{groups_of(item)}")
            if person.has_phone:
                call_button(t, me, engine, person.resident_id, person.grid_id, key=f"round_call_{person.resident_id}")
            if st.button(t("round.record"), key=f"round_open_{person.resident_id}", type="primary", width="stretch"):
                st.session_state[OPEN] = person.resident_id
                st.rerun()
