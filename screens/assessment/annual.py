"""年度考核: a worker writes their summary, scores colleagues, reads their signed-off result and may
object; the supervisor types in residents' forms, gives the 街道's score, signs off and answers."""

import streamlit as st

from core.assessment import cycle
from core.base import clock
from core.base.permissions import can
from db.engine import read_session
from ui.assessment import annual
from ui.forms import show_notice
from ui.i18n import translator
from ui.session import actor, db

t = translator()
me = actor()
engine = db()
st.title(t("annual.title"))
show_notice("annual_notice")
this_year = clock.now().year
year = st.selectbox(t("field.year"), [this_year, this_year - 1, this_year - 2], key="annual_year")
with read_session(engine) as session:
    scheme = cycle.scheme_of(session, me.community_id)
st.caption(t("annual.scheme", street=scheme.weight_street, peer=scheme.weight_peer, residents=scheme.weight_residents,
             participants=scheme.min_participants, ordinary=scheme.min_ordinary_percent))

if can(me, "assessment.manage"):
    annual.supervisor_view(t, me, engine, year, scheme)
else:
    mine, colleagues_tab = st.tabs([t("annual.tab.mine"), t("annual.tab.peers")])
    with mine:
        annual.own_record(t, me, engine, year)
    with colleagues_tab:
        annual.peer_forms(t, me, engine, year, scheme)
