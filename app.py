"""Linli entry point: page config, settings check, login gate, the role's navigation."""

import streamlit as st

from ui import auth
from ui.context import engine, settings_or_stop, vault_or_stop
from ui.i18n import t
from ui.nav import gate_navigation, role_navigation

st.set_page_config(page_title="邻里 Linli", page_icon=":material/diversity_3:", layout="wide")

settings = settings_or_stop()
db = engine(settings)
vault_or_stop(settings)
# The cookie components come and go between runs (set on login, delete on logout). Kept in
# one container at the top, they never shift the page's own elements, which would otherwise
# show twice while a rerun replaces them.
with st.container():
    cookies = auth.authenticator(settings)
    actor = auth.current_user(db, settings, cookies)

if actor is None:
    gate_navigation(lambda: auth.login_screen(db, settings)).run()
elif actor.must_change_password:
    gate_navigation(lambda: auth.forced_password_screen(db, settings, actor)).run()
else:
    page = role_navigation(actor)
    with st.sidebar:
        st.caption(t("sidebar.signed_in_as", name=actor.display_name, role=t(f"role.{actor.role}")))
        auth.language_switch(actor, db, container=st.sidebar)
        if st.button(t("logout.button"), key="logout_button", icon=":material/logout:"):
            auth.request_logout()
    page.run()
