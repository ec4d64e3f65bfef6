"""Normalisation of what people type.

Names, ID numbers, phones, addresses and other short values: NFKC (full-width letters and
digits to half-width) and trimmed, so that the same value typed two ways is one value.
Prose (notes, case facts, agreements, comments, reasons): only NFC and trimmed, so that
Chinese punctuation (：，（）) stays as the person wrote it.
"""

from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}
_JOINER = "\u200d"  # joins emoji and some scripts in prose; never meaningful in a name


def clean(value: str | None) -> str:
    """NFKC, trimmed, without control or invisible format characters: PostgreSQL refuses NUL,
    and a zero-width space or soft hyphen copied into "张\u200b伟" would make another 张伟
    that duplicate checks and searches miss."""
    return _normalised(value, "NFKC", keep_joiner=False)


def clean_prose(value: str | None) -> str:
    """Free text: NFC (composed, nothing folded), trimmed, without control or invisible characters."""
    return _normalised(value, "NFC", keep_joiner=True)


def _normalised(value: str | None, form: str, *, keep_joiner: bool) -> str:
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text.isascii() and text.isprintable():
        return text.strip()  # NFKC and NFC leave printable ASCII as it is: the common case, kept cheap
    text = unicodedata.normalize(form, text)
    if not text.isprintable():
        text = "".join(c for c in text if c in _KEEP or (keep_joiner and c == _JOINER)
                       or unicodedata.category(c) not in ("Cc", "Cf"))
    return text.strip()
