"""Normalisation of what people type: NFKC (full-width to half-width) and trimmed."""

from __future__ import annotations

import unicodedata


def clean(value: str | None) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()
