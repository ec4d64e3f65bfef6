"""Binds translation to the current session's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from core.base.errors import Invalid, InvalidMany, LinliError
from core.base.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from ui.markdown import plain

LANG_KEY = "linli_lang"
TRANSLATED_CHOICES = "linli_translated_choices"
# The "all" (or "none") entry of a choice of ids. Not None: Streamlit sends a choice of None to the
# browser as no choice at all, which draws the empty placeholder instead of 全部 / All.
ANY = -1


def unless_any(chosen: int) -> int | None:
    """The id chosen, or None for the ANY entry."""
    return None if chosen == ANY else chosen


def language() -> str:
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    st.session_state[LANG_KEY] = lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translated_choice(key: str) -> str:
    """`key`, for a choice widget whose option labels are translated (全部 / All, 独居老人 / …).

    The browser keeps a choice by its label. After a language switch it would go on showing the
    old language's word and sending it back, and the next change anywhere on the page would reset
    the choice without a word. A key named here is set again when the language changes
    (`relabel_choices`), so Streamlit sends the chosen value's label in the new language.
    """
    st.session_state.setdefault(TRANSLATED_CHOICES, set()).add(key)
    return key


def relabel_choices() -> None:
    """Before the first run in a new language: every translated choice keeps its value, relabelled."""
    for key in st.session_state.get(TRANSLATED_CHOICES, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


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
        if error.field.startswith("party_"):  # the n-th party of a case, and which of its details
            party, _, detail = error.field.partition(".")
            label = t("field.party", n=int(party.split("_")[1]) + 1) + (f" · {t('field.' + detail)}" if detail else "")
        elif error.field.startswith("criterion."):  # a criterion of the assessment, named by the office
            label = error.field.partition(".")[2]
        elif error.field.startswith("row_"):  # the n-th row of a roster
            label = t("field.row", n=int(error.field.split("_")[1]))
        else:
            label = t(f"field.{error.field}")
        return t("error.field_reason", field=label, reason=reason)
    return reason
