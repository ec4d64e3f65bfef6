"""Absolute links for QR codes: a phone camera opens an address, not a path."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st


def absolute(path: str, base: str = "") -> str:
    """`base` + path; without a configured base, the address this browser used to reach Linli."""
    if not base:
        seen = urlsplit(st.context.url or "")
        base = f"{seen.scheme}://{seen.netloc}" if seen.scheme and seen.netloc else ""
    return base.rstrip("/") + path
