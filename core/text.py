"""Normalisation of what people type: NFKC (full-width to half-width) and trimmed."""

from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}


def clean(value: str | None) -> str:
    """NFKC, trimmed, without control characters (PostgreSQL refuses NUL; none belong in text)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    if not text.isprintable():
        text = "".join(c for c in text if c in _KEEP or unicodedata.category(c) != "Cc")
    return text.strip()
