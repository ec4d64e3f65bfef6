"""Home: who you are, your grids, and the screens your role opens."""

import streamlit as st

from core import communities
from core.permissions import can
from db.engine import read_session
from ui.i18n import t
from ui.nav import HOME, SCREENS
from ui.session import actor, db

me = actor()
st.title(t("home.title", name=me.display_name))
st.caption(t("home.role", role=t(f"role.{me.role}")))

with read_session(db()) as session:
    my_communities = communities.list_communities(session, me)
    grid_names = [grid.name for community in my_communities for grid in community.grids if grid.id in me.grid_ids]

if me.grid_ids:
    st.subheader(t("home.my_grids"))
    st.write("、".join(grid_names))

st.subheader(t("home.screens"))
for screen in SCREENS:
    if screen is not HOME and can(me, screen.action):
        st.page_link(screen.file, label=t(screen.title), icon=screen.icon)
