"""Normalisation of what people type.

Names, ID numbers, phones, addresses and other short values: NFKC (full-width letters and
digits to half-width) and trimmed, so that the same value typed two ways is one value.
Prose (notes, case facts, agreements, comments, reasons): only NFC and trimmed, so that
Chinese punctuation (：，（）) stays as the person wrote it.
"""

from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}


def clean(value: str | None) -> str:
    """NFKC, trimmed, without control characters (PostgreSQL refuses NUL; none belong in text)."""
    return _normalised(value, "NFKC")


def clean_prose(value: str | None) -> str:
    """Free text: NFC (composed, nothing folded), trimmed, without control characters."""
    return _normalised(value, "NFC")


def _normalised(value: str | None, form: str) -> str:
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text.isascii() and text.isprintable():
        return text.strip()  # NFKC and NFC leave printable ASCII as it is: the common case, kept cheap
    text = unicodedata.normalize(form, text)
    if not text.isprintable():
        text = "".join(c for c in text if c in _KEEP or unicodedata.category(c) != "Cc")
    return text.strip()
