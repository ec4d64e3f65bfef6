"""Paging controls for lists that are paged in SQL."""

from __future__ import annotations

import math

import streamlit as st

from ui.i18n import t

PAGE_SIZE = 50


def page_picker(total: int, *, key: str, page_size: int = PAGE_SIZE) -> int:
    """A page number input and a caption; returns the 1-based page to fetch."""
    pages = max(1, math.ceil(total / page_size))
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = pages
    left, right = st.columns([1, 4])
    page = left.number_input(t("table.page"), min_value=1, max_value=pages, step=1, key=key)
    right.caption(t("table.summary", page=page, pages=pages, total=total))
    return int(page)
