"""Linli entry point: page config, settings check, login gate, the role's navigation.

Which navigation a run gets (gate or role) is decided in ui.nav.page_for: this file is
compiled on every run whose script cache is cold, an imported module once per process.
"""

from pathlib import Path

import streamlit as st
from sqlalchemy.exc import DBAPIError

from ui import auth
from ui.context import database_failed, engine, settings_or_stop, vault_or_stop
from ui.housekeeping import collect_now_and_then
from ui.nav import page_for, public_only_navigation
from ui.session import use_for_this_run

# The tab icon is a file of ours: an icon name or emoji makes the browser fetch it from Google's
# servers, which an office intranet does not reach.
st.set_page_config(page_title="邻里 Linli", page_icon=str(Path(__file__).parent / "assets" / "favicon.png"),
                   layout="wide")

try:
    settings = settings_or_stop()
    db = engine(settings)
    use_for_this_run(db, vault_or_stop(settings))
    if settings.public_only:  # residents' instance: the rating page only, no login form, no cookie
        public_only_navigation().run()
        st.stop()
    # The cookie components come and go between runs (set on login, delete on logout). Kept in
    # one container at the top, they never shift the page's own elements, which would otherwise
    # show twice while a rerun replaces them.
    with st.container():
        actor = auth.current_user(db, settings)

    page_for(actor, db, settings).run()
except DBAPIError as failure:  # a read-only or full disk, a database gone: said in the user's words, logged
    database_failed(failure)
collect_now_and_then()
