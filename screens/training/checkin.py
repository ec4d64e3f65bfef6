"""Check in to a course (签到): opened from the course's QR code by a signed-in staff member."""

import streamlit as st

from core.base.errors import LinliError
from core.training import service as training
from db.engine import write_session
from ui.i18n import error_text, translator
from ui.markdown import plain
from ui.session import actor, db, settings

t = translator()
me = actor()
st.title(t("checkin.title"))
code = st.query_params.get("code", "")
if not code:
    st.info(t("checkin.no_code"))
    st.stop()
if st.button(t("checkin.confirm"), type="primary", key="checkin_confirm"):
    try:
        with write_session(db()) as session:
            course = training.check_in(session, me, settings().cookie_key, code)
        st.success(t("checkin.done", title=plain(course.title)))
    except LinliError as exc:
        st.error(error_text(exc))
