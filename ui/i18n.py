"""Binds translation to the current session's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from core.errors import Invalid, InvalidMany, LinliError
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from ui.markdown import plain

LANG_KEY = "linli_lang"


def language() -> str:
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    st.session_state[LANG_KEY] = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **params: Any) -> str:
    return translate(language(), key, **params)


def translator() -> Callable[..., str]:
    """t() bound to this run's language, for loops: reading session state costs more than
    the lookup, and a 50-row table asks for hundreds of labels."""
    lang = language()
    return lambda key, **params: translate(lang, key, **params)


def error_text(error: LinliError) -> str:
    """A refusal in the user's language, naming the field when there is one."""
    if isinstance(error, InvalidMany):
        return "\n".join(error_text(each) for each in error.errors)
    # Shown through markdown (st.error): a value from the user or a file is shown as typed.
    reason = t(error.key, **{name: plain(value) if isinstance(value, str) else value
                             for name, value in error.params.items()})
    if isinstance(error, Invalid):
        if error.field.startswith("party_"):  # the n-th party of a case
            label = t("field.party", n=int(error.field.split("_")[1]) + 1)
        elif error.field.startswith("row_"):  # the n-th row of a roster
            label = t("field.row", n=int(error.field.split("_")[1]))
        else:
            label = t(f"field.{error.field}")
        return t("error.field_reason", field=label, reason=reason)
    return reason
