"""A resident's phone: masked, and for the grid's worker and the supervisor one tap shows it with
a call link (audited in core.residents.service.phone_number). Nobody else gets the button."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy import Engine

from core.base.permissions import Actor, can
from core.residents import service as residents
from db.engine import write_session

Translate = Callable[..., str]


def _shown_key(resident_id: int) -> str:
    return f"phone_shown_{resident_id}"


def call_button(t: Translate, me: Actor, engine: Engine, resident_id: int, grid_id: int, *, key: str) -> None:
    """The number as a tel: link once shown; before that a button that shows it (one tap)."""
    if not can(me, "resident.call", grid_id):
        return
    number = st.session_state.get(_shown_key(resident_id))
    if number:
        st.link_button(t("phone.call", number=number), f"tel:{number}", icon=":material/call:", width="stretch")
    elif st.button(t("phone.show"), icon=":material/call:", key=key, width="stretch"):
        with write_session(engine) as session:
            st.session_state[_shown_key(resident_id)] = residents.phone_number(session, me, resident_id) or ""
        if not st.session_state[_shown_key(resident_id)]:
            st.info(t("phone.none"))
        else:
            st.rerun()
