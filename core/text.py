"""Normalisation of what people type: NFKC (full-width to half-width) and trimmed."""

from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}


def clean(value: str | None) -> str:
    """NFKC, trimmed, without control characters (PostgreSQL refuses NUL; none belong in text)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text.isascii() and text.isprintable():
        return text.strip()  # NFKC leaves printable ASCII as it is: the common case, kept cheap
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():
        text = "".join(c for c in text if c in _KEEP or unicodedata.category(c) != "Cc")
    return text.strip()
