"""Refusals shown next to the field they are about."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.base.errors import Invalid, InvalidMany, LinliError
from db.engine import write_session
from ui.i18n import error_text

# Dates typed as the tables and downloads write them (2026-11-29), not as Streamlit's yyyy/mm/dd.
DATE_FORMAT = "YYYY-MM-DD"
# The earliest day a date field offers where a record may be old (a certificate, a registration):
# Streamlit's default is ten years back, and it silently keeps the old value for a date before that.
EARLIEST = date(1950, 1, 1)


class FieldErrors:
    """Reserve a slot under each input; a refusal is written into its field's slot."""

    def __init__(self) -> None:
        self._slots: dict[str, object] = {}

    def slot(self, field: str) -> None:
        self._slots[field] = st.empty()

    def show(self, error: LinliError) -> None:
        errors = error.errors if isinstance(error, InvalidMany) else [error]
        for each in errors:
            # "party_1.id_number" is written into the slot of party_1 when it has none of its own
            slot = (self._slots.get(each.field) or self._slots.get(each.field.split(".")[0])
                    if isinstance(each, Invalid) else None)
            (slot or st).error(error_text(each), icon=":material/error:")


_RESETS_KEY = "linli_field_resets"


def empty_fields_next_run(values: dict[str, Any]) -> None:
    """Give these inputs these values on the next run (call `apply_field_resets` before drawing them).

    Popping an input's key is not enough: the browser keeps its copy of the value and sends it
    back on the next run. A value set before the input is drawn reaches the browser.
    """
    st.session_state.setdefault(_RESETS_KEY, {}).update(values)


def apply_field_resets() -> None:
    for key, value in st.session_state.pop(_RESETS_KEY, {}).items():
        st.session_state[key] = value


def show_notice(notice_key: str) -> None:
    """The notice save_then_rerun (or a screen) left for this run, shown once."""
    notice = st.session_state.pop(notice_key, None)
    if notice:
        st.success(notice)


def save_then_rerun(engine: Engine, errors: FieldErrors, write: Callable[[Session], Any], notice_key: str,
                    notice: str | Callable[[Any], str]) -> None:
    """Run one write transaction; on success leave a notice for the next run and rerun,
    on a refusal show it beside its field. `notice` may be built from what `write` returned."""
    try:
        with write_session(engine) as session:
            saved = write(session)
    except LinliError as exc:
        errors.show(exc)
        return
    st.session_state[notice_key] = notice(saved) if callable(notice) else notice
    st.rerun()
