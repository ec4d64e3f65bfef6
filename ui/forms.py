"""Refusals shown next to the field they are about."""

from __future__ import annotations

import streamlit as st

from core.errors import Invalid, InvalidMany, LinliError
from ui.i18n import error_text


class FieldErrors:
    """Reserve a slot under each input; a refusal is written into its field's slot."""

    def __init__(self) -> None:
        self._slots: dict[str, object] = {}

    def slot(self, field: str) -> None:
        self._slots[field] = st.empty()

    def show(self, error: LinliError) -> None:
        errors = error.errors if isinstance(error, InvalidMany) else [error]
        for each in errors:
            slot = self._slots.get(each.field) if isinstance(each, Invalid) else None
            (slot or st).error(error_text(each), icon=":material/error:")
