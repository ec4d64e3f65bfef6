"""My account: name, role, grids; change my password."""

import streamlit as st

from ui import auth
from ui.context import settings_or_stop
from ui.i18n import t
from ui.markdown import plain
from ui.session import actor, db

me = actor()
st.title(t("profile.title"))
st.write(t("profile.account", username=plain(me.username), name=plain(me.display_name), role=t(f"role.{me.role}")))
st.subheader(t("password.change_title"))
st.caption(t("password.rules"))
auth.password_form(db(), settings_or_stop(), me, key="profile_password")
