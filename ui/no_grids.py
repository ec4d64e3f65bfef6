"""What a screen that works in grids says when the user has none: an admin is shown where to add
one (they are the administrator: "contact the administrator" would send them to themselves)."""

import streamlit as st

from core.base.permissions import Actor, can
from ui.i18n import translator


def stop_without_grids(me: Actor, message_key: str) -> None:
    t = translator()
    if can(me, "community.manage"):
        st.info(t("resident_new.no_grids_admin"))
        st.page_link("screens/office/communities.py", label=t("nav.communities"), icon=":material/apartment:")
    else:
        st.info(t(message_key))
    st.stop()
